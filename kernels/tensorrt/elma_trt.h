/*
 * elma_trt.h: the TensorRT shim's C ABI (libelma_trt). An engine is a serialized TensorRT plan
 * built by trtexec from one of ELMA's ONNX step graphs (kernels/onnx/albert-graphs.ts); its
 * bindings keep the ONNX input/output names. Host float32/int32 arrays in and out, as elma.h.
 */
#ifndef ELMA_TRT_H
#define ELMA_TRT_H
#include <stdint.h>
#include "elma.h"
#ifdef __cplusplus
extern "C" {
#endif
#define ELMA_TRT_ABI_VERSION 1
typedef struct elma_trt_engine elma_trt_engine;
ELMA_API int elma_trt_abi_version(void);
/* The TensorRT version the shim was built against, e.g. 8001 for 8.0.1 (NV_TENSORRT_VERSION style). */
ELMA_API int elma_trt_version(void);
ELMA_API const char *elma_trt_last_error(void);
/* Deserialize a plan file; NULL with a message when the file is unreadable, corrupt or was built by
   another TensorRT version or for another GPU (TensorRT refuses those plans). */
ELMA_API elma_trt_engine *elma_trt_load(const char *plan_path);
ELMA_API void elma_trt_destroy(elma_trt_engine *e);
/* Run with dynamic [batch, seq]: inputs by name (float32 or int32 host arrays), outputs float32 host
   arrays. names/ptrs are parallel arrays of n_in inputs then n_out outputs. */
ELMA_API int elma_trt_run(elma_trt_engine *e, int32_t batch, int32_t seq, int32_t n_in, int32_t n_out, const char *const *names,
                          void *const *ptrs);
#ifdef __cplusplus
}
#endif
#endif
