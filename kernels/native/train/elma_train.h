/*
 * libelma_train: the kernels of ELMA's backward pass (engine/train/), plain C ABI for koffi.
 * Row-major float32 everywhere; every function returns 0, or -1 for a bad argument. The work runs on
 * libelma_native's thread pool (elma_set_threads / ELMA_THREADS), which this library links to.
 * Attention tensors are [batch, seq, heads*head_dim] (HF layout); probs are [batch, heads, seq, seq].
 */
#ifndef ELMA_TRAIN_H
#define ELMA_TRAIN_H
#include <stdint.h>

#if defined(_WIN32)
#define ELMA_TRAIN_API __declspec(dllexport)
#else
#define ELMA_TRAIN_API __attribute__((visibility("default")))
/* dy[i] *= act'(x[i]) for x the activation's input; act is an elma_activation (elma.h). Returns 0,
 * -1 for a bad argument, -2 for an activation without a native derivative (gelu, gelu_new, relu have one). */
ELMA_TRAIN_API int elma_train_activation_backward(int32_t act, const float *x, float *dy, int64_t n);

/* db[c] += Σ_r dy[r, c]: the bias gradient of a Linear. */
ELMA_TRAIN_API int elma_train_bias_grad(const float *dy, int32_t rows, int32_t cols, float *db);

#endif

#define ELMA_TRAIN_ABI_VERSION 2
ELMA_TRAIN_API int elma_train_abi_version(void);

/* C = alpha * op(A) * op(B) + beta * C, op = transpose when trans_* != 0 (CBLAS semantics). */
ELMA_TRAIN_API int elma_train_sgemm(int32_t trans_a, int32_t trans_b, int32_t m, int32_t n, int32_t k, float alpha,
                                    const float *a, int32_t lda, const float *b, int32_t ldb, float beta, float *c, int32_t ldc);

/* Masked multi-head attention that keeps the softmax weights (zero for masked keys; uniform when
 * a row has no unmasked key, as Hugging Face's finfo.min mask gives). */
ELMA_TRAIN_API int elma_train_attention_forward(const float *q, const float *k, const float *v, const int32_t *mask,
                                                int32_t batch, int32_t seq, int32_t heads, int32_t head_dim,
                                                float *out, float *probs);

/* Gradients of q, k, v (overwritten) from the saved weights and the gradient of the context. */
ELMA_TRAIN_API int elma_train_attention_backward(const float *q, const float *k, const float *v, const float *probs,
                                                 const float *dctx, int32_t batch, int32_t seq, int32_t heads,
                                                 int32_t head_dim, float *dq, float *dk, float *dv);

/* dy[i] *= act'(x[i]) for x the activation's input; act is an elma_activation (elma.h). Returns 0,
 * -1 for a bad argument, -2 for an activation without a native derivative (gelu, gelu_new, relu have one). */
ELMA_TRAIN_API int elma_train_activation_backward(int32_t act, const float *x, float *dy, int64_t n);

/* db[c] += Σ_r dy[r, c]: the bias gradient of a Linear. */
ELMA_TRAIN_API int elma_train_bias_grad(const float *dy, int32_t rows, int32_t cols, float *db);

#endif
