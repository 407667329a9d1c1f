/* The backward-pass kernels of libelma_train (elma_train.h). BLAS does the products; per (row,
 * head) the operands are addressed in place through leading dimensions, so nothing is gathered.
 * The per-(row, head) work and the element-wise passes run on libelma_native's thread pool (one
 * team per process), with OpenBLAS single-threaded inside each task as libelma_native sets it. */
#include "elma_train.h"
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../src/_pool.h"
#include "../src/_vmath.h"
#include "elma.h"

int elma_train_abi_version(void) { return ELMA_TRAIN_ABI_VERSION; }

typedef struct {
  int32_t ta, tb, m, n, k, lda, ldb, ldc, chunk;
  float alpha, beta;
  const float *a, *b;
  float *c;
} gemm_job;

/* Rows [t·chunk, …) of C: op(A)'s rows are A's rows (no transpose) or A's columns (transpose). */
static void gemm_task(void *ctx, int task, int worker) {
  (void)worker;
  const gemm_job *j = ctx;
  const int32_t i0 = task * j->chunk, rows = j->m - i0 < j->chunk ? j->m - i0 : j->chunk;
  const float *a = j->ta ? j->a + i0 : j->a + (int64_t)i0 * j->lda;
  cblas_sgemm(CblasRowMajor, j->ta ? CblasTrans : CblasNoTrans, j->tb ? CblasTrans : CblasNoTrans, rows, j->n, j->k, j->alpha, a,
              j->lda, j->b, j->ldb, j->beta, j->c + (int64_t)i0 * j->ldc, j->ldc);
}

/* Below this many multiply-adds a product stays on one thread (the fork-join costs microseconds). */
#define PARALLEL_GEMM_MIN 1000000.0

int elma_train_sgemm(int32_t ta, int32_t tb, int32_t m, int32_t n, int32_t k, float alpha, const float *a, int32_t lda,
                     const float *b, int32_t ldb, float beta, float *c, int32_t ldc) {
  if (m < 0 || n < 0 || k < 0 || !a || !b || !c) return -1;
  if (m == 0 || n == 0) return 0;
  const int threads = elma_pool_threads();
  if (threads == 1 || (double)m * n * k < PARALLEL_GEMM_MIN || m < 2 * threads) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb,
                beta, c, ldc);
    return 0;
  }
  /* Split C's rows into one block per thread (rounded to 16 for the kernels' register tiles). */
  int32_t chunk = (m + threads - 1) / threads;
  chunk = (chunk + 15) / 16 * 16;
  gemm_job j = {ta, tb, m, n, k, lda, ldb, ldc, chunk, alpha, beta, a, b, c};
  elma_parallel_for((m + chunk - 1) / chunk, gemm_task, &j);
  return 0;
}

static int bad_shape(int32_t batch, int32_t seq, int32_t heads, int32_t d) {
  return batch < 1 || seq < 1 || heads < 1 || d < 1;
}

typedef struct {
  const float *q, *k, *v, *probs, *dctx;
  const int32_t *mask;
  float *out, *probs_out, *dq, *dk, *dv, *scratch;
  int32_t seq, heads, d;
} attn_job;

static void forward_task(void *ctx, int task, int worker) {
  (void)worker;
  const attn_job *j = ctx;
  const int32_t S = j->seq, d = j->d, H = j->heads * d, b = task / j->heads, h = task % j->heads;
  const int32_t *m = j->mask + (int64_t)b * S;
  int any = 0;
  for (int32_t t = 0; t < S; t++) any |= m[t] != 0;
  const int64_t off = (int64_t)b * S * H + (int64_t)h * d;
  float *p = j->probs_out + (int64_t)task * S * S;
  /* scores = s·Q_h K_hᵀ, read in place with leading dimension H (HF: matmul then scale). */
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, S, S, d, 1.0f / sqrtf((float)d), j->q + off, H, j->k + off, H, 0.0f, p, S);
  for (int32_t i = 0; i < S; i++) {
    float *row = p + (int64_t)i * S;
    float mx = -INFINITY;
    for (int32_t t = 0; t < S; t++) if (!any || m[t]) mx = row[t] > mx ? row[t] : mx;
    float z = 0;
#pragma omp simd reduction(+ : z)
    for (int32_t t = 0; t < S; t++) {
      const float e = (!any || m[t]) ? elma_expf(row[t] - mx) : 0.0f;
      row[t] = e;
      z += e;
    }
    const float inv = 1.0f / z;
#pragma omp simd
    for (int32_t t = 0; t < S; t++) row[t] *= inv;
  }
  /* context_h = P V_h, written in place into out with leading dimension H. */
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, S, d, S, 1.0f, p, S, j->v + off, H, 0.0f, j->out + off, H);
}

int elma_train_attention_forward(const float *q, const float *k, const float *v, const int32_t *mask, int32_t batch,
                                 int32_t seq, int32_t heads, int32_t d, float *out, float *probs) {
  if (bad_shape(batch, seq, heads, d) || !q || !k || !v || !mask || !out || !probs) return -1;
  attn_job j = {.q = q, .k = k, .v = v, .mask = mask, .out = out, .probs_out = probs, .seq = seq, .heads = heads, .d = d};
  elma_parallel_for(batch * heads, forward_task, &j);
  return 0;
}

static void backward_task(void *ctx, int task, int worker) {
  const attn_job *j = ctx;
  const int32_t S = j->seq, d = j->d, H = j->heads * d, b = task / j->heads, h = task % j->heads;
  const float scale = 1.0f / sqrtf((float)d);
  float *ds = j->scratch + (int64_t)worker * S * S;
  const int64_t off = (int64_t)b * S * H + (int64_t)h * d;
  const float *p = j->probs + (int64_t)task * S * S;
  /* dV_h = Pᵀ dC_h */
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, S, d, S, 1.0f, p, S, j->dctx + off, H, 0.0f, j->dv + off, H);
  /* dP = dC_h V_hᵀ */
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, S, S, d, 1.0f, j->dctx + off, H, j->v + off, H, 0.0f, ds, S);
  /* dS = s · P ⊙ (dP − rowsum(dP ⊙ P)) (softmax backward, then the score scale) */
  for (int32_t i = 0; i < S; i++) {
    float *r = ds + (int64_t)i * S;
    const float *pr = p + (int64_t)i * S;
    double dot = 0;
    for (int32_t t = 0; t < S; t++) dot += (double)r[t] * pr[t];
    const float fd = (float)dot;
#pragma omp simd
    for (int32_t t = 0; t < S; t++) r[t] = pr[t] * (r[t] - fd) * scale;
  }
  /* dQ_h = dS K_h, dK_h = dSᵀ Q_h */
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, S, d, S, 1.0f, ds, S, j->k + off, H, 0.0f, j->dq + off, H);
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, S, d, S, 1.0f, ds, S, j->q + off, H, 0.0f, j->dk + off, H);
}

int elma_train_attention_backward(const float *q, const float *k, const float *v, const float *probs, const float *dctx,
                                  int32_t batch, int32_t seq, int32_t heads, int32_t d, float *dq, float *dk, float *dv) {
  if (bad_shape(batch, seq, heads, d) || !q || !k || !v || !probs || !dctx || !dq || !dk || !dv) return -1;
  /* One S×S scratch per pool worker (the pool has at most 256). */
  float *ds = malloc(sizeof(float) * (size_t)seq * (size_t)seq * (size_t)elma_pool_threads());
  if (!ds) return -1;
  attn_job j = {.q = q, .k = k, .v = v, .probs = probs, .dctx = dctx, .dq = dq, .dk = dk, .dv = dv, .scratch = ds,
                .seq = seq, .heads = heads, .d = d};
  elma_parallel_for(batch * heads, backward_task, &j);
  free(ds);
  return 0;
}

/* The derivatives of HF's activations (ACT2FN), as kernels/activation.ts activationDerivative. */
int elma_train_activation_backward(int32_t act, const float *x, float *dy, int64_t n) {
  if (n < 0 || (n > 0 && (!x || !dy))) return -1;
  switch (act) {
    case ELMA_ACT_GELU_ERF: {
      const float c = 0.3989422804014327f; /* 1/√(2π) */
#pragma omp simd
      for (int64_t i = 0; i < n; i++) {
        const float v = x[i];
        dy[i] *= 0.5f * (1.0f + elma_erff(v * 0.7071067811865476f)) + v * c * elma_expf(-0.5f * v * v);
      }
      return 0;
    }
    case ELMA_ACT_GELU_TANH: {
      const float c = 0.7978845608028654f; /* √(2/π) */
#pragma omp simd
      for (int64_t i = 0; i < n; i++) {
        const float v = x[i], t = elma_tanhf(c * (v + 0.044715f * v * v * v));
        dy[i] *= 0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * c * (1.0f + 3.0f * 0.044715f * v * v);
      }
      return 0;
    }
    case ELMA_ACT_RELU:
#pragma omp simd
      for (int64_t i = 0; i < n; i++) dy[i] = x[i] > 0.0f ? dy[i] : 0.0f;
      return 0;
    default:
      return -2;
  }
}

int elma_train_bias_grad(const float *dy, int32_t rows, int32_t cols, float *db) {
  if (rows < 0 || cols < 0 || (rows > 0 && cols > 0 && (!dy || !db))) return -1;
  for (int32_t r = 0; r < rows; r++) {
    const float *row = dy + (int64_t)r * cols;
#pragma omp simd
    for (int32_t c = 0; c < cols; c++) db[c] += row[c];
  }
  return 0;
}
