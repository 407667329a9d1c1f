/* A layer's fp32 vectors for the int8 and bf16 layers (_layer_vectors.h). */
#include <stdlib.h>
#include <string.h>

#include "_layer_vectors.h"

int elma_layer_vectors_copy(elma_layer_vectors *v, const elma_layer_weights *w, int hidden, int intermediate) {
  const size_t H = (size_t)hidden, I = (size_t)intermediate;
  v->mem = malloc((3 * H + 6 * H + I) * sizeof(float));
  if (v->mem == NULL) return ELMA_ENOMEM;
  const struct { const float *src; size_t n; const float **dst; } vecs[] = {
    {w->query_b, H, &v->qkv_b}, {w->key_b, H, NULL}, {w->value_b, H, NULL},
    {w->dense_b, H, &v->dense_b}, {w->attn_ln_g, H, &v->attn_ln_g}, {w->attn_ln_b, H, &v->attn_ln_b},
    {w->ffn_b, I, &v->ffn_b}, {w->ffn_out_b, H, &v->ffn_out_b}, {w->out_ln_g, H, &v->out_ln_g},
    {w->out_ln_b, H, &v->out_ln_b}};
  float *at = v->mem;
  for (unsigned i = 0; i < sizeof vecs / sizeof vecs[0]; i++) {
    memcpy(at, vecs[i].src, vecs[i].n * sizeof(float));
    if (vecs[i].dst != NULL) *vecs[i].dst = at;
    at += vecs[i].n;
  }
  return ELMA_OK;
}

void elma_layer_vectors_free(elma_layer_vectors *v) {
  free(v->mem);
  v->mem = NULL;
}
