/* The bf16 ALBERT layer (layer_bf16.c), behind the layer handle of layer_handle.c. */
#ifndef ELMA_LAYER_BF16_H
#define ELMA_LAYER_BF16_H

#include "_bgemm.h"
#include "elma.h"

typedef struct elma_layer_bf16 elma_layer_bf16;

/* From w's fp32 matrices (rounded to bf16) for `path`; w's biases and LayerNorm parameters are
   copied. Arguments already checked. NULL (and elma_last_error) when out of memory. */
elma_layer_bf16 *elma_layer_bf16_create(const elma_layer_weights *w, const elma_layer_shape *s, const elma_b16_path *path);
void elma_layer_bf16_free(elma_layer_bf16 *l);
const char *elma_layer_bf16_path(const elma_layer_bf16 *l);
/* The layer in place on x [batch, seq, hidden], batch·seq > 0. */
int elma_layer_bf16_forward(const elma_layer_bf16 *l, float *x, const int32_t *key_mask, int batch, int seq,
                            int slices_per_thread);

#endif
