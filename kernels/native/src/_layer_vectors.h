/* A layer's vectors (biases, LayerNorm parameters) copied into one allocation, for the int8 and
   bf16 layers (layer_int8.c, layer_bf16.c), whose matrices are packed and whose vectors stay fp32. */
#ifndef ELMA_LAYER_VECTORS_H
#define ELMA_LAYER_VECTORS_H

#include "elma.h"

typedef struct {
  float *mem; /* qkv_b [3H], dense_b, attn_ln_g, attn_ln_b, ffn_b [I], ffn_out_b, out_ln_g, out_ln_b */
  const float *qkv_b, *dense_b, *attn_ln_g, *attn_ln_b, *ffn_b, *ffn_out_b, *out_ln_g, *out_ln_b;
} elma_layer_vectors;

/* Copies w's vectors (q, k, v biases as one [3H]); ELMA_ENOMEM (mem NULL) when out of memory. */
int elma_layer_vectors_copy(elma_layer_vectors *v, const elma_layer_weights *w, int hidden, int intermediate);
void elma_layer_vectors_free(elma_layer_vectors *v);

#endif
