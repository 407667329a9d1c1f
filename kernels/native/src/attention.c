/*
 * Masked multi-head attention (HF AlbertAttention), blocked per head so that everything a block
 * touches stays in cache. One task per (batch row, head, chunk of query rows):
 *
 *   1. pack this head's K as Kᵀ panels of 16 keys ([keys/16][d][16]) and its V as panels of 16
 *      columns ([d/16][keys][16]): S·d floats each (96 KiB at seq 384, d 64), in L2, read once
 *      from the strided QKV rows, zero-padded, so the kernels below load whole aligned vectors;
 *   2. for each block of 6 query rows: scores = Q_blk Kᵀ/√d by a 6 × 16 register tile (12
 *      accumulators, each Kᵀ vector feeds 6 rows, each Q value 16 keys) into a 6 × keys row
 *      buffer (9 KiB at 384: L1), masked keys −inf; softmax of the 6 rows in L1 (max, then one
 *      exp+sum pass); out = P·V by the same tile over the keys, scaled by 1/Σ on the way out
 *      (FlashAttention's rescaling of the output, Dao et al. 2022 §3.1).
 *
 * Why (issue 19, measured on this AVX2 Zen 3, one thread, seq 384, 12 heads of 64): the previous
 * version ran two OpenBLAS sgemms per head around a 384 × 384 score tile (576 KiB, more than this
 * core's 512 KiB L2, so the softmax and P·V read it back from L3): 7.0 ms, QKᵀ and P·V at 75% of
 * the FMA peak (k = 64 is short for sgemm's packed panels) and the softmax at 2.2 cycles an
 * element. Here each K and V element is packed once per head and every score lives in L1.
 *
 * The kernels are plain C on GCC/Clang vector extensions (8 floats; two NEON registers each on
 * arm64), so every architecture builds them; -ffp-contract=fast makes the multiply-adds FMAs.
 * Keys after the last unmasked one (padding at the end, the usual case) are skipped altogether:
 * their weights are exactly 0 either way (see below), so a padded batch costs what its real
 * length costs.
 *
 * Masking: HF adds finfo(float32).min to masked scores. When a row has one unmasked key that
 * weight underflows to exactly 0 (same as -inf here); when every key is masked, every score
 * rounds to finfo.min and the weights are uniform: reproduced by uniform weights over all keys.
 */
#include <math.h>
#include <string.h>

#include "_common.h"
#include "_pool.h"
#include "_vmath.h"

typedef float v8f __attribute__((vector_size(32)));
/* An 8-float vector at any 4-byte-aligned address (the rows of q and out). */
typedef float v8f_u __attribute__((vector_size(32), aligned(4)));

enum { MR = 6, NR = 16 };

typedef struct {
  const float *q, *k, *v;
  const int32_t *mask;
  float *out, *scratch;
  int batch, seq, heads, d;
  int ld, ldo;      /* row strides of q/k/v (heads·d, or 3·heads·d in a packed QKV buffer) and of out */
  int chunk, n_chunk; /* query rows per task, chunks per (batch, head) */
  int64_t per_worker; /* scratch floats per worker */
} attn_job;

/* exp(x - max) in place and its sum; the row maximum was found (and the mask applied) by the caller. */
static float exp_sum(float *row, int n, float max) {
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int c = 0; c < n; c++) {
    float e = elma_expf_nonpos(row[c] - max); /* ≤ 0, or −inf for a masked key */
    row[c] = e;
    sum += e;
  }
  return sum;
}

/* Kᵀ panels: kt[p·d·16 + c·16 + j] = K[16p + j][c] for keys < kn, 0 beyond. */
static void pack_kt(const float *k, int ld, int kn, int d, float *kt) {
  const int np = (kn + NR - 1) / NR;
  for (int p = 0; p < np; p++) {
    float *dst = kt + (int64_t)p * d * NR;
    const int keys = kn - p * NR < NR ? kn - p * NR : NR;
    for (int j = 0; j < keys; j++) {
      const float *row = k + (int64_t)(p * NR + j) * ld;
      for (int c = 0; c < d; c++) dst[c * NR + j] = row[c];
    }
    for (int j = keys; j < NR; j++)
      for (int c = 0; c < d; c++) dst[c * NR + j] = 0;
  }
}

/* V panels: vp[cq·kn·16 + j·16 + i] = V[j][16cq + i] for columns < d, 0 beyond. */
static void pack_v(const float *v, int ld, int kn, int d, float *vp) {
  const int nq = (d + NR - 1) / NR;
  for (int j = 0; j < kn; j++) {
    const float *row = v + (int64_t)j * ld;
    for (int cq = 0; cq < nq; cq++) {
      float *dst = vp + ((int64_t)cq * kn + j) * NR;
      const int cols = d - cq * NR < NR ? d - cq * NR : NR;
      memcpy(dst, row + cq * NR, sizeof(float) * (size_t)cols);
      for (int i = cols; i < NR; i++) dst[i] = 0;
    }
  }
}

/* sc[i·ldsc + 16p + j] = scale · Σ_c q_i[c] · Kᵀ[p][c][j] for the MR rows qr[i] and every panel. */
static void scores_tile(const float *const qr[MR], const float *kt, int np, int d, float scale, float *sc, int ldsc) {
  for (int p = 0; p < np; p++) {
    const float *kp = kt + (int64_t)p * d * NR;
    v8f acc[MR][2];
#pragma GCC unroll 6
    for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = (v8f){0};
    for (int c = 0; c < d; c++) {
      const v8f k0 = *(const v8f *)(kp + c * NR), k1 = *(const v8f *)(kp + c * NR + 8);
#pragma GCC unroll 6
      for (int i = 0; i < MR; i++) {
        const float qv = qr[i][c];
        acc[i][0] += qv * k0;
        acc[i][1] += qv * k1;
      }
    }
#pragma GCC unroll 6
    for (int i = 0; i < MR; i++) {
      *(v8f *)(sc + (int64_t)i * ldsc + p * NR) = acc[i][0] * scale;
      *(v8f *)(sc + (int64_t)i * ldsc + p * NR + 8) = acc[i][1] * scale;
    }
  }
}

/* out_i[16cq + c] = inv[i] · Σ_j P[i][j] · V[j][16cq + c] for the first `rows` of the MR rows. */
static void pv_tile(const float *sc, int ldsc, const float *vp, int kn, int d, const float *inv, float *const orow[MR],
                    int rows) {
  const int nq = (d + NR - 1) / NR;
  for (int cq = 0; cq < nq; cq++) {
    const float *vq = vp + (int64_t)cq * kn * NR;
    v8f acc[MR][2];
#pragma GCC unroll 6
    for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = (v8f){0};
    for (int j = 0; j < kn; j++) {
      const v8f v0 = *(const v8f *)(vq + (int64_t)j * NR), v1 = *(const v8f *)(vq + (int64_t)j * NR + 8);
#pragma GCC unroll 6
      for (int i = 0; i < MR; i++) {
        const float pv = sc[(int64_t)i * ldsc + j];
        acc[i][0] += pv * v0;
        acc[i][1] += pv * v1;
      }
    }
    const int cols = d - cq * NR < NR ? d - cq * NR : NR;
    for (int i = 0; i < rows; i++) {
      const v8f a0 = acc[i][0] * inv[i], a1 = acc[i][1] * inv[i];
      float *o = orow[i] + cq * NR;
      if (cols == NR) {
        *(v8f_u *)o = a0;
        *(v8f_u *)(o + 8) = a1;
      } else {
        float t[NR] __attribute__((aligned(32)));
        *(v8f *)t = a0;
        *(v8f *)(t + 8) = a1;
        memcpy(o, t, sizeof(float) * (size_t)cols);
      }
    }
  }
}

static void attn_task(void *ctx, int t, int worker) {
  attn_job *j = ctx;
  const int S = j->seq, d = j->d, ld = j->ld, ldo = j->ldo;
  const int ch = t % j->n_chunk, h = (t / j->n_chunk) % j->heads, b = t / (j->n_chunk * j->heads);
  const int i0 = ch * j->chunk, i1 = i0 + j->chunk < S ? i0 + j->chunk : S;
  const int64_t base = (int64_t)b * S * ld + (int64_t)h * d;
  const float *qb = j->q + base, *kb = j->k + base, *vb = j->v + base;
  float *ob = j->out + (int64_t)b * S * ldo + (int64_t)h * d;
  const int32_t *m = j->mask + (int64_t)b * S;

  /* kn: keys up to the last unmasked one; padded: some key before it is masked too. */
  int kn = 0, padded = 0;
  for (int c = 0; c < S; c++) if (m[c] != 0) kn = c + 1;
  for (int c = 0; c < kn; c++) padded |= m[c] == 0;

  if (kn == 0) { /* every key masked: HF's weights are uniform over all S keys */
    for (int i = i0; i < i1; i++) {
      float *o = ob + (int64_t)i * ldo;
      for (int c = 0; c < d; c++) {
        double sum = 0;
        for (int r = 0; r < S; r++) sum += vb[(int64_t)r * ld + c];
        o[c] = (float)(sum / S);
      }
    }
    return;
  }
  const int np = (kn + NR - 1) / NR, ldsc = np * NR;
  float *kt = j->scratch + (int64_t)worker * j->per_worker;
  float *vp = kt + (int64_t)np * NR * d;
  float *sc = vp + (int64_t)((d + NR - 1) / NR) * NR * kn;
  float inv[MR];
  pack_kt(kb, ld, kn, d, kt);
  pack_v(vb, ld, kn, d, vp);
  const float scale = 1.0f / sqrtf((float)d);
  for (int r0 = i0; r0 < i1; r0 += MR) {
    const int rows = i1 - r0 < MR ? i1 - r0 : MR;
    const float *qr[MR];
    float *orow[MR];
    /* Rows past the end repeat the last row (never read outside q) and are not stored. */
    for (int i = 0; i < MR; i++) {
      const int r = r0 + (i < rows ? i : rows - 1);
      qr[i] = qb + (int64_t)r * ld;
      orow[i] = ob + (int64_t)r * ldo;
    }
    scores_tile(qr, kt, np, d, scale, sc, ldsc);
    for (int i = 0; i < rows; i++) {
      float *row = sc + (int64_t)i * ldsc, max = -INFINITY;
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
    for (int i = rows; i < MR; i++) inv[i] = 0; /* rows not stored: their scores are not used */
    pv_tile(sc, ldsc, vp, kn, d, inv, orow, rows);
  }
}

int elma_attention_strided(const float *q, const float *k, const float *v, int ld, const int32_t *mask, int batch,
                           int seq, int heads, int head_dim, float *out, int ldo) {
  /* Chunks of query rows only where there are too few heads to keep the threads busy: each chunk
     packs its head's K and V again. */
  const int threads = elma_pool_threads(), units = batch * heads;
  int n_chunk = 1;
  if (units < 2 * threads) {
    n_chunk = (2 * threads + units - 1) / units;
    const int most = (seq + 63) / 64; /* chunks of at least 64 rows */
    if (n_chunk > most) n_chunk = most;
    if (n_chunk < 1) n_chunk = 1;
  }
  int chunk = (seq + n_chunk - 1) / n_chunk;
  chunk = (chunk + MR - 1) / MR * MR;
  n_chunk = (seq + chunk - 1) / chunk;
  const int64_t kp = (int64_t)(seq + NR - 1) / NR * NR, dp = (int64_t)(head_dim + NR - 1) / NR * NR;
  /* Kᵀ panels + V panels + MR score rows, 32-byte multiples so each worker's part stays aligned. */
  const int64_t per_worker = (kp * head_dim + dp * seq + (int64_t)MR * kp + 7) / 8 * 8;
  float *scratch = elma_scratch(ELMA_SCRATCH_ATTENTION, (size_t)threads * (size_t)per_worker);
  if (scratch == NULL) return elma_fail(ELMA_ENOMEM, "elma_attention", "no memory for the packed keys of %d × %d", seq, head_dim);
  attn_job j = {q, k, v, mask, out, scratch, batch, seq, heads, head_dim, ld, ldo, chunk, n_chunk, per_worker};
  elma_parallel_for(batch * heads * n_chunk, attn_task, &j);
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
