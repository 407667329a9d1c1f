/* The backward-pass kernels of libelma_train (elma_train.h). BLAS does the products; per (row,
 * head) the operands are addressed in place through leading dimensions, so nothing is gathered. */
#include "elma_train.h"
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int elma_train_abi_version(void) { return ELMA_TRAIN_ABI_VERSION; }

int elma_train_sgemm(int32_t ta, int32_t tb, int32_t m, int32_t n, int32_t k, float alpha, const float *a, int32_t lda,
                     const float *b, int32_t ldb, float beta, float *c, int32_t ldc) {
  if (m < 0 || n < 0 || k < 0 || !a || !b || !c) return -1;
  if (m == 0 || n == 0) return 0;
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb,
              beta, c, ldc);
  return 0;
}

static int bad_shape(int32_t batch, int32_t seq, int32_t heads, int32_t d) {
  return batch < 1 || seq < 1 || heads < 1 || d < 1;
}

int elma_train_attention_forward(const float *q, const float *k, const float *v, const int32_t *mask, int32_t batch,
                                 int32_t seq, int32_t heads, int32_t d, float *out, float *probs) {
  if (bad_shape(batch, seq, heads, d) || !q || !k || !v || !mask || !out || !probs) return -1;
  const int32_t H = heads * d, S = seq;
  const float scale = 1.0f / sqrtf((float)d);
  for (int32_t b = 0; b < batch; b++) {
    const int32_t *m = mask + (int64_t)b * S;
    int any = 0;
    for (int32_t j = 0; j < S; j++) any |= m[j] != 0;
    for (int32_t h = 0; h < heads; h++) {
      const int64_t off = (int64_t)b * S * H + (int64_t)h * d;
      float *p = probs + ((int64_t)b * heads + h) * S * S;
      /* scores = s·Q_h K_hᵀ, read in place with leading dimension H (HF: matmul then scale). */
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, S, S, d, scale, q + off, H, k + off, H, 0.0f, p, S);
      for (int32_t i = 0; i < S; i++) {
        float *row = p + (int64_t)i * S;
        float mx = -INFINITY;
        for (int32_t j = 0; j < S; j++) if (!any || m[j]) mx = row[j] > mx ? row[j] : mx;
        double z = 0;
        for (int32_t j = 0; j < S; j++) {
          const float e = (!any || m[j]) ? expf(row[j] - mx) : 0.0f;
          row[j] = e;
          z += e;
        }
        const float inv = (float)(1.0 / z);
        for (int32_t j = 0; j < S; j++) row[j] *= inv;
      }
      /* context_h = P V_h, written in place into out with leading dimension H. */
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, S, d, S, 1.0f, p, S, v + off, H, 0.0f, out + off, H);
    }
  }
  return 0;
}

int elma_train_attention_backward(const float *q, const float *k, const float *v, const float *probs, const float *dctx,
                                  int32_t batch, int32_t seq, int32_t heads, int32_t d, float *dq, float *dk, float *dv) {
  if (bad_shape(batch, seq, heads, d) || !q || !k || !v || !probs || !dctx || !dq || !dk || !dv) return -1;
  const int32_t H = heads * d, S = seq;
  const float scale = 1.0f / sqrtf((float)d);
  float *ds = malloc(sizeof(float) * (size_t)S * (size_t)S);
  if (!ds) return -1;
  for (int32_t b = 0; b < batch; b++) {
    for (int32_t h = 0; h < heads; h++) {
      const int64_t off = (int64_t)b * S * H + (int64_t)h * d;
      const float *p = probs + ((int64_t)b * heads + h) * S * S;
      /* dV_h = Pᵀ dC_h */
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, S, d, S, 1.0f, p, S, dctx + off, H, 0.0f, dv + off, H);
      /* dP = dC_h V_hᵀ */
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, S, S, d, 1.0f, dctx + off, H, v + off, H, 0.0f, ds, S);
      /* dS = s · P ⊙ (dP − rowsum(dP ⊙ P)) (softmax backward, then the score scale) */
      for (int32_t i = 0; i < S; i++) {
        float *r = ds + (int64_t)i * S;
        const float *pr = p + (int64_t)i * S;
        double dot = 0;
        for (int32_t j = 0; j < S; j++) dot += (double)r[j] * pr[j];
        const float fd = (float)dot;
        for (int32_t j = 0; j < S; j++) r[j] = pr[j] * (r[j] - fd) * scale;
      }
      /* dQ_h = dS K_h, dK_h = dSᵀ Q_h */
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, S, d, S, 1.0f, ds, S, k + off, H, 0.0f, dq + off, H);
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, S, d, S, 1.0f, ds, S, q + off, H, 0.0f, dk + off, H);
    }
  }
  free(ds);
  return 0;
}
