/*
 * Masked multi-head attention (HF AlbertAttention): per (row, head), scores = Q Kᵀ/√d with
 * masked keys set to -inf, softmax, then P·V, all in one task whose [seq × seq] score tile stays
 * in the worker's cache (the fusion that pays: the scores never go back to memory between the
 * two products). Q, K, V of one head are read in place with a leading dimension of heads·d,
 * so nothing is gathered.
 *
 * Masking: HF adds finfo(float32).min to masked scores. When a row has one unmasked key that
 * weight underflows to exactly 0 (same as -inf here); when every key is masked, every score
 * rounds to finfo.min and the weights are uniform: reproduced by zeroing the scores.
 */
#include <math.h>

#include "_blas.h"
#include "_common.h"
#include "_pool.h"

typedef struct {
  const float *q, *k, *v;
  const int32_t *mask;
  float *out, *scratch;
  int batch, seq, heads, d;
} attn_job;

static void attn_task(void *ctx, int t, int worker) {
  attn_job *j = ctx;
  int b = t / j->heads, h = t % j->heads, S = j->seq, ld = j->heads * j->d;
  int64_t off = (int64_t)b * S * ld + (int64_t)h * j->d;
  float *sc = j->scratch + (int64_t)worker * S * S;
  const int32_t *m = j->mask + (int64_t)b * S;
  int any = 0;
  for (int c = 0; c < S; c++) any |= m[c] != 0;
  if (any) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, S, S, j->d, 1.0f / sqrtf((float)j->d), j->q + off, ld,
                j->k + off, ld, 0.0f, sc, S);
    for (int i = 0; i < S; i++) {
      float *row = sc + (int64_t)i * S;
      for (int c = 0; c < S; c++)
        if (m[c] == 0) row[c] = -INFINITY;
      elma_softmax_row(row, S);
    }
  } else {
    for (int64_t i = 0; i < (int64_t)S * S; i++) sc[i] = 1.0f / S;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, S, j->d, S, 1.0f, sc, S, j->v + off, ld, 0.0f,
              j->out + off, ld);
}

int elma_attention_unchecked(const float *q, const float *k, const float *v, const int32_t *mask, int batch, int seq,
                             int heads, int head_dim, float *out) {
  elma_blas_init();
  float *scratch = elma_scratch(ELMA_SCRATCH_ATTENTION, (size_t)elma_pool_threads() * seq * seq);
  if (scratch == NULL) return elma_fail(ELMA_ENOMEM, "elma_attention", "no memory for %d×%d scores", seq, seq);
  attn_job j = {q, k, v, mask, out, scratch, batch, seq, heads, head_dim};
  elma_parallel_for(batch * heads, attn_task, &j);
  return ELMA_OK;
}

int elma_attention(const float *q, const float *k, const float *v, const int32_t *key_mask, int32_t batch,
                   int32_t seq, int32_t heads, int32_t head_dim, float *out) {
  if (q == NULL || k == NULL || v == NULL || key_mask == NULL || out == NULL) return elma_fail(ELMA_EINVAL, "elma_attention", "null buffer");
  if (batch < 0 || seq <= 0 || heads <= 0 || head_dim <= 0) {
    return elma_fail(ELMA_EINVAL, "elma_attention", "bad shape [%d×%d×%d×%d]", batch, seq, heads, head_dim);
  }
  if ((int64_t)seq * seq > ((int64_t)1 << 28)) return elma_fail(ELMA_EUNSUPPORTED, "elma_attention", "sequence %d is too long", seq);
  if (batch == 0) return ELMA_OK;
  return elma_attention_unchecked(q, k, v, key_mask, batch, seq, heads, head_dim, out);
}
