/* Internal helpers shared by the kernels: error reporting, argument checks, scratch memory. */
#ifndef ELMA_COMMON_H
#define ELMA_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "elma.h"

/* Record "fn: message" as this thread's last error and return code (printf-style). */
int elma_fail(int code, const char *fn, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void elma_clear_error(void);

/* A grow-only 64-byte-aligned buffer per slot, kept for the life of the process: a layer at
   sequence 384 needs ~10 MB of intermediates, and a fresh allocation each call would page-fault
   through all of it (~1-2 ms, a tenth of the layer). NULL on allocation failure. */
enum { ELMA_SCRATCH_LAYER = 0, ELMA_SCRATCH_ATTENTION = 1, ELMA_SCRATCH_INT8 = 2, ELMA_SCRATCH_BF16 = 3, ELMA_SCRATCH_SLOTS = 4 };
float *elma_scratch(int slot, size_t floats);

/* Activation applied in place to n values (vectorised). */
void elma_act_apply(int act, float *x, int64_t n);
/* row[c] = act(row[c] + bias[c]) for c < n; bias may be NULL. */
void elma_bias_act(float *row, const float *bias, int n, int act);

/* The kernels behind the API calls, with arguments already checked (used by layer.c). */
void elma_linear_unchecked(const float *x, int rows, int in_f, const float *w, const float *b, int out_f, int act,
                           float *y);
/* The same into y with row stride ldy ≥ out_f, cut into slices_per_thread column slices per thread. */
void elma_linear_into(const float *x, int rows, int in_f, const float *w, const float *b, int out_f, int act, float *y,
                      int ldy, int slices_per_thread);
void elma_layer_norm_unchecked(const float *x, const float *res, int rows, int cols, const float *gamma,
                               const float *beta, float eps, float *out);
int elma_attention_unchecked(const float *q, const float *k, const float *v, const int32_t *mask, int batch, int seq,
                             int heads, int head_dim, float *out);
/* q, k, v rows ld floats apart (3·heads·d when they are thirds of one packed QKV product); out rows ldo apart. */
int elma_attention_strided(const float *q, const float *k, const float *v, int ld, const int32_t *mask, int batch,
                           int seq, int heads, int head_dim, float *out, int ldo);
void elma_softmax_row(float *x, int n);

#endif
