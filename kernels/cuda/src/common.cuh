// Shared host-side helpers of libelma_cuda: error state, checks, and the cuBLAS GEMM for
// row-major y = x · Wᵀ (HF [out, in] weights), fp32 or fp16 storage with fp32 accumulation.
#pragma once
#include <cublas_v2.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <stdarg.h>
#include <stdio.h>

#include "elma_cuda.h"

namespace elma {

int fail(int code, const char *fn, const char *fmt, ...);

#define ELMA_CUDA_TRY(expr, fn)                                                                   \
  do {                                                                                            \
    cudaError_t e_ = (expr);                                                                      \
    if (e_ != cudaSuccess) return elma::fail(ELMA_EUNSUPPORTED, fn, "%s: %s", #expr, cudaGetErrorString(e_)); \
  } while (0)
#define ELMA_CUBLAS_TRY(expr, fn)                                                                 \
  do {                                                                                            \
    cublasStatus_t s_ = (expr);                                                                   \
    if (s_ != CUBLAS_STATUS_SUCCESS) return elma::fail(ELMA_EUNSUPPORTED, fn, "%s: cuBLAS status %d", #expr, (int)s_); \
  } while (0)

cublasHandle_t cublas();  // one handle per process, created on first use

// Row-major C[m, n] = alpha · A[m, k] · B[n, k]ᵀ + beta · C, with leading dimensions and strided
// batches. cuBLAS is column-major: the row-major product is Cᵀ = B · Aᵀ, i.e. op(B) = T on the left.
template <typename T>
cublasStatus_t gemm_nt(cublasHandle_t h, int m, int n, int k, float alpha, const T *a, int lda, long long sa, const T *b,
                       int ldb, long long sb, float beta, T *c, int ldc, long long sc, int batch) {
  const cudaDataType t = sizeof(T) == 2 ? CUDA_R_16F : CUDA_R_32F;
  return cublasGemmStridedBatchedEx(h, CUBLAS_OP_T, CUBLAS_OP_N, n, m, k, &alpha, b, t, ldb, sb, a, t, lda, sa, &beta, c, t,
                                    ldc, sc, batch, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
}

// Row-major C[m, n] = A[m, k] · B[k, n] (no transpose: P · V in attention).
template <typename T>
cublasStatus_t gemm_nn(cublasHandle_t h, int m, int n, int k, const T *a, int lda, long long sa, const T *b, int ldb,
                       long long sb, T *c, int ldc, long long sc, int batch) {
  const cudaDataType t = sizeof(T) == 2 ? CUDA_R_16F : CUDA_R_32F;
  const float one = 1.0f, zero = 0.0f;
  return cublasGemmStridedBatchedEx(h, CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, &one, b, t, ldb, sb, a, t, lda, sa, &zero, c, t, ldc,
                                    sc, batch, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
}

inline unsigned blocks(long long n, int threads) { return (unsigned)((n + threads - 1) / threads); }

}  // namespace elma
