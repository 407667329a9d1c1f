// The fused ALBERT layer on the GPU: weights uploaded once per handle (Q, K, V packed into one
// [3H, H] matrix so the three projections are one GEMM), `steps` applications of the shared layer
// captured once per (batch, seq, steps) as a CUDA graph and replayed: at batch 1 a layer is ~12
// kernel launches, and on an H100 launch overhead is a large part of a 0.1 ms layer.
#include <map>
#include <tuple>
#include <vector>

#include "attention.cuh"
#include "common.cuh"
#include "kernels.cuh"

using namespace elma;

struct elma_cuda_layer {
  bool fp16;
  int H, heads, I, act;
  float eps;
  void *wqkv, *bqkv, *wd, *bd, *w1, *b1, *w2, *b2;  // T storage
  float *ln1g, *ln1b, *ln2g, *ln2b;                 // LayerNorm parameters stay fp32
  cudaStream_t stream = nullptr;
  void *cublas_ws = nullptr;
  // Workspace for `rows` rows and `score_elems` attention scores; grown on demand.
  void *ws = nullptr;
  size_t ws_bytes = 0;
  float *x32 = nullptr;
  int32_t *mask = nullptr;
  size_t io_rows = 0;
  std::map<std::tuple<int, int, int>, cudaGraphExec_t> graphs;
};

namespace {

template <typename T>
int upload(void **dst, const float *src, size_t n, const char *fn) {
  float *tmp = nullptr;
  ELMA_CUDA_TRY(cudaMalloc(&tmp, n * sizeof(float)), fn);
  ELMA_CUDA_TRY(cudaMemcpy(tmp, src, n * sizeof(float), cudaMemcpyHostToDevice), fn);
  if constexpr (sizeof(T) == sizeof(float)) {
    *dst = tmp;
    return ELMA_OK;
  } else {
    ELMA_CUDA_TRY(cudaMalloc(dst, n * sizeof(T)), fn);
    convert<float, T><<<blocks(n, 256), 256>>>(tmp, (T *)*dst, n);
    ELMA_CUDA_TRY(cudaDeviceSynchronize(), fn);
    cudaFree(tmp);
    return ELMA_OK;
  }
}

// Enqueue one layer on x (T, [rows, H]) using ws; no synchronisation (capturable).
template <typename T>
int enqueue(elma_cuda_layer *L, T *x, int batch, int seq) {
  const char *fn = "elma_cuda_layer_run";
  const int rows = batch * seq, H = L->H, I = L->I;
  cublasHandle_t h = cublas();
  ELMA_CUBLAS_TRY(cublasSetStream(h, L->stream), fn);
  T *qkv = (T *)L->ws, *ctx = qkv + (size_t)rows * 3 * H, *proj = ctx + (size_t)rows * H, *a = proj + (size_t)rows * H;
  T *f = a + (size_t)rows * H, *scores = f + (size_t)rows * I;
  auto bias = [&](T *y, const void *b, int r, int c, int act) {
    bias_act<T><<<blocks((long long)r * c, 256), 256, 0, L->stream>>>(y, (const T *)b, r, c, act);
  };
  ELMA_CUBLAS_TRY(gemm_nt<T>(h, rows, 3 * H, H, 1.0f, x, H, 0, (const T *)L->wqkv, H, 0, 0.0f, qkv, 3 * H, 0, 1), fn);
  bias(qkv, L->bqkv, rows, 3 * H, ELMA_ACT_LINEAR);
  int rc = attention_device<T>(L->stream, qkv, qkv + H, qkv + 2 * H, 3 * H, L->mask, batch, seq, L->heads, H / L->heads, scores, ctx, H);
  if (rc != ELMA_OK) return rc;
  ELMA_CUBLAS_TRY(cublasSetStream(h, L->stream), fn);
  ELMA_CUBLAS_TRY(gemm_nt<T>(h, rows, H, H, 1.0f, ctx, H, 0, (const T *)L->wd, H, 0, 0.0f, proj, H, 0, 1), fn);
  bias(proj, L->bd, rows, H, ELMA_ACT_LINEAR);
  layer_norm<T><<<rows, 256, 0, L->stream>>>(proj, x, H, L->ln1g, L->ln1b, L->eps, a);
  ELMA_CUBLAS_TRY(gemm_nt<T>(h, rows, I, H, 1.0f, a, H, 0, (const T *)L->w1, H, 0, 0.0f, f, I, 0, 1), fn);
  bias(f, L->b1, rows, I, L->act);
  ELMA_CUBLAS_TRY(gemm_nt<T>(h, rows, H, I, 1.0f, f, I, 0, (const T *)L->w2, I, 0, 0.0f, proj, H, 0, 1), fn);
  bias(proj, L->b2, rows, H, ELMA_ACT_LINEAR);
  layer_norm<T><<<rows, 256, 0, L->stream>>>(proj, a, H, L->ln2g, L->ln2b, L->eps, x);
  ELMA_CUDA_TRY(cudaGetLastError(), fn);
  return ELMA_OK;
}

int reserve(elma_cuda_layer *L, int batch, int seq) {
  const char *fn = "elma_cuda_layer_run";
  const size_t rows = (size_t)batch * seq, es = L->fp16 ? 2 : 4;
  // qkv 3H, ctx, proj, a: H each, f: I; scores batch·heads·seq²; plus a T copy of x for fp16.
  const size_t need = es * (rows * (6 * (size_t)L->H + L->I) + (size_t)batch * L->heads * seq * seq + rows * L->H);
  if (need > L->ws_bytes) {
    for (auto &g : L->graphs) cudaGraphExecDestroy(g.second);  // graphs point into the old workspace
    L->graphs.clear();
    cudaFree(L->ws);
    L->ws = nullptr;
    ELMA_CUDA_TRY(cudaMalloc(&L->ws, need), fn);
    L->ws_bytes = need;
  }
  if (rows > L->io_rows) {
    for (auto &g : L->graphs) cudaGraphExecDestroy(g.second);
    L->graphs.clear();
    cudaFree(L->x32);
    cudaFree(L->mask);
    ELMA_CUDA_TRY(cudaMalloc(&L->x32, rows * L->H * sizeof(float)), fn);
    ELMA_CUDA_TRY(cudaMalloc(&L->mask, rows * sizeof(int32_t)), fn);
    L->io_rows = rows;
  }
  return ELMA_OK;
}

// The steps on L->x32 (fp32): in fp16 mode convert in, run, convert out, all on the stream.
int enqueue_steps(elma_cuda_layer *L, int batch, int seq, int steps) {
  const long long n = (long long)batch * seq * L->H;
  if (!L->fp16) {
    for (int s = 0; s < steps; s++) {
      int rc = enqueue<float>(L, L->x32, batch, seq);
      if (rc != ELMA_OK) return rc;
    }
    return ELMA_OK;
  }
  __half *xh = (__half *)((char *)L->ws + L->ws_bytes) - n;  // the last rows·H halves of the workspace
  convert<float, __half><<<blocks(n, 256), 256, 0, L->stream>>>(L->x32, xh, n);
  for (int s = 0; s < steps; s++) {
    int rc = enqueue<__half>(L, xh, batch, seq);
    if (rc != ELMA_OK) return rc;
  }
  convert<__half, float><<<blocks(n, 256), 256, 0, L->stream>>>(xh, L->x32, n);
  return ELMA_OK;
}

}  // namespace

extern "C" {

elma_cuda_layer *elma_cuda_layer_create(const elma_layer_weights *w, const elma_layer_shape *s, int32_t fp16) {
  const char *fn = "elma_cuda_layer_create";
  if (w == nullptr || s == nullptr || s->hidden <= 0 || s->heads <= 0 || s->hidden % s->heads != 0 || s->intermediate <= 0 ||
      s->activation < 0 || s->activation >= ELMA_ACT_COUNT) {
    fail(ELMA_EINVAL, fn, "bad shape or activation");
    return nullptr;
  }
  auto *L = new elma_cuda_layer();
  L->fp16 = fp16 != 0;
  L->H = s->hidden, L->heads = s->heads, L->I = s->intermediate, L->act = s->activation, L->eps = s->layer_norm_eps;
  const size_t H = L->H, I = L->I;
  std::vector<float> qkv(3 * H * H), bqkv(3 * H);
  std::copy(w->query_w, w->query_w + H * H, qkv.begin());
  std::copy(w->key_w, w->key_w + H * H, qkv.begin() + H * H);
  std::copy(w->value_w, w->value_w + H * H, qkv.begin() + 2 * H * H);
  std::copy(w->query_b, w->query_b + H, bqkv.begin());
  std::copy(w->key_b, w->key_b + H, bqkv.begin() + H);
  std::copy(w->value_b, w->value_b + H, bqkv.begin() + 2 * H);
  auto up = [&](void **d, const float *src, size_t n) {
    return L->fp16 ? upload<__half>(d, src, n, fn) : upload<float>(d, src, n, fn);
  };
  int rc = up(&L->wqkv, qkv.data(), 3 * H * H);
  if (rc == ELMA_OK) rc = up(&L->bqkv, bqkv.data(), 3 * H);
  if (rc == ELMA_OK) rc = up(&L->wd, w->dense_w, H * H);
  if (rc == ELMA_OK) rc = up(&L->bd, w->dense_b, H);
  if (rc == ELMA_OK) rc = up(&L->w1, w->ffn_w, I * H);
  if (rc == ELMA_OK) rc = up(&L->b1, w->ffn_b, I);
  if (rc == ELMA_OK) rc = up(&L->w2, w->ffn_out_w, H * I);
  if (rc == ELMA_OK) rc = up(&L->b2, w->ffn_out_b, H);
  if (rc == ELMA_OK) rc = upload<float>((void **)&L->ln1g, w->attn_ln_g, H, fn);
  if (rc == ELMA_OK) rc = upload<float>((void **)&L->ln1b, w->attn_ln_b, H, fn);
  if (rc == ELMA_OK) rc = upload<float>((void **)&L->ln2g, w->out_ln_g, H, fn);
  if (rc == ELMA_OK) rc = upload<float>((void **)&L->ln2b, w->out_ln_b, H, fn);
  if (rc == ELMA_OK && cudaStreamCreateWithFlags(&L->stream, cudaStreamNonBlocking) != cudaSuccess) rc = fail(ELMA_EUNSUPPORTED, fn, "no stream");
  // cuBLAS must not allocate while a graph is being captured: give it its workspace up front.
  if (rc == ELMA_OK && (cublas() == nullptr || cudaMalloc(&L->cublas_ws, 32u << 20) != cudaSuccess)) rc = fail(ELMA_EUNSUPPORTED, fn, "cuBLAS setup failed");
  if (rc != ELMA_OK) {
    elma_cuda_layer_destroy(L);
    return nullptr;
  }
  return L;
}

void elma_cuda_layer_destroy(elma_cuda_layer *L) {
  if (L == nullptr) return;
  for (auto &g : L->graphs) cudaGraphExecDestroy(g.second);
  for (void *p : {L->wqkv, L->bqkv, L->wd, L->bd, L->w1, L->b1, L->w2, L->b2, (void *)L->ln1g, (void *)L->ln1b, (void *)L->ln2g,
                  (void *)L->ln2b, L->ws, (void *)L->x32, (void *)L->mask, L->cublas_ws})
    cudaFree(p);
  if (L->stream != nullptr) cudaStreamDestroy(L->stream);
  delete L;
}

int elma_cuda_layer_run_device(elma_cuda_layer *L, float *x_dev, const int32_t *mask_dev, int32_t batch, int32_t seq, int32_t steps) {
  const char *fn = "elma_cuda_layer_run";
  if (L == nullptr || batch < 0 || seq <= 0 || steps < 0) return fail(ELMA_EINVAL, fn, "bad arguments");
  if (batch == 0 || steps == 0) return ELMA_OK;
  int rc = reserve(L, batch, seq);
  if (rc != ELMA_OK) return rc;
  const size_t rows = (size_t)batch * seq;
  if (x_dev != L->x32) ELMA_CUDA_TRY(cudaMemcpyAsync(L->x32, x_dev, rows * L->H * sizeof(float), cudaMemcpyDeviceToDevice, L->stream), fn);
  if (mask_dev != L->mask) ELMA_CUDA_TRY(cudaMemcpyAsync(L->mask, mask_dev, rows * sizeof(int32_t), cudaMemcpyDeviceToDevice, L->stream), fn);
  auto key = std::make_tuple((int)batch, (int)seq, (int)steps);
  auto it = L->graphs.find(key);
  if (it == L->graphs.end()) {
    ELMA_CUBLAS_TRY(cublasSetWorkspace(cublas(), L->cublas_ws, 32u << 20), fn);
    cudaGraph_t g;
    ELMA_CUDA_TRY(cudaStreamBeginCapture(L->stream, cudaStreamCaptureModeThreadLocal), fn);
    rc = enqueue_steps(L, batch, seq, steps);
    cudaError_t end = cudaStreamEndCapture(L->stream, &g);
    if (rc != ELMA_OK) return rc;
    ELMA_CUDA_TRY(end, fn);
    cudaGraphExec_t exec;
    ELMA_CUDA_TRY(cudaGraphInstantiate(&exec, g, 0), fn);
    cudaGraphDestroy(g);
    it = L->graphs.emplace(key, exec).first;
  }
  ELMA_CUDA_TRY(cudaGraphLaunch(it->second, L->stream), fn);
  if (x_dev != L->x32) ELMA_CUDA_TRY(cudaMemcpyAsync(x_dev, L->x32, rows * L->H * sizeof(float), cudaMemcpyDeviceToDevice, L->stream), fn);
  ELMA_CUDA_TRY(cudaStreamSynchronize(L->stream), fn);
  return ELMA_OK;
}

int elma_cuda_layer_run(elma_cuda_layer *L, float *x, const int32_t *mask, int32_t batch, int32_t seq, int32_t steps) {
  const char *fn = "elma_cuda_layer_run";
  if (L == nullptr || x == nullptr || mask == nullptr || batch < 0 || seq <= 0) return fail(ELMA_EINVAL, fn, "bad arguments");
  if (batch == 0 || steps == 0) return ELMA_OK;
  int rc = reserve(L, batch, seq);
  if (rc != ELMA_OK) return rc;
  const size_t rows = (size_t)batch * seq;
  ELMA_CUDA_TRY(cudaMemcpyAsync(L->x32, x, rows * L->H * sizeof(float), cudaMemcpyHostToDevice, L->stream), fn);
  ELMA_CUDA_TRY(cudaMemcpyAsync(L->mask, mask, rows * sizeof(int32_t), cudaMemcpyHostToDevice, L->stream), fn);
  rc = elma_cuda_layer_run_device(L, L->x32, L->mask, batch, seq, steps);
  if (rc != ELMA_OK) return rc;
  ELMA_CUDA_TRY(cudaMemcpy(x, L->x32, rows * L->H * sizeof(float), cudaMemcpyDeviceToHost), fn);
  return ELMA_OK;
}

}  // extern "C"
