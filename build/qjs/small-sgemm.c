/*
 * A small single-precision GEMM with the CBLAS interface, for elma-qjs-small: the kernels'
 * cblas_sgemm calls (row-major; B transposed or not) without OpenBLAS, whose static library
 * carries every CPU's kernels (DYNAMIC_ARCH) and makes a static program 13 MB (arm64) to 26 MB
 * (x64). This one is a few KB and, on ELMA's shapes, comes close to OpenBLAS (below; per question:
 * BENCHMARKS.md, "bench:qjs").
 *
 * The method is the textbook one (Goto and van de Geijn, "Anatomy of High-Performance Matrix
 * Multiplication", ACM TOMS 34(3), 2008, without the cache blocking of A, which ELMA's shapes,
 * K ≤ 512, do not need): B is packed into panels of NR columns laid out k-major ([K][NR],
 * contiguous), and an MR × NR block of C is accumulated in registers as a sum of rank-1 updates,
 * A's element broadcast against the panel's row. Written with GCC's vector extension, no
 * intrinsics, so the same file is SSE, AVX or NEON code as the target allows. Measured on
 * (256 × 128)·(512 × 128)ᵀ, one thread, the AMD EPYC build machine: 14 GFLOP/s with
 * -march=x86-64-v2 (SSE), 30 with AVX2 and FMA, where static OpenBLAS makes 29.
 *
 * Threads: the kernels call sgemm from their own pool's tasks, each a single-threaded call, so
 * the packing buffer is per thread.
 */
#define _ISOC11_SOURCE /* aligned_alloc */
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

/* The register block: MR rows × NR columns of C, NR = NV vectors of VW floats (GCC's vector
   extension, lowered to SSE, AVX or NEON as the target allows). The accumulators must fit the
   register file with room for the panel's row and A's broadcast: 8 of x86-64's 16 vector
   registers, 16 of AArch64's 32. */
#if defined(__AVX__)
enum { VW = 8, NV = 2 }; /* 4 × 16 in 8 ymm */
#elif defined(__aarch64__)
enum { VW = 4, NV = 4 }; /* 4 × 16 in 16 q registers */
#else
enum { VW = 4, NV = 2 }; /* 4 × 8 in 8 xmm */
#endif
enum { MR = 4, NR = VW * NV };
typedef float vf __attribute__((vector_size(VW * sizeof(float))));

static _Thread_local float *panel;
static _Thread_local size_t panel_floats;

/* B's columns j0..j0+nr (nr ≤ NR) as a [K][NR] panel, zero-padded. op(B)[k][j] is B[j][k] when
   transposed (HF Linear weights, [out, in]) and B[k][j] when not. */
static void pack_b(float *p, const float *b, int ldb, int trans, int k_len, int j0, int nr) {
  for (int k = 0; k < k_len; k++) {
    float *row = p + (size_t)k * NR;
    int j = 0;
    if (trans) for (; j < nr; j++) row[j] = b[(size_t)(j0 + j) * ldb + k];
    else for (; j < nr; j++) row[j] = b[(size_t)k * ldb + j0 + j];
    for (; j < NR; j++) row[j] = 0.0f;
  }
}

/* acc[r][j] = Σ_k A[r][k] · P[k][j] for mr ≤ MR rows of A (row-major, lda): rank-1 updates of the
   block held in registers (the loops over r and v are fixed-length, so GCC unrolls them). */
static void kernel(int mr, int k_len, const float *a, int lda, const float *p, float acc[MR][NR]) {
  vf c[MR][NV];
  memset(c, 0, sizeof c);
  const float *ar[MR];
  for (int r = 0; r < MR; r++) ar[r] = a + (size_t)(r < mr ? r : 0) * lda; /* missing rows repeat row 0, never stored */
  for (int k = 0; k < k_len; k++) {
    const vf *pk = (const vf *)(p + (size_t)k * NR);
    for (int r = 0; r < MR; r++) {
      const vf x = (vf){0} + ar[r][k];
      for (int v = 0; v < NV; v++) c[r][v] += x * pk[v];
    }
  }
  memcpy(acc, c, sizeof c);
}

/* C = alpha·op(A)·op(B) + beta·C, row-major; op(A) must be A (the kernels never transpose A).
   As BLAS: beta = 0 means C is not read. */
void cblas_sgemm(const enum CBLAS_ORDER order, const enum CBLAS_TRANSPOSE trans_a, const enum CBLAS_TRANSPOSE trans_b,
                 const int m, const int n, const int k, const float alpha, const float *a, const int lda, const float *b,
                 const int ldb, const float beta, float *c, const int ldc) {
  if (order != CblasRowMajor || trans_a != CblasNoTrans || m <= 0 || n <= 0) abort(); /* never called so by the kernels */
  const int tb = trans_b != CblasNoTrans;
  const size_t need = (size_t)(k > 0 ? k : 1) * NR;
  if (panel_floats < need) {
    free(panel);
    panel = aligned_alloc(64, (need * sizeof *panel + 63) / 64 * 64); /* rows of NR floats stay vector-aligned */
    panel_floats = panel == NULL ? 0 : need;
    if (panel == NULL) abort(); /* K × 16 floats: out of memory is not recoverable here */
  }
  float acc[MR][NR];
  for (int j0 = 0; j0 < n; j0 += NR) {
    const int nr = n - j0 < NR ? n - j0 : NR;
    pack_b(panel, b, ldb, tb, k, j0, nr);
    for (int i0 = 0; i0 < m; i0 += MR) {
      const int mr = m - i0 < MR ? m - i0 : MR;
      kernel(mr, k, a + (size_t)i0 * lda, lda, panel, acc);
      for (int r = 0; r < mr; r++) {
        float *cr = c + (size_t)(i0 + r) * ldc + j0;
        if (beta == 0.0f) for (int j = 0; j < nr; j++) cr[j] = alpha * acc[r][j];
        else for (int j = 0; j < nr; j++) cr[j] = alpha * acc[r][j] + beta * cr[j];
      }
    }
  }
}

/* kernels/native/src/_blas.h's seam with ELMA_HAVE_OPENBLAS: here it names this sgemm in
   elma_info ("blas=..."); thread control has nothing to do (the kernels' pool does the threading). */
void openblas_set_num_threads(int num_threads) { (void)num_threads; }
char *openblas_get_config(void) { return (char *)"elma-qjs small sgemm (4x16, no OpenBLAS)"; }
