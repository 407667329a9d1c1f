/* The ALBERT layer's forward pass, shared by elma_layer (caller's weights, per call) and the layer
   handle (layer_handle.c: packed copies owned by the library). */
#ifndef ELMA_LAYER_H
#define ELMA_LAYER_H

#include "elma.h"

/* How the weights are laid out: separate Q, K, V matrices (the caller's), or one packed [3H, H]
   matrix and [3H] bias at query_w / query_b (key_w, value_w, ... then point into it). */
enum { ELMA_QKV_SEPARATE = 0, ELMA_QKV_PACKED = 1 };

/* Argument checks of elma_layer / elma_layer_create; fn names the caller in the message. */
int elma_layer_check_shape(const elma_layer_shape *s, const char *fn, int check_batch_seq);
int elma_layer_check_weights(const elma_layer_weights *w, const char *fn);

/* One layer in place on x [batch, seq, hidden], arguments already checked, batch·seq > 0. */
int elma_layer_forward(float *x, const int32_t *key_mask, int batch, int seq, const elma_layer_weights *w,
                       const elma_layer_shape *s, int qkv_layout, int slices_per_thread);

#endif
