/*
 * Masked multi-head attention (HF AlbertAttention). One task per (batch row, head, block of query
 * rows): scores = Q_blk Kᵀ/√d (sgemm), masked keys set to -inf, softmax, then P·V (sgemm). The
 * [rows × keys] score tile stays in the worker's cache between the two products (≤ 1 MiB, L2),
 * and Q, K, V of one head are read in place with their row stride (heads·d, or 3·heads·d when they
 * are the thirds of one packed QKV product, layer_handle.c): nothing is gathered.
 *
 * Why this shape (measured, BENCHMARKS.md 2026-11-28): the softmax was four passes over the tile
 * (mask, max, exp+sum, scale), half of attention's time at seq 384. Now it is two: the mask is
 * applied inside the max pass (skipped when the row has no padding), and the 1/Σ scale is applied
 * to the d-wide output rows after P·V instead of the keys-wide probabilities (384/64 = 6× fewer
 * multiplies), as FlashAttention does (Dao et al. 2022, §3.1: rescale the output, not P).
 * Keys after the last unmasked one (padding at the end, the usual case) are skipped altogether:
 * their weights are exactly 0 either way (see below), so the result is the same and a padded
 * batch costs what its real length costs.
 *
 * Masking: HF adds finfo(float32).min to masked scores. When a row has one unmasked key that
 * weight underflows to exactly 0 (same as -inf here); when every key is masked, every score
 * rounds to finfo.min and the weights are uniform: reproduced by uniform weights over all keys.
 */
#include <math.h>

#include "_blas.h"
#include "_common.h"
#include "_pool.h"
#include "_vmath.h"

/* Score tile budget per task (floats): 256 Ki floats = 1 MiB, inside the 2 MiB L2 of this Xeon
   and of the Jetson's clusters; the query rows are cut into as many equal blocks as that needs.
   Not smaller: each block re-packs K and V in sgemm, and 128-row blocks at seq 384 measured
   ~8% slower than one block per head (2026-11-28). */
#define TILE_FLOATS 262144

typedef struct {
  const float *q, *k, *v;
  const int32_t *mask;
  float *out, *scratch;
  int batch, seq, heads, d;
  int ld, ldo;        /* row strides of q/k/v (heads·d, or 3·heads·d in a packed QKV buffer) and of out */
  int row_blk, n_blk; /* query rows per task, blocks per (batch, head) */
} attn_job;

/* exp(x - max) in place and its sum; the row maximum was found (and the mask applied) by the caller. */
static float exp_sum(float *row, int n, float max) {
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int c = 0; c < n; c++) {
    float e = elma_expf(row[c] - max);
    row[c] = e;
    sum += e;
  }
  return sum;
}

static void attn_task(void *ctx, int t, int worker) {
  attn_job *j = ctx;
  const int S = j->seq, d = j->d, ld = j->ld, ldo = j->ldo;
  const int blk = t % j->n_blk, h = (t / j->n_blk) % j->heads, b = t / (j->n_blk * j->heads);
  const int i0 = blk * j->row_blk, rows = S - i0 < j->row_blk ? S - i0 : j->row_blk;
  const int64_t base = (int64_t)b * S * ld + (int64_t)h * d;
  const float *qb = j->q + base + (int64_t)i0 * ld, *kb = j->k + base, *vb = j->v + base;
  float *ob = j->out + (int64_t)b * S * ldo + (int64_t)h * d + (int64_t)i0 * ldo;
  const int32_t *m = j->mask + (int64_t)b * S;
  float *sc = j->scratch + (int64_t)worker * ((int64_t)j->row_blk * S + j->row_blk), *inv = sc + (int64_t)j->row_blk * S;

  /* kn: keys up to the last unmasked one; padded: some key before it is masked too. */
  int kn = 0, padded = 0;
  for (int c = 0; c < S; c++) if (m[c] != 0) kn = c + 1;
  for (int c = 0; c < kn; c++) padded |= m[c] == 0;

  if (kn == 0) { /* every key masked: HF's weights are uniform over all S keys */
    for (int64_t i = 0; i < (int64_t)rows * S; i++) sc[i] = 1.0f / S;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, d, S, 1.0f, sc, S, vb, ld, 0.0f, ob, ldo);
    return;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, kn, d, 1.0f / sqrtf((float)d), qb, ld, kb, ld, 0.0f, sc,
              kn);
  for (int i = 0; i < rows; i++) {
    float *row = sc + (int64_t)i * kn, max = -INFINITY;
    if (padded) {
#pragma omp simd reduction(max : max)
      for (int c = 0; c < kn; c++) {
        float s = m[c] != 0 ? row[c] : -INFINITY;
        row[c] = s;
        max = s > max ? s : max;
      }
    } else {
#pragma omp simd reduction(max : max)
      for (int c = 0; c < kn; c++) max = row[c] > max ? row[c] : max;
    }
    inv[i] = 1.0f / exp_sum(row, kn, max); /* the last unmasked key makes the sum ≥ 1 */
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, d, kn, 1.0f, sc, kn, vb, ld, 0.0f, ob, ldo);
  for (int i = 0; i < rows; i++) {
    float *o = ob + (int64_t)i * ldo, s = inv[i];
#pragma omp simd
    for (int c = 0; c < d; c++) o[c] *= s;
  }
}

int elma_attention_strided(const float *q, const float *k, const float *v, int ld, const int32_t *mask, int batch,
                           int seq, int heads, int head_dim, float *out, int ldo) {
  elma_blas_init();
  int64_t tile = (int64_t)seq * seq;
  int n_blk = (int)((tile + TILE_FLOATS - 1) / TILE_FLOATS);
  int row_blk = (seq + n_blk - 1) / n_blk;
  if (n_blk > 1) row_blk = (row_blk + 15) / 16 * 16; /* whole 16-row panels for the sgemm kernels */
  n_blk = (seq + row_blk - 1) / row_blk;
  float *scratch = elma_scratch(ELMA_SCRATCH_ATTENTION, (size_t)elma_pool_threads() * ((size_t)row_blk * seq + row_blk));
  if (scratch == NULL) return elma_fail(ELMA_ENOMEM, "elma_attention", "no memory for %d×%d scores", row_blk, seq);
  attn_job j = {q, k, v, mask, out, scratch, batch, seq, heads, head_dim, ld, ldo, row_blk, n_blk};
  elma_parallel_for(batch * heads * n_blk, attn_task, &j);
  return ELMA_OK;
}

int elma_attention_unchecked(const float *q, const float *k, const float *v, const int32_t *mask, int batch, int seq,
                             int heads, int head_dim, float *out) {
  return elma_attention_strided(q, k, v, heads * head_dim, mask, batch, seq, heads, head_dim, out, heads * head_dim);
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
