/*
 * The int8 GEMM (docs/backends.md, "int8"): y = (x_q · W_qᵀ − zp_x[r] · Σ_k W_q[n, k]) · scale_x[r] · scale_w[n] + b.
 *
 *  - Weights: symmetric per output channel (row n of HF's [out, in] layout), int8 in
 *    [−w_max, w_max] with scale_w[n] = max_k |W[n, k]| / w_max, packed at load into panels of `nr`
 *    columns: [k / 4][nr][4], four consecutive k of one column in one 32-bit lane (the layout of
 *    vpdpbusd, sdot and vpmaddubsw + vpmaddwd alike), K zero-padded to a multiple of 8, N to a
 *    multiple of nr.
 *  - Activations: quantized dynamically, per row (default) or per tensor, asymmetric: unsigned
 *    q ∈ [0, a_max] with a zero point (x ≈ scale_x · (q − zp_x)); row-major, K padded like the
 *    weights. Paths whose instruction multiplies signed by signed (NEON) read q − 128 instead
 *    (`a_signed`), stored as that byte, and the zero point is shifted by 128 to match.
 *
 * A path is one instruction set's kernel with the ranges it computes exactly: the integer result
 * of every path equals the plain-loop reference (elma_q8_reference_s32, qgemm_portable.c) bit for bit on any data within
 * [0, a_max] × [−w_max, w_max] (kernels/native/test/test_qgemm.c). AVX2 has no exact
 * u8 × s8 multiply-add into 32 bits: vpmaddubsw saturates pairs at int16, so that path quantizes
 * the activations to 7 bits (a_max 127; qgemm_x86.c has the bound and why). Every path takes
 * 8-bit weights (w_max 127).
 */
#ifndef ELMA_QGEMM_H
#define ELMA_QGEMM_H

#include <stddef.h>
#include <stdint.h>

/* K is padded to a multiple of this in packed weights and quantized activations. */
#define ELMA_Q8_KPAD 8
/* Longest k: 255 · 127 · k and the zero point's correction stay within int32 below it. */
#define ELMA_Q8_K_MAX 65535
/* Largest rows per kernel call over all paths (the tile buffer's size). */
#define ELMA_Q8_MR_MAX 8
#define ELMA_Q8_NR_MAX 64

/*
 * c[i·nr + j] = Σ_k a_row(i)[k] · panel[k][j] for i < rows (≤ mr), j < nr, k < kp, where
 * a_row(i) = a + i·lda (bytes, u8 or s8 as the path reads them). Overwrites c (mr × nr int32).
 */
typedef void (*elma_q8_kernel_fn)(const uint8_t *a, int64_t lda, int rows, const int8_t *panel, int kp, int32_t *c);

typedef struct {
  const char *name;
  int a_max;    /* activations are quantized to [0, a_max] */
  int w_max;    /* weights to [−w_max, w_max] */
  int a_signed; /* the kernel reads activation bytes as int8 (q − 128) */
  int mr, nr;   /* rows per kernel call, panel width */
  int (*supported)(void);
  elma_q8_kernel_fn kernel;
} elma_q8_path;

/* Every path compiled into this library (the reference first), and the one chosen at run time:
   the fastest this CPU supports, unless ELMA_INT8_PATH names another (tests, benchmarks). */
int elma_q8_path_count(void);
const elma_q8_path *elma_q8_path_at(int i);
const elma_q8_path *elma_q8_path_named(const char *name);
const elma_q8_path *elma_q8_default_path(void);
/* The path new int8 handles and elma_int8_linear use: the default, or elma_int8_set_path's (int8.c). */
const elma_q8_path *elma_q8_current_path(void);

/* Activations per row (one scale and zero point each) or one for the whole matrix. */
enum { ELMA_Q8_PER_ROW = 0, ELMA_Q8_PER_TENSOR = 1 };

/* A weight matrix packed for one path. */
typedef struct {
  const elma_q8_path *path;
  int n, k, kp, np;  /* out, in, in padded, out padded to a multiple of nr */
  int8_t *panels;    /* np / nr panels of kp·nr bytes */
  float *scale;      /* [np] per output channel (0 in padding) */
  int32_t *colsum;   /* [np] Σ_k W_q[n, k] (the zero point's correction) */
} elma_q8_matrix;

/* Quantize fp32 weights [n, k] to int8 for `path`'s range, per output channel, into q [n, k] and
   scale [n]: scale = fl32(max|row| / w_max), q = rint(w / scale) in double (ties to even), the
   rule the bundle packer applies too (qgemm.c). A row of zeros gets scale 1 and zeros; a row
   with inf or NaN a NaN scale and zeros. */
void elma_q8_quantize_weights(const float *w, int n, int k, int w_max, int8_t *q, float *scale);

/* Pack int8 weights [n, k] (values in [−path->w_max, path->w_max], checked by the caller) with
   their per-channel scales. NULL when out of memory. Free with elma_q8_matrix_free. */
elma_q8_matrix *elma_q8_matrix_pack(const elma_q8_path *path, const int8_t *q, const float *scale, int n, int k);
void elma_q8_matrix_free(elma_q8_matrix *m);

/* Quantize x [rows, k] (row stride ldx) into q [rows, kp] (row stride kp, padding zeroed) for
   `path`, per row or per tensor; scale[r] and zp[r] as the kernels' epilogue wants them (zp
   already shifted by 128 for a_signed paths). Runs on the pool. */
void elma_q8_quantize_rows(const elma_q8_path *path, int granularity, const float *x, int rows, int k, int64_t ldx,
                           uint8_t *q, int kp, float *scale, int32_t *zp);

/* y[r, n] = act((acc[r, n] − zp[r]·colsum[n]) · scale[r] · m->scale[n] + bias[n]) for the
   quantized activations q [rows, m->kp] from elma_q8_quantize_rows; bias may be NULL; y rows are
   ldy floats apart. Column slices on the pool, slices_per_thread per thread. */
void elma_q8_linear(const elma_q8_matrix *m, const uint8_t *q, int rows, const float *scale, const int32_t *zp,
                    const float *bias, int act, float *y, int64_t ldy, int slices_per_thread);

/* The integer part alone: acc[r, n] = Σ_k q[r, k] · W_q[n, k] into acc [rows, m->n] (tests). */
void elma_q8_gemm_s32(const elma_q8_matrix *m, const uint8_t *q, int rows, int32_t *acc);

/* The authority (qgemm_portable.c): plain loops on the unpacked weights w [n, k], no panels, no
   SIMD: acc[r·n + j] = Σ_k a(r, k) · w[j·k + k], a(r, k) = q[r·lda + k] read as u8, or as s8
   when a_signed. Every path's elma_q8_gemm_s32 must equal it exactly. */
void elma_q8_reference_s32(const uint8_t *q, int64_t lda, int rows, int k, int a_signed, const int8_t *w, int n,
                           int32_t *acc);

/* The paths each file contributes (NULL-terminated lists; empty on other architectures). */
extern const elma_q8_path elma_q8_portable_path;
extern const elma_q8_path *const elma_q8_x86_paths[];
extern const elma_q8_path *const elma_q8_arm_paths[];

/* Register tiles of the dot-product paths (_qgemm_dot4.h), here so that the emulated copies the
   C test builds (kernels/native/test/test_qgemm.c) have the same shapes as the real ones. */
#define ELMA_Q8_AVX512VNNI_MR 8
#define ELMA_Q8_AVX512VNNI_NV 2 /* vectors of 16 lanes: nr 32 */
#define ELMA_Q8_AVXVNNI_MR 6
#define ELMA_Q8_AVXVNNI_NV 2    /* vectors of 8 lanes: nr 16 */
#define ELMA_Q8_NEONDOT_MR 6
#define ELMA_Q8_NEONDOT_NV 4    /* vectors of 4 lanes: nr 16 */

#endif
