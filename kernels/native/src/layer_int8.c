/*
 * One ALBERT layer with int8 matrices (docs/backends.md, "int8"): the same steps as layer.c, with
 * the four attention projections (Q, K, V as one [3H, H] matrix, and the output dense) and the
 * two FFN matrices as int8 GEMMs (_qgemm.h): weights quantized per output channel once, at
 * create; each GEMM's input quantized per row just before it. What stays fp32: the biases, the
 * attention itself (scores, mask, softmax, P·V: attention.c), both LayerNorms with their residual,
 * and the activation (fused into the FFN GEMM's epilogue, on the dequantized values).
 */
#define _POSIX_C_SOURCE 200112L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "_common.h"
#include "_layer_vectors.h"
#include "_layer_int8.h"
#include "_qgemm.h"

struct elma_layer_int8 {
  elma_layer_shape shape;
  int granularity;
  elma_q8_matrix *qkv, *dense, *ffn, *ffn_out;
  elma_layer_vectors v; /* the biases and LayerNorm parameters, fp32 */
};

void elma_layer_int8_free(elma_layer_int8 *l) {
  if (l == NULL) return;
  elma_q8_matrix_free(l->qkv);
  elma_q8_matrix_free(l->dense);
  elma_q8_matrix_free(l->ffn);
  elma_q8_matrix_free(l->ffn_out);
  elma_layer_vectors_free(&l->v);
  free(l);
}

/* Rows of int8 weights for this layer, from the caller's int8 copy (q != NULL; every path takes
   −127..127, checked by elma_layer_int8_check) or quantized from its fp32 matrix, into dst / dst_s
   (rows × k, rows). */
static void weights_for(const elma_q8_path *p, const float *w, const int8_t *q, const float *qs, int rows, int k,
                        int8_t *dst, float *dst_s) {
  if (q != NULL) {
    memcpy(dst, q, (size_t)rows * k);
    memcpy(dst_s, qs, sizeof(float) * (size_t)rows);
  } else {
    elma_q8_quantize_weights(w, rows, k, p->w_max, dst, dst_s);
  }
}

int elma_layer_int8_check(const elma_layer_int8_matrices *q, const elma_layer_shape *s, const char *fn) {
  const int8_t *const m[] = {q->query_w, q->key_w, q->value_w, q->dense_w, q->ffn_w, q->ffn_out_w};
  const float *const sc[] = {q->query_scale, q->key_scale, q->value_scale, q->dense_scale, q->ffn_scale, q->ffn_out_scale};
  const char *const names[] = {"query", "key", "value", "dense", "ffn", "ffn_output"};
  const int64_t H = s->hidden, I = s->intermediate;
  const int64_t sizes[] = {H * H, H * H, H * H, H * H, I * H, H * I};
  const int64_t outs[] = {H, H, H, H, I, H};
  for (int i = 0; i < 6; i++) {
    if (m[i] == NULL || sc[i] == NULL) return elma_fail(ELMA_EINVAL, fn, "int8 %s weights or scales are null", names[i]);
    for (int64_t j = 0; j < sizes[i]; j++)
      if (m[i][j] == -128) return elma_fail(ELMA_EINVAL, fn, "int8 %s weight %lld is −128 (symmetric int8 is −127..127)", names[i], (long long)j);
    for (int64_t j = 0; j < outs[i]; j++)
      if (!(sc[i][j] >= 0) || isinf(sc[i][j])) return elma_fail(ELMA_EINVAL, fn, "int8 %s scale %lld is %g (must be finite and ≥ 0)", names[i], (long long)j, (double)sc[i][j]);
  }
  return ELMA_OK;
}

elma_layer_int8 *elma_layer_int8_create(const elma_layer_weights *w, const elma_layer_int8_matrices *q,
                                        const elma_layer_shape *s, const elma_q8_path *path, int granularity) {
  const int H = s->hidden, I = s->intermediate;
  elma_layer_int8 *l = calloc(1, sizeof *l);
  const size_t big = (size_t)3 * H * H > (size_t)I * H ? (size_t)3 * H * H : (size_t)I * H;
  int8_t *tmp = malloc(big);
  float *tmp_s = malloc(sizeof(float) * (size_t)(3 * H > I ? 3 * H : I));
  if (l == NULL || tmp == NULL || tmp_s == NULL || elma_layer_vectors_copy(&l->v, w, H, I) != ELMA_OK) goto oom;
  l->shape = *s;
  l->shape.batch = 0;
  l->shape.seq = 0;
  l->granularity = granularity;
  const size_t HH = (size_t)H * H;
  /* Q, K, V as one [3H, H] matrix: one GEMM with N = 3H, attention reads thirds of each row. */
  weights_for(path, w->query_w, q ? q->query_w : NULL, q ? q->query_scale : NULL, H, H, tmp, tmp_s);
  weights_for(path, w->key_w, q ? q->key_w : NULL, q ? q->key_scale : NULL, H, H, tmp + HH, tmp_s + H);
  weights_for(path, w->value_w, q ? q->value_w : NULL, q ? q->value_scale : NULL, H, H, tmp + 2 * HH, tmp_s + 2 * H);
  if ((l->qkv = elma_q8_matrix_pack(path, tmp, tmp_s, 3 * H, H)) == NULL) goto oom;
  weights_for(path, w->dense_w, q ? q->dense_w : NULL, q ? q->dense_scale : NULL, H, H, tmp, tmp_s);
  if ((l->dense = elma_q8_matrix_pack(path, tmp, tmp_s, H, H)) == NULL) goto oom;
  weights_for(path, w->ffn_w, q ? q->ffn_w : NULL, q ? q->ffn_scale : NULL, I, H, tmp, tmp_s);
  if ((l->ffn = elma_q8_matrix_pack(path, tmp, tmp_s, I, H)) == NULL) goto oom;
  weights_for(path, w->ffn_out_w, q ? q->ffn_out_w : NULL, q ? q->ffn_out_scale : NULL, H, I, tmp, tmp_s);
  if ((l->ffn_out = elma_q8_matrix_pack(path, tmp, tmp_s, H, I)) == NULL) goto oom;
  free(tmp);
  free(tmp_s);
  return l;
oom:
  free(tmp);
  free(tmp_s);
  elma_layer_int8_free(l);
  elma_fail(ELMA_ENOMEM, "elma_layer_create_int8", "no memory for the int8 weights of hidden %d, intermediate %d", H, I);
  return NULL;
}

const char *elma_layer_int8_path(const elma_layer_int8 *l) { return l->qkv->path->name; }

int elma_layer_int8_forward(const elma_layer_int8 *l, float *x, const int32_t *key_mask, int batch, int seq,
                            int slices_per_thread) {
  const elma_layer_shape *s = &l->shape;
  const elma_q8_path *p = l->qkv->path;
  const int rows = batch * seq, H = s->hidden, I = s->intermediate;
  const size_t rh = (size_t)rows * H;
  float *ws = elma_scratch(ELMA_SCRATCH_LAYER, 4 * rh + (size_t)rows * I);
  /* Quantized activations (rows × kp bytes, kp the longest input's padded length) and their
     per-row scale and zero point, in the int8 scratch slot. */
  const int kp = l->ffn_out->kp > l->qkv->kp ? l->ffn_out->kp : l->qkv->kp;
  float *qs = elma_scratch(ELMA_SCRATCH_INT8, 2 * (size_t)rows + ((size_t)rows * kp + 3) / 4);
  if (ws == NULL || qs == NULL) return elma_fail(ELMA_ENOMEM, "elma_layer_run", "no memory for %d rows of intermediates", rows);
  float *sx = qs;
  int32_t *zp = (int32_t *)(qs + rows);
  uint8_t *qa = (uint8_t *)(qs + 2 * (size_t)rows);
  float *qkv = ws, *ctx = qkv + 3 * rh, *f = ctx + rh;

  elma_q8_quantize_rows(p, l->granularity, x, rows, H, H, qa, l->qkv->kp, sx, zp);
  elma_q8_linear(l->qkv, qa, rows, sx, zp, l->v.qkv_b, ELMA_ACT_LINEAR, qkv, 3 * H, slices_per_thread);
  int rc = elma_attention_strided(qkv, qkv + H, qkv + 2 * H, 3 * H, key_mask, batch, seq, s->heads, H / s->heads, ctx, H);
  if (rc != ELMA_OK) return rc;
  float *proj = qkv, *a = qkv + rh, *out = qkv + 2 * rh; /* qkv is dead after attention */
  elma_q8_quantize_rows(p, l->granularity, ctx, rows, H, H, qa, l->dense->kp, sx, zp);
  elma_q8_linear(l->dense, qa, rows, sx, zp, l->v.dense_b, ELMA_ACT_LINEAR, proj, H, slices_per_thread);
  elma_layer_norm_unchecked(proj, x, rows, H, l->v.attn_ln_g, l->v.attn_ln_b, s->layer_norm_eps, a);
  elma_q8_quantize_rows(p, l->granularity, a, rows, H, H, qa, l->ffn->kp, sx, zp);
  elma_q8_linear(l->ffn, qa, rows, sx, zp, l->v.ffn_b, s->activation, f, I, slices_per_thread);
  elma_q8_quantize_rows(p, l->granularity, f, rows, I, I, qa, l->ffn_out->kp, sx, zp);
  elma_q8_linear(l->ffn_out, qa, rows, sx, zp, l->v.ffn_out_b, ELMA_ACT_LINEAR, out, H, slices_per_thread);
  elma_layer_norm_unchecked(out, a, rows, H, l->v.out_ln_g, l->v.out_ln_b, s->layer_norm_eps, x);
  return ELMA_OK;
}
