// The TensorRT shim: deserialize, bind by name, enqueue, sync (TensorRT 8.x API: JetPack 4.6 ships
// 8.0, so bindings by index with setBindingDimensions, not the 8.5+ tensor-address API).
#include <NvInfer.h>
#include <cuda_runtime.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "elma_trt.h"

namespace {
thread_local char last_error[512];
int fail(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_error, sizeof last_error, fmt, ap);
  va_end(ap);
  return code;
}
struct Logger : nvinfer1::ILogger {
  void log(Severity s, const char *msg) noexcept override {
    if (s <= Severity::kERROR) snprintf(last_error, sizeof last_error, "TensorRT: %s", msg);  // why a plan was refused
  }
} logger;
}  // namespace

struct elma_trt_engine {
  nvinfer1::IRuntime *runtime = nullptr;
  nvinfer1::ICudaEngine *engine = nullptr;
  nvinfer1::IExecutionContext *ctx = nullptr;
  cudaStream_t stream = nullptr;
};

extern "C" {
int elma_trt_abi_version(void) { return ELMA_TRT_ABI_VERSION; }
int elma_trt_version(void) { return NV_TENSORRT_MAJOR * 1000 + NV_TENSORRT_MINOR * 100 + NV_TENSORRT_PATCH; }
const char *elma_trt_last_error(void) { return last_error; }

void elma_trt_destroy(elma_trt_engine *e) {
  if (e == nullptr) return;
  if (e->stream) cudaStreamDestroy(e->stream);
  delete e->ctx;  // TensorRT 8: objects are deleted directly (destroy() is deprecated)
  delete e->engine;
  delete e->runtime;
  delete e;
}

elma_trt_engine *elma_trt_load(const char *path) {
  last_error[0] = '\0';
  std::ifstream f(path, std::ios::binary);
  if (!f) { fail(ELMA_EINVAL, "elma_trt_load: %s: cannot be read", path); return nullptr; }
  std::vector<char> plan((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto *e = new elma_trt_engine();
  e->runtime = nvinfer1::createInferRuntime(logger);
  if (e->runtime != nullptr) e->engine = e->runtime->deserializeCudaEngine(plan.data(), plan.size());
  if (e->engine == nullptr) {
    // TensorRT logged the reason (version or platform mismatch, corrupt plan) into last_error.
    char why[512];
    snprintf(why, sizeof why, "%s", last_error[0] ? last_error : "not a TensorRT plan");
    fail(ELMA_EUNSUPPORTED, "elma_trt_load: %s: cannot be deserialized by TensorRT %d.%d.%d (plans are specific to the TensorRT version and GPU that built them; rebuild it with trtexec on this device): %s",
         path, NV_TENSORRT_MAJOR, NV_TENSORRT_MINOR, NV_TENSORRT_PATCH, why);
    elma_trt_destroy(e);
    return nullptr;
  }
  e->ctx = e->engine->createExecutionContext();
  if (e->ctx == nullptr || cudaStreamCreate(&e->stream) != cudaSuccess) {
    fail(ELMA_EUNSUPPORTED, "elma_trt_load: %s: no execution context", path);
    elma_trt_destroy(e);
    return nullptr;
  }
  return e;
}

int elma_trt_run(elma_trt_engine *e, int32_t batch, int32_t seq, int32_t n_in, int32_t n_out, const char *const *names, void *const *ptrs) {
  if (e == nullptr || names == nullptr || ptrs == nullptr || batch <= 0 || seq <= 0) return fail(ELMA_EINVAL, "elma_trt_run: bad arguments");
  const int nb = e->engine->getNbBindings();
  if (n_in + n_out != nb) return fail(ELMA_EINVAL, "elma_trt_run: the engine has %d bindings, %d given", nb, n_in + n_out);
  std::vector<void *> dev(nb, nullptr);
  std::vector<size_t> bytes(nb, 0);
  int rc = ELMA_OK;
  for (int i = 0; i < nb && rc == ELMA_OK; i++) {
    const int b = e->engine->getBindingIndex(names[i]);
    if (b < 0) { rc = fail(ELMA_EINVAL, "elma_trt_run: the engine has no binding %s", names[i]); break; }
    if (e->engine->bindingIsInput(b)) {
      nvinfer1::Dims d = e->engine->getBindingDimensions(b);
      d.d[0] = batch;
      d.d[1] = seq;  // [batch, seq] or [batch, seq, hidden]: the last dim is static
      if (!e->ctx->setBindingDimensions(b, d)) { rc = fail(ELMA_EUNSUPPORTED, "elma_trt_run: %s: [%d, %d] is outside the engine's optimisation profile", names[i], batch, seq); break; }
    }
  }
  for (int i = 0; i < nb && rc == ELMA_OK; i++) {
    const int b = e->engine->getBindingIndex(names[i]);
    nvinfer1::Dims d = e->ctx->getBindingDimensions(b);
    size_t n = 1;
    for (int k = 0; k < d.nbDims; k++) n *= (size_t)d.d[k];
    bytes[b] = n * 4;  // float32 and int32 bindings only (the ONNX graphs' types)
    if (cudaMalloc(&dev[b], bytes[b]) != cudaSuccess) rc = fail(ELMA_ENOMEM, "elma_trt_run: no device memory for %s", names[i]);
    else if (i < n_in && cudaMemcpyAsync(dev[b], ptrs[i], bytes[b], cudaMemcpyHostToDevice, e->stream) != cudaSuccess) rc = fail(ELMA_EUNSUPPORTED, "elma_trt_run: copy of %s failed", names[i]);
  }
  if (rc == ELMA_OK && !e->ctx->enqueueV2(dev.data(), e->stream, nullptr)) rc = fail(ELMA_EUNSUPPORTED, "elma_trt_run: enqueue failed");
  for (int i = n_in; i < nb && rc == ELMA_OK; i++) {
    const int b = e->engine->getBindingIndex(names[i]);
    if (cudaMemcpyAsync(ptrs[i], dev[b], bytes[b], cudaMemcpyDeviceToHost, e->stream) != cudaSuccess) rc = fail(ELMA_EUNSUPPORTED, "elma_trt_run: copy of %s failed", names[i]);
  }
  if (cudaStreamSynchronize(e->stream) != cudaSuccess && rc == ELMA_OK) rc = fail(ELMA_EUNSUPPORTED, "elma_trt_run: the stream failed");
  for (void *p : dev) cudaFree(p);
  return rc;
}
}  // extern "C"
