// The single ops of the CUDA backend on host pointers: upload, run, download. They exist so the
// conformance suite can check the device kernels op by op; the fast path is layer.cu.
#include <stdlib.h>

#include "common.cuh"
#include "kernels.cuh"
#include "attention.cuh"

namespace elma {

static thread_local char last_error[512];

int fail(int code, const char *fn, const char *fmt, ...) {
  int n = snprintf(last_error, sizeof last_error, "%s: ", fn);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_error + n, sizeof last_error - n, fmt, ap);
  va_end(ap);
  return code;
}

cublasHandle_t cublas() {
  static cublasHandle_t h = nullptr;
  if (h == nullptr && cublasCreate(&h) != CUBLAS_STATUS_SUCCESS) h = nullptr;
  return h;
}

// Device copies of host arrays, freed when the scope ends.
struct Dev {
  void *p = nullptr;
  ~Dev() { cudaFree(p); }
};

static int up(Dev &d, const void *host, size_t bytes, const char *fn) {
  ELMA_CUDA_TRY(cudaMalloc(&d.p, bytes > 0 ? bytes : 1), fn);
  if (host != nullptr) ELMA_CUDA_TRY(cudaMemcpy(d.p, host, bytes, cudaMemcpyHostToDevice), fn);
  return ELMA_OK;
}

static int down(void *host, const Dev &d, size_t bytes, const char *fn) {
  ELMA_CUDA_TRY(cudaMemcpy(host, d.p, bytes, cudaMemcpyDeviceToHost), fn);
  return ELMA_OK;
}

}  // namespace elma

using namespace elma;
#define TRY(x) do { int rc_ = (x); if (rc_ != ELMA_OK) return rc_; } while (0)

extern "C" {

int elma_cuda_abi_version(void) { return ELMA_CUDA_ABI_VERSION; }
const char *elma_cuda_last_error(void) { return last_error; }

int elma_cuda_device_count(void) {
  int n = 0;
  return cudaGetDeviceCount(&n) == cudaSuccess ? n : 0;
}

const char *elma_cuda_info(void) {
  static char info[256];
  cudaDeviceProp p;
  if (cudaGetDeviceProperties(&p, 0) != cudaSuccess) return "no CUDA device";
  snprintf(info, sizeof info, "%.200s, sm_%d%d, %.0f GiB", p.name, p.major, p.minor, p.totalGlobalMem / 1073741824.0);
  return info;
}

int elma_cuda_linear(const float *x, int32_t rows, int32_t in_f, const float *w, const float *b, int32_t out_f, int32_t act, float *y) {
  const char *fn = "elma_cuda_linear";
  if (x == nullptr || w == nullptr || y == nullptr || rows < 0 || in_f <= 0 || out_f <= 0) return fail(ELMA_EINVAL, fn, "bad arguments");
  if (rows == 0) return ELMA_OK;
  Dev dx, dw, db, dy;
  TRY(up(dx, x, sizeof(float) * rows * in_f, fn));
  TRY(up(dw, w, sizeof(float) * out_f * in_f, fn));
  TRY(up(dy, nullptr, sizeof(float) * rows * out_f, fn));
  if (b != nullptr) TRY(up(db, b, sizeof(float) * out_f, fn));
  ELMA_CUBLAS_TRY(gemm_nt(cublas(), rows, out_f, in_f, 1.0f, (float *)dx.p, in_f, 0, (float *)dw.p, in_f, 0, 0.0f, (float *)dy.p, out_f, 0, 1), fn);
  const long long n = (long long)rows * out_f;
  bias_act<float><<<blocks(n, 256), 256>>>((float *)dy.p, (const float *)db.p, rows, out_f, act);
  ELMA_CUDA_TRY(cudaGetLastError(), fn);
  return down(y, dy, sizeof(float) * n, fn);
}

int elma_cuda_layer_norm(const float *x, const float *res, int32_t rows, int32_t cols, const float *g, const float *b, float eps, float *out) {
  const char *fn = "elma_cuda_layer_norm";
  if (x == nullptr || g == nullptr || b == nullptr || out == nullptr || rows < 0 || cols <= 0) return fail(ELMA_EINVAL, fn, "bad arguments");
  if (rows == 0) return ELMA_OK;
  const size_t n = sizeof(float) * rows * cols;
  Dev dx, dr, dg, dbb;
  TRY(up(dx, x, n, fn));
  if (res != nullptr) TRY(up(dr, res, n, fn));
  TRY(up(dg, g, sizeof(float) * cols, fn));
  TRY(up(dbb, b, sizeof(float) * cols, fn));
  layer_norm<float><<<rows, 256>>>((float *)dx.p, (const float *)dr.p, cols, (float *)dg.p, (float *)dbb.p, eps, (float *)dx.p);
  ELMA_CUDA_TRY(cudaGetLastError(), fn);
  return down(out, dx, n, fn);
}

int elma_cuda_activation(int32_t act, float *x, int64_t n) {
  const char *fn = "elma_cuda_activation";
  if (act < 0 || act >= ELMA_ACT_COUNT || n < 0 || (n > 0 && x == nullptr)) return fail(ELMA_EINVAL, fn, "bad arguments");
  if (n == 0) return ELMA_OK;
  Dev d;
  TRY(up(d, x, sizeof(float) * n, fn));
  bias_act<float><<<blocks(n, 256), 256>>>((float *)d.p, nullptr, n, 1, act);
  ELMA_CUDA_TRY(cudaGetLastError(), fn);
  return down(x, d, sizeof(float) * n, fn);
}

int elma_cuda_softmax(float *x, int32_t rows, int32_t cols) {
  const char *fn = "elma_cuda_softmax";
  if (x == nullptr || rows < 0 || cols <= 0) return fail(ELMA_EINVAL, fn, "bad arguments");
  if (rows == 0) return ELMA_OK;
  Dev d;
  TRY(up(d, x, sizeof(float) * rows * cols, fn));
  // A softmax over rows is the attention softmax with one head, rows "queries" and no mask.
  masked_softmax<float><<<rows, 256>>>((float *)d.p, nullptr, rows, cols, 1.0f);
  ELMA_CUDA_TRY(cudaGetLastError(), fn);
  return down(x, d, sizeof(float) * rows * cols, fn);
}

int elma_cuda_add(float *a, const float *b, int64_t n) {
  const char *fn = "elma_cuda_add";
  if (n < 0 || (n > 0 && (a == nullptr || b == nullptr))) return fail(ELMA_EINVAL, fn, "bad arguments");
  if (n == 0) return ELMA_OK;
  Dev da, db;
  TRY(up(da, a, sizeof(float) * n, fn));
  TRY(up(db, b, sizeof(float) * n, fn));
  add_inplace<<<blocks(n, 256), 256>>>((float *)da.p, (float *)db.p, n);
  ELMA_CUDA_TRY(cudaGetLastError(), fn);
  return down(a, da, sizeof(float) * n, fn);
}

}  // extern "C"

extern "C" int elma_cuda_attention(const float *q, const float *k, const float *v, const int32_t *mask, int32_t batch, int32_t seq,
                                   int32_t heads, int32_t head_dim, float *out) {
  const char *fn = "elma_cuda_attention";
  if (q == nullptr || k == nullptr || v == nullptr || mask == nullptr || out == nullptr || batch < 0 || seq <= 0 || heads <= 0 || head_dim <= 0) {
    return fail(ELMA_EINVAL, fn, "bad arguments");
  }
  if (batch == 0) return ELMA_OK;
  const int H = heads * head_dim;
  const size_t n = sizeof(float) * batch * seq * H;
  Dev dq, dk, dv, dm, ds, dout;
  TRY(up(dq, q, n, fn)); TRY(up(dk, k, n, fn)); TRY(up(dv, v, n, fn));
  TRY(up(dm, mask, sizeof(int32_t) * batch * seq, fn));
  TRY(up(ds, nullptr, sizeof(float) * batch * heads * seq * seq, fn));
  TRY(up(dout, nullptr, n, fn));
  TRY(attention_device<float>(0, (float *)dq.p, (float *)dk.p, (float *)dv.p, H, (int32_t *)dm.p, batch, seq, heads, head_dim, (float *)ds.p, (float *)dout.p, H));
  return down(out, dout, n, fn);
}
