/*
 * elma.h: the plain C ABI of ELMA's native kernels (libelma_native), shared by the CPU library,
 * the CUDA library (libelma_cuda, elma_cuda.h) and the TensorRT shim (libelma_trt, elma_trt.h).
 *
 * Conventions (docs/backends.md):
 *  - Tensors are row-major float32 arrays owned by the caller; the library never keeps a pointer
 *    after a call returns (koffi passes JavaScript Float32Arrays as pointers without copying, and
 *    those are only guaranteed valid for the duration of the call).
 *  - Linear weights use the Hugging Face [out, in] layout: y = x · Wᵀ + b.
 *  - Every function returns ELMA_OK (0) or a negative elma_status; elma_last_error() then names
 *    the function and the bad argument. No function aborts the process on bad input.
 *  - Calls may be made from one thread at a time per process (the JavaScript main thread); each
 *    call fans out internally to the library's own worker threads (elma_set_threads).
 */
#ifndef ELMA_H
#define ELMA_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define ELMA_API __declspec(dllexport)
#else
#define ELMA_API __attribute__((visibility("default")))
#endif

/* Bumped on any incompatible change; the TypeScript loader refuses another version. */
#define ELMA_ABI_VERSION 1

typedef enum {
  ELMA_OK = 0,
  ELMA_EINVAL = -1,      /* a bad argument: null pointer, non-positive or inconsistent shape */
  ELMA_ENOMEM = -2,      /* an allocation failed */
  ELMA_EUNSUPPORTED = -3 /* a shape or activation this backend does not run */
} elma_status;

/* HF activations.py ACT2FN, as kernels/activation.ts lists them (several names share a formula). */
typedef enum {
  ELMA_ACT_GELU_ERF = 0,   /* gelu, gelu_python: 0.5 x (1 + erf(x / √2)) */
  ELMA_ACT_GELU_TANH = 1,  /* gelu_new, gelu_pytorch_tanh, gelu_accurate */
  ELMA_ACT_GELU_FAST = 2,  /* FastGELUActivation */
  ELMA_ACT_QUICK_GELU = 3,
  ELMA_ACT_RELU = 4,
  ELMA_ACT_RELU6 = 5,
  ELMA_ACT_RELU2 = 6,
  ELMA_ACT_SILU = 7,       /* silu, swish */
  ELMA_ACT_MISH = 8,
  ELMA_ACT_TANH = 9,
  ELMA_ACT_SIGMOID = 10,
  ELMA_ACT_LINEAR = 11,
  ELMA_ACT_LEAKY_RELU = 12,
  ELMA_ACT_COUNT = 13
} elma_activation;

/* Weights of one ALBERT layer (HF AlbertLayer), each Linear [out, in] with its bias. */
typedef struct {
  const float *query_w, *query_b, *key_w, *key_b, *value_w, *value_b, *dense_w, *dense_b;
  const float *attn_ln_g, *attn_ln_b;
  const float *ffn_w, *ffn_b, *ffn_out_w, *ffn_out_b;
  const float *out_ln_g, *out_ln_b;
} elma_layer_weights;

typedef struct {
  int32_t batch, seq, hidden, heads, intermediate;
  int32_t activation; /* elma_activation */
  float layer_norm_eps;
} elma_layer_shape;

ELMA_API int elma_abi_version(void);
/* One line: BLAS in use and the kernel set it chose, the CPU's features, SIMD width compiled for,
   thread count ("blas=... blas_core=Haswell cpu_features=sse,...,avx2 simd=avx2 threads=2"). Static storage. */
ELMA_API const char *elma_info(void);
/* The message of the last failed call on this thread ("" if none). Static per-thread storage. */
ELMA_API const char *elma_last_error(void);
/* Worker threads for every following call (1..256); 0 means one per online CPU. */
ELMA_API int elma_set_threads(int32_t n);
ELMA_API int elma_get_threads(void);

/* y[r, o] = b[o] + Σ_k x[r, k] · w[o, k]; b may be NULL; act applied after the bias (fused). */
ELMA_API int elma_linear(const float *x, int32_t rows, int32_t in_f, const float *w, const float *b,
                         int32_t out_f, int32_t act, float *y);
/* out[r] = LayerNorm(x[r] + res[r]) (res may be NULL), biased variance, eps inside the sqrt. out may equal x. */
ELMA_API int elma_layer_norm(const float *x, const float *res, int32_t rows, int32_t cols, const float *gamma,
                             const float *beta, float eps, float *out);
ELMA_API int elma_activation_inplace(int32_t act, float *x, int64_t n);
ELMA_API int elma_softmax_inplace(float *x, int32_t rows, int32_t cols);
ELMA_API int elma_add_inplace(float *a, const float *b, int64_t n);
/* Masked multi-head attention (HF AlbertAttention); q, k, v, out [batch, seq, heads·head_dim];
   key_mask[b, j] = 0 masks key j of row b; a row with every key masked gets uniform weights (as HF). */
ELMA_API int elma_attention(const float *q, const float *k, const float *v, const int32_t *key_mask, int32_t batch,
                            int32_t seq, int32_t heads, int32_t head_dim, float *out);
/* One whole ALBERT layer in place on x [batch, seq, hidden], on the caller's weights as they are. */
ELMA_API int elma_layer(float *x, const int32_t *key_mask, const elma_layer_weights *w, const elma_layer_shape *s);

/* A layer handle: the library's own packed copy of one layer's weights (Q, K, V as one [3H, H]
   matrix; see layer_handle.c), for a layer run many times. The exception to "the library never
   keeps a pointer": it keeps none either, it copies. Later changes to the caller's arrays do not
   reach the handle: create a new one. s->batch and s->seq are ignored. NULL on failure
   (elma_last_error says why). */
typedef struct elma_layer_handle elma_layer_handle;
ELMA_API elma_layer_handle *elma_layer_create(const elma_layer_weights *w, const elma_layer_shape *s);
/* The layer in place on x [batch, seq, hidden]; key_mask [batch, seq] as elma_attention's. */
ELMA_API int elma_layer_run(const elma_layer_handle *h, float *x, const int32_t *key_mask, int32_t batch, int32_t seq);
/* Frees the handle; NULL is a no-op. */
ELMA_API void elma_layer_destroy(elma_layer_handle *h);

/* int8 (docs/backends.md, "int8"). A layer's six matrices as int8 [out, in], symmetric per output
   channel: W ≈ q · scale[out], q in −127..127 (e.g. from a bundle that carries them). */
typedef struct {
  const int8_t *query_w, *key_w, *value_w, *dense_w, *ffn_w, *ffn_out_w;
  const float *query_scale, *key_scale, *value_scale, *dense_scale, *ffn_scale, *ffn_out_scale;
} elma_layer_int8_matrices;
/* A layer handle whose six matrices run as int8 GEMMs, each GEMM's input quantized per row at run
   time; attention, LayerNorm, the activation and the biases stay fp32. q NULL: w's fp32 matrices
   are quantized; otherwise q's are used (w's matrices may then be NULL; its biases and LayerNorm
   vectors are still read). Packed for the int8 path in use at creation (elma_int8_path), which it
   keeps. Run with elma_layer_run, freed with elma_layer_destroy. NULL on failure. */
ELMA_API elma_layer_handle *elma_layer_create_int8(const elma_layer_weights *w, const elma_layer_int8_matrices *q,
                                                   const elma_layer_shape *s);
/* The int8 path a handle runs on; "" for an fp32 handle. */
ELMA_API const char *elma_layer_int8_path_of(const elma_layer_handle *h);
/* Symmetric per-channel int8 of fp32 weights [out_f, in_f]: q [out_f, in_f] in −127..127, scale [out_f];
   scale = fl32(max|row| / 127), q = rint(w / scale) in double, ties to even (a zero row: scale 1, q 0),
   the bundle packer's rule (docs/bundles.md "Weight formats"), so both give the same bytes. */
ELMA_API int elma_int8_quantize(const float *w, int32_t out_f, int32_t in_f, int8_t *q, float *scale);
/* y = act(x · (q · scale)ᵀ + b) by the int8 GEMM of the current path, x quantized per row; b may be
   NULL. The weights are packed per call (a layer handle packs once). */
ELMA_API int elma_int8_linear(const float *x, int32_t rows, int32_t in_f, const int8_t *q, const float *scale,
                              const float *b, int32_t out_f, int32_t act, float *y);
/* The int8 paths this CPU runs, fastest first, space-separated ("avx2 portable"). Static storage. */
ELMA_API const char *elma_int8_paths(void);
/* The path new int8 handles and elma_int8_linear use: the fastest this CPU runs unless set. */
ELMA_API const char *elma_int8_path(void);
/* Choose that path by name (NULL or "" for the default): ELMA_EINVAL for an unknown name,
   ELMA_EUNSUPPORTED for one this CPU cannot run. */
ELMA_API int elma_int8_set_path(const char *name);
/* bf16 (docs/backends.md, "bf16"). A layer handle whose six matrices are rounded to bf16 and run
   as bf16 GEMMs with fp32 sums (vdpbf16ps where the CPU has AVX-512 BF16, else the portable C
   path), each GEMM's input rounded at run time; attention, LayerNorm, the activation and the
   biases stay fp32. Run with elma_layer_run, freed with elma_layer_destroy. NULL on failure. */
ELMA_API elma_layer_handle *elma_layer_create_bf16(const elma_layer_weights *w, const elma_layer_shape *s);
/* The bf16 path a handle runs on; "" for another handle. */
ELMA_API const char *elma_layer_bf16_path_of(const elma_layer_handle *h);
/* The bf16 paths this CPU runs, fastest first ("avx512-bf16 portable"). Static storage. */
ELMA_API const char *elma_bf16_paths(void);
/* The path new bf16 handles use: the fastest this CPU runs unless set. */
ELMA_API const char *elma_bf16_path(void);
/* Choose that path by name (NULL or "" for the default): ELMA_EINVAL for an unknown name,
   ELMA_EUNSUPPORTED for one this CPU cannot run. */
ELMA_API int elma_bf16_set_path(const char *name);
/* A QA exit head on x [rows, hidden]: start[r], end[r] = x[r] · w[0|1] + b[0|1] (HF qa_outputs). */
ELMA_API int elma_qa_head(const float *x, int32_t rows, int32_t hidden, const float *w, const float *b,
                          float *start, float *end);
/* Normalised entropy of the span-answer distribution of `batch` features (engine/exit/entropy.ts);
   context[b·seq + i] ≠ 0 marks answer tokens; null_index -1 for no "no answer". Writes entropy[batch]. */
ELMA_API int elma_span_entropy(const float *start, const float *end, const int32_t *context, int32_t batch,
                               int32_t seq, int32_t max_answer_length, int32_t null_index, float *entropy);
/* Plain BLAS sgemm C = A·Bᵀ ([m,k]·[n,k]ᵀ) on all threads, for measuring the machine's peak. */
ELMA_API int elma_sgemm_nt(const float *a, const float *b, int32_t m, int32_t n, int32_t k, float *c);
/* The kernel set the BLAS chose ("Haswell", "SkylakeX", "Prescott", "neoversen1": OpenBLAS's
   openblas_get_corename()); "" for a BLAS that does not say. Static storage. */
ELMA_API const char *elma_blas_core(void);

#ifdef __cplusplus
}
#endif

/* CPU features, measured clock and the C environment (elma_cpu_features, elma_cpu_clock_hz, ...):
   also in libelma_cpu, which has no BLAS behind it. */
#include "elma_cpu.h"

#endif /* ELMA_H */
