/*
 * One ALBERT layer with bf16 matrices (docs/backends.md, "bf16"): the same steps as layer.c and
 * layer_int8.c, with the attention projections (Q, K, V as one [3H, H] matrix, and the output
 * dense) and the two FFN matrices as bf16 GEMMs (_bgemm.h): weights rounded to bf16 once, at
 * create; each GEMM's input rounded just before it; sums in fp32. What stays fp32: the biases,
 * the attention itself (attention.c), both LayerNorms with their residual, and the activation
 * (in the GEMM's epilogue).
 */
#define _POSIX_C_SOURCE 200112L
#include <stdlib.h>
#include <string.h>

#include "_common.h"
#include "_layer_vectors.h"
#include "_layer_bf16.h"

struct elma_layer_bf16 {
  elma_layer_shape shape;
  elma_b16_matrix *qkv, *dense, *ffn, *ffn_out;
  elma_layer_vectors v; /* the biases and LayerNorm parameters, fp32 */
};

void elma_layer_bf16_free(elma_layer_bf16 *l) {
  if (l == NULL) return;
  elma_b16_matrix_free(l->qkv);
  elma_b16_matrix_free(l->dense);
  elma_b16_matrix_free(l->ffn);
  elma_b16_matrix_free(l->ffn_out);
  elma_layer_vectors_free(&l->v);
  free(l);
}

elma_layer_bf16 *elma_layer_bf16_create(const elma_layer_weights *w, const elma_layer_shape *s, const elma_b16_path *path) {
  const int H = s->hidden, I = s->intermediate;
  const size_t HH = (size_t)H * H;
  elma_layer_bf16 *l = calloc(1, sizeof *l);
  float *qkv_w = malloc(3 * HH * sizeof(float));
  if (l == NULL || qkv_w == NULL || elma_layer_vectors_copy(&l->v, w, H, I) != ELMA_OK) goto oom;
  l->shape = *s;
  l->shape.batch = 0;
  l->shape.seq = 0;
  /* Q, K, V as one [3H, H] matrix: one GEMM with N = 3H, attention reads thirds of each row. */
  memcpy(qkv_w, w->query_w, HH * sizeof(float));
  memcpy(qkv_w + HH, w->key_w, HH * sizeof(float));
  memcpy(qkv_w + 2 * HH, w->value_w, HH * sizeof(float));
  if ((l->qkv = elma_b16_matrix_pack(path, qkv_w, 3 * H, H)) == NULL) goto oom;
  if ((l->dense = elma_b16_matrix_pack(path, w->dense_w, H, H)) == NULL) goto oom;
  if ((l->ffn = elma_b16_matrix_pack(path, w->ffn_w, I, H)) == NULL) goto oom;
  if ((l->ffn_out = elma_b16_matrix_pack(path, w->ffn_out_w, H, I)) == NULL) goto oom;
  free(qkv_w);
  return l;
oom:
  free(qkv_w);
  elma_layer_bf16_free(l);
  elma_fail(ELMA_ENOMEM, "elma_layer_create_bf16", "no memory for the bf16 weights of hidden %d, intermediate %d", H, I);
  return NULL;
}

const char *elma_layer_bf16_path(const elma_layer_bf16 *l) { return l->qkv->path->name; }

int elma_layer_bf16_forward(const elma_layer_bf16 *l, float *x, const int32_t *key_mask, int batch, int seq,
                            int slices_per_thread) {
  const elma_layer_shape *s = &l->shape;
  const int rows = batch * seq, H = s->hidden, I = s->intermediate;
  const size_t rh = (size_t)rows * H;
  float *ws = elma_scratch(ELMA_SCRATCH_LAYER, 4 * rh + (size_t)rows * I);
  /* The rounded activations, rows × kp bf16 values (kp the longest input's, I rounded up). */
  const int kp = l->ffn_out->kp > l->qkv->kp ? l->ffn_out->kp : l->qkv->kp;
  uint16_t *a16 = (uint16_t *)elma_scratch(ELMA_SCRATCH_BF16, ((size_t)rows * kp + 1) / 2);
  if (ws == NULL || a16 == NULL) return elma_fail(ELMA_ENOMEM, "elma_layer_run", "no memory for %d rows of intermediates", rows);
  float *qkv = ws, *ctx = qkv + 3 * rh, *f = ctx + rh;

  elma_b16_convert_rows(x, rows, H, H, a16, l->qkv->kp);
  elma_b16_linear(l->qkv, a16, rows, l->v.qkv_b, ELMA_ACT_LINEAR, qkv, 3 * H, slices_per_thread);
  int rc = elma_attention_strided(qkv, qkv + H, qkv + 2 * H, 3 * H, key_mask, batch, seq, s->heads, H / s->heads, ctx, H);
  if (rc != ELMA_OK) return rc;
  float *proj = qkv, *a = qkv + rh, *out = qkv + 2 * rh; /* qkv is dead after attention */
  elma_b16_convert_rows(ctx, rows, H, H, a16, l->dense->kp);
  elma_b16_linear(l->dense, a16, rows, l->v.dense_b, ELMA_ACT_LINEAR, proj, H, slices_per_thread);
  elma_layer_norm_unchecked(proj, x, rows, H, l->v.attn_ln_g, l->v.attn_ln_b, s->layer_norm_eps, a);
  elma_b16_convert_rows(a, rows, H, H, a16, l->ffn->kp);
  elma_b16_linear(l->ffn, a16, rows, l->v.ffn_b, s->activation, f, I, slices_per_thread);
  elma_b16_convert_rows(f, rows, I, I, a16, l->ffn_out->kp);
  elma_b16_linear(l->ffn_out, a16, rows, l->v.ffn_out_b, ELMA_ACT_LINEAR, out, H, slices_per_thread);
  elma_layer_norm_unchecked(out, a, rows, H, l->v.out_ln_g, l->v.out_ln_b, s->layer_norm_eps, x);
  return ELMA_OK;
}
