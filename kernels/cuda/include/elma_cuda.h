/*
 * elma_cuda.h: the CUDA backend's C ABI (libelma_cuda). Same conventions as elma.h: host arrays
 * owned by the caller and never kept, status codes + elma_cuda_last_error(), no aborts.
 *
 * The single ops copy their operands to the GPU and back on each call (they exist for the
 * conformance suite). The real path is a layer handle: the weights of one ALBERT layer are
 * uploaded once (fp32, or fp16 for the fp16 path), and elma_cuda_layer_run runs that layer
 * `steps` times (ALBERT shares it across depth) with one upload of x and one download, the
 * steps captured once per (batch, seq) as a CUDA graph and replayed.
 */
#ifndef ELMA_CUDA_H
#define ELMA_CUDA_H

#include <stdint.h>

#include "elma.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ELMA_CUDA_ABI_VERSION 1

typedef struct elma_cuda_layer elma_cuda_layer;

ELMA_API int elma_cuda_abi_version(void);
ELMA_API const char *elma_cuda_last_error(void);
/* Number of usable CUDA devices (0 when there is no driver or no GPU: never an error). */
ELMA_API int elma_cuda_device_count(void);
ELMA_API const char *elma_cuda_info(void);

ELMA_API int elma_cuda_linear(const float *x, int32_t rows, int32_t in_f, const float *w, const float *b, int32_t out_f,
                              int32_t act, float *y);
ELMA_API int elma_cuda_layer_norm(const float *x, const float *res, int32_t rows, int32_t cols, const float *gamma,
                                  const float *beta, float eps, float *out);
ELMA_API int elma_cuda_activation(int32_t act, float *x, int64_t n);
ELMA_API int elma_cuda_softmax(float *x, int32_t rows, int32_t cols);
ELMA_API int elma_cuda_add(float *a, const float *b, int64_t n);
ELMA_API int elma_cuda_attention(const float *q, const float *k, const float *v, const int32_t *key_mask, int32_t batch,
                                 int32_t seq, int32_t heads, int32_t head_dim, float *out);

/* Upload one layer's weights; fp16 != 0 stores them (and runs the GEMMs) in half precision with
   fp32 accumulation. NULL on failure (see elma_cuda_last_error). s->batch and s->seq are ignored. */
ELMA_API elma_cuda_layer *elma_cuda_layer_create(const elma_layer_weights *w, const elma_layer_shape *s, int32_t fp16);
ELMA_API void elma_cuda_layer_destroy(elma_cuda_layer *layer);
/* x [batch, seq, hidden] (host, in place) ← the layer applied `steps` times; mask [batch, seq] int32. */
ELMA_API int elma_cuda_layer_run(elma_cuda_layer *layer, float *x, const int32_t *key_mask, int32_t batch, int32_t seq,
                                 int32_t steps);
/* The same on device pointers, no copies (benchmarks; x_dev is float32). */
ELMA_API int elma_cuda_layer_run_device(elma_cuda_layer *layer, float *x_dev, const int32_t *mask_dev, int32_t batch,
                                        int32_t seq, int32_t steps);

#ifdef __cplusplus
}
#endif
#endif
