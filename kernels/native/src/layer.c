/*
 * One ALBERT layer (HF AlbertLayer), in place on x [batch, seq, hidden]:
 *   qkv     = x [Wq; Wk; Wv]ᵀ + [bq; bk; bv]  one GEMM with N = 3H on a packed weight (layer
 *                                             handle), else three GEMMs in one parallel pass
 *   ctx     = attention(q, k, v, mask)        fused scores + softmax + P·V (attention.c), reading
 *                                             q, k, v as thirds of each qkv row (no gather)
 *   a       = LayerNorm(x + ctx Wdᵀ + bd)     residual fused into the LayerNorm
 *   f       = act(a W1ᵀ + b1)                 bias and activation fused into the GEMM epilogue
 *   x       = LayerNorm(a + f W2ᵀ + b2)
 * Intermediates live in the process-wide scratch (no page faults per call).
 */
#include "_blas.h"
#include "_common.h"
#include "_layer.h"
#include "_pool.h"

typedef struct {
  const float *x;
  const float *w[3], *b[3];
  float *y;
  int rows, hidden, n_blk, n_tiles;
} qkv_job;

/* The Q, K and V projections from three separate weights as one job: 3 × n_tiles tasks, so a
   2-thread pool stays balanced without a barrier between the three GEMMs. Output rows [q | k | v]. */
static void qkv_task(void *ctx, int t, int worker) {
  (void)worker;
  qkv_job *j = ctx;
  int which = t / j->n_tiles, n0 = (t % j->n_tiles) * j->n_blk, H = j->hidden;
  int n = H - n0 < j->n_blk ? H - n0 : j->n_blk;
  float *y = j->y + which * H + n0;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, j->rows, n, H, 1.0f, j->x, H, j->w[which] + (int64_t)n0 * H, H,
              0.0f, y, 3 * H);
  for (int r = 0; r < j->rows; r++) elma_bias_act(y + (int64_t)r * 3 * H, j->b[which] + n0, n, ELMA_ACT_LINEAR);
}

int elma_layer_check_weights(const elma_layer_weights *w, const char *fn) {
  const float *const all[] = {w->query_w, w->query_b, w->key_w, w->key_b, w->value_w, w->value_b, w->dense_w,
                              w->dense_b, w->attn_ln_g, w->attn_ln_b, w->ffn_w, w->ffn_b, w->ffn_out_w,
                              w->ffn_out_b, w->out_ln_g, w->out_ln_b};
  for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
    if (all[i] == NULL) return elma_fail(ELMA_EINVAL, fn, "weight %u of elma_layer_weights is null", i);
  return ELMA_OK;
}

int elma_layer_check_shape(const elma_layer_shape *s, const char *fn, int check_batch_seq) {
  if ((check_batch_seq && (s->batch < 0 || s->seq <= 0)) || s->hidden <= 0 || s->heads <= 0 || s->intermediate <= 0 ||
      s->hidden % s->heads != 0) {
    return elma_fail(ELMA_EINVAL, fn, "bad shape batch %d seq %d hidden %d heads %d intermediate %d", s->batch, s->seq,
                     s->hidden, s->heads, s->intermediate);
  }
  if (s->activation < 0 || s->activation >= ELMA_ACT_COUNT) return elma_fail(ELMA_EUNSUPPORTED, fn, "unknown activation %d", s->activation);
  if (!(s->layer_norm_eps >= 0)) return elma_fail(ELMA_EINVAL, fn, "layer_norm_eps %g is not ≥ 0", (double)s->layer_norm_eps);
  return ELMA_OK;
}

int elma_layer_forward(float *x, const int32_t *key_mask, int batch, int seq, const elma_layer_weights *w,
                       const elma_layer_shape *s, int qkv_layout, int slices_per_thread) {
  elma_blas_init();
  const int rows = batch * seq, H = s->hidden, inter = s->intermediate;
  const size_t rh = (size_t)rows * H;
  float *ws = elma_scratch(ELMA_SCRATCH_LAYER, 4 * rh + (size_t)rows * inter);
  if (ws == NULL) return elma_fail(ELMA_ENOMEM, "elma_layer", "no memory for %d rows of intermediates", rows);
  float *qkv = ws, *ctx = qkv + 3 * rh, *f = ctx + rh;

  if (qkv_layout == ELMA_QKV_PACKED) {
    elma_linear_into(x, rows, H, w->query_w, w->query_b, 3 * H, ELMA_ACT_LINEAR, qkv, 3 * H, slices_per_thread);
  } else {
    qkv_job j = {x, {w->query_w, w->key_w, w->value_w}, {w->query_b, w->key_b, w->value_b}, qkv, rows, H, H, 1};
    if (elma_pool_threads() > 1 && H >= 128) {
      j.n_blk = (H / 2 + 63) / 64 * 64;
      j.n_tiles = (H + j.n_blk - 1) / j.n_blk;
    }
    elma_parallel_for(3 * j.n_tiles, qkv_task, &j);
  }

  int rc = elma_attention_strided(qkv, qkv + H, qkv + 2 * H, 3 * H, key_mask, batch, seq, s->heads, H / s->heads, ctx, H);
  if (rc != ELMA_OK) return rc;
  float *proj = qkv, *a = qkv + rh, *out = qkv + 2 * rh; /* qkv is dead after attention */
  elma_linear_into(ctx, rows, H, w->dense_w, w->dense_b, H, ELMA_ACT_LINEAR, proj, H, slices_per_thread);
  elma_layer_norm_unchecked(proj, x, rows, H, w->attn_ln_g, w->attn_ln_b, s->layer_norm_eps, a);
  elma_linear_into(a, rows, H, w->ffn_w, w->ffn_b, inter, s->activation, f, inter, slices_per_thread);
  elma_linear_into(f, rows, inter, w->ffn_out_w, w->ffn_out_b, H, ELMA_ACT_LINEAR, out, H, slices_per_thread);
  elma_layer_norm_unchecked(out, a, rows, H, w->out_ln_g, w->out_ln_b, s->layer_norm_eps, x);
  return ELMA_OK;
}

int elma_layer(float *x, const int32_t *key_mask, const elma_layer_weights *w, const elma_layer_shape *s) {
  if (x == NULL || key_mask == NULL || w == NULL || s == NULL) return elma_fail(ELMA_EINVAL, "elma_layer", "null argument");
  int rc = elma_layer_check_shape(s, "elma_layer", 1);
  if (rc != ELMA_OK) return rc;
  if (elma_layer_check_weights(w, "elma_layer") != ELMA_OK) return ELMA_EINVAL;
  if (s->batch == 0) return ELMA_OK;
  return elma_layer_forward(x, key_mask, s->batch, s->seq, w, s, ELMA_QKV_SEPARATE, 2);
}
