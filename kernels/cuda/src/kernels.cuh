// Device kernels of the CUDA backend (fp32 and fp16 storage, fp32 math). One thread block per row
// for the row ops (hidden ≤ 4096, seq ≤ 4096): the rows are short, so a block reduction in
// shared memory is the whole algorithm (as in llm.c's layernorm_forward_kernel3, simplified).
#pragma once
#include <cuda_fp16.h>
#include <math.h>
#include <stdint.h>

namespace elma {

__device__ __forceinline__ float load(const float *p, int64_t i) { return p[i]; }
__device__ __forceinline__ float load(const __half *p, int64_t i) { return __half2float(p[i]); }
__device__ __forceinline__ void store(float *p, int64_t i, float v) { p[i] = v; }
__device__ __forceinline__ void store(__half *p, int64_t i, float v) { p[i] = __float2half(v); }

// elma.h elma_activation, the formulas of kernels/activation.ts.
__device__ __forceinline__ float act(int a, float x) {
  switch (a) {
    case 0: return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
    case 1: return 0.5f * x * (1.0f + tanhf(0.79788456080286536f * (x + 0.044715f * x * x * x)));
    case 2: return 0.5f * x * (1.0f + tanhf(x * 0.7978845608f * (1.0f + 0.044715f * x * x)));
    case 3: return x / (1.0f + expf(-1.702f * x));
    case 4: return fmaxf(x, 0.0f);
    case 5: return fminf(fmaxf(x, 0.0f), 6.0f);
    case 6: return x > 0 ? x * x : 0.0f;
    case 7: return x / (1.0f + expf(-x));
    case 8: return x * tanhf(x > 20 ? x : log1pf(expf(x)));
    case 9: return tanhf(x);
    case 10: return 1.0f / (1.0f + expf(-x));
    case 12: return x > 0 ? x : 0.01f * x;
    default: return x;
  }
}

// y[r, c] = act(y[r, c] + b[c]) over rows × cols (b may be null).
template <typename T>
__global__ void bias_act(T *y, const T *b, int64_t rows, int cols, int a) {
  int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
  if (i >= rows * cols) return;
  float v = load(y, i) + (b != nullptr ? load(b, i % cols) : 0.0f);
  store(y, i, act(a, v));
}

__device__ __forceinline__ float block_sum(float v, float *sh) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  __syncthreads();
  if (lane == 0) sh[warp] = v;
  __syncthreads();
  float t = 0;
  for (int w = 0; w < (int)(blockDim.x + 31) / 32; w++) t += sh[w];
  return t;
}

__device__ __forceinline__ float block_max(float v, float *sh) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  __syncthreads();
  if (lane == 0) sh[warp] = v;
  __syncthreads();
  float t = -INFINITY;
  for (int w = 0; w < (int)(blockDim.x + 31) / 32; w++) t = fmaxf(t, sh[w]);
  return t;
}

// out[r] = LayerNorm(x[r] + res[r]) · γ + β (torch.nn.LayerNorm: biased variance); one block per row.
// out may alias x or res: every thread reads its own columns before the reductions finish.
template <typename T>
__global__ void layer_norm(const T *x, const T *res, int cols, const float *g, const float *b, float eps, T *out) {
  __shared__ float sh[32];
  const int64_t o = (int64_t)blockIdx.x * cols;
  float s = 0;
  for (int c = threadIdx.x; c < cols; c += blockDim.x) s += load(x, o + c) + (res != nullptr ? load(res, o + c) : 0.0f);
  const float mean = block_sum(s, sh) / cols;
  float q = 0;
  for (int c = threadIdx.x; c < cols; c += blockDim.x) {
    float d = load(x, o + c) + (res != nullptr ? load(res, o + c) : 0.0f) - mean;
    q += d * d;
  }
  const float inv = rsqrtf(block_sum(q, sh) / cols + eps);
  __syncthreads();
  for (int c = threadIdx.x; c < cols; c += blockDim.x) {
    float v = load(x, o + c) + (res != nullptr ? load(res, o + c) : 0.0f);
    store(out, o + c, (v - mean) * inv * g[c] + b[c]);
  }
}

// Masked, scaled softmax of attention scores [batch·heads·seq rows, seq keys], one block per row.
// HF: masked keys get finfo.min added, which is weight 0, or uniform weights when all keys are masked.
template <typename T>
__global__ void masked_softmax(T *sc, const int32_t *mask, int heads, int seq, float scale) {
  __shared__ float sh[32];
  const int64_t row = blockIdx.x;
  const int b = (int)(row / ((int64_t)heads * seq));
  const int32_t *m = mask != nullptr ? mask + (int64_t)b * seq : nullptr;
  T *p = sc + row * seq;
  int any = 0;
  for (int j = threadIdx.x; j < seq; j += blockDim.x) any |= (m == nullptr || m[j] != 0);
  any = __syncthreads_or(any);
  float mx = -INFINITY;
  for (int j = threadIdx.x; j < seq; j += blockDim.x)
    if (!any || m == nullptr || m[j]) mx = fmaxf(mx, any ? load(p, j) * scale : 0.0f);
  mx = block_max(mx, sh);
  float s = 0;
  for (int j = threadIdx.x; j < seq; j += blockDim.x)
    if (!any || m == nullptr || m[j]) s += __expf((any ? load(p, j) * scale : 0.0f) - mx);
  const float inv = 1.0f / block_sum(s, sh);
  __syncthreads();
  for (int j = threadIdx.x; j < seq; j += blockDim.x) {
    const bool keep = !any || m == nullptr || m[j];
    store(p, j, keep ? __expf((any ? load(p, j) * scale : 0.0f) - mx) * inv : 0.0f);
  }
}

template <typename S, typename D>
__global__ void convert(const S *src, D *dst, int64_t n) {
  int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
  if (i < n) store(dst, i, load(src, i));
}

// static: this header is in several translation units and a non-template kernel would be defined twice.
static __global__ void add_inplace(float *a, const float *b, int64_t n) {
  int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
  if (i < n) a[i] += b[i];
}

}  // namespace elma
