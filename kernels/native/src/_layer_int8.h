/* The int8 ALBERT layer (layer_int8.c), behind the layer handle of layer_handle.c. */
#ifndef ELMA_LAYER_INT8_H
#define ELMA_LAYER_INT8_H

#include "_qgemm.h"
#include "elma.h"

typedef struct elma_layer_int8 elma_layer_int8;

/* Checks the caller's int8 copies (pointers, no −128, finite scales ≥ 0); fn names the caller. */
int elma_layer_int8_check(const elma_layer_int8_matrices *q, const elma_layer_shape *s, const char *fn);
/* From w's fp32 matrices (q NULL) or from q's int8 ones, for `path`; w's biases and LayerNorm
   parameters are copied. Arguments already checked. NULL (and elma_last_error) when out of memory. */
elma_layer_int8 *elma_layer_int8_create(const elma_layer_weights *w, const elma_layer_int8_matrices *q,
                                        const elma_layer_shape *s, const elma_q8_path *path, int granularity);
void elma_layer_int8_free(elma_layer_int8 *l);
const char *elma_layer_int8_path(const elma_layer_int8 *l);
/* The layer in place on x [batch, seq, hidden], batch·seq > 0. */
int elma_layer_int8_forward(const elma_layer_int8 *l, float *x, const int32_t *key_mask, int batch, int seq,
                            int slices_per_thread);

#endif
