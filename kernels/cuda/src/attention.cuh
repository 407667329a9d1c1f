// Masked multi-head attention on the device (HF AlbertAttention): per batch row, the heads are one
// strided-batched GEMM each way (Q·Kᵀ, then P·V), reading Q, K, V in place with leading dimension
// ld (hidden for separate tensors, 3·hidden for the packed QKV of layer.cu), and one masked
// softmax kernel between them that also applies the 1/√d scale.
#pragma once
#include "common.cuh"
#include "kernels.cuh"

namespace elma {

template <typename T>
int attention_device(cudaStream_t st, const T *q, const T *k, const T *v, int ld, const int32_t *mask, int batch, int seq,
                     int heads, int d, T *scores, T *out, int ldo) {
  const char *fn = "elma_cuda_attention";
  cublasHandle_t h = cublas();
  if (h == nullptr) return fail(ELMA_EUNSUPPORTED, fn, "cuBLAS could not be initialised");
  ELMA_CUBLAS_TRY(cublasSetStream(h, st), fn);
  const long long ss = (long long)seq * seq;
  for (int b = 0; b < batch; b++) {
    const long long o = (long long)b * seq * ld;
    ELMA_CUBLAS_TRY(gemm_nt(h, seq, seq, d, 1.0f, q + o, ld, d, k + o, ld, d, 0.0f, scores + b * heads * ss, seq, ss, heads), fn);
  }
  masked_softmax<T><<<(unsigned)(batch * heads * seq), 256, 0, st>>>(scores, mask, heads, seq, 1.0f / sqrtf((float)d));
  ELMA_CUDA_TRY(cudaGetLastError(), fn);
  for (int b = 0; b < batch; b++) {
    const long long o = (long long)b * seq * ld, oo = (long long)b * seq * ldo;
    ELMA_CUBLAS_TRY(gemm_nn(h, seq, d, seq, scores + b * heads * ss, seq, ss, v + o, ld, d, out + oo, ldo, d, heads), fn);
  }
  return ELMA_OK;
}

}  // namespace elma
