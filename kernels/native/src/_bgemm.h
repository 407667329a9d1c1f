/*
 * The bf16 GEMM (docs/backends.md, "bf16"): y = act(bf16(x) · bf16(W)ᵀ + b), sums in fp32.
 *
 *  - bf16 is the top half of an fp32 (8 exponent bits, 7 stored mantissa bits): fp32 → bf16
 *    rounds to nearest, ties to even (elma_b16_round; a NaN stays a quiet NaN), bf16 → fp32 is
 *    exact. A product of two bf16 values has at most 16 significant bits, so it is exact in fp32;
 *    only the sums round.
 *  - Weights: rounded once, at pack time, into panels of `nr` columns: [k / 2][nr][2], two
 *    consecutive k of one column in one 32-bit lane (the layout of vdpbf16ps, Intel SDM Vol. 2C
 *    "VDPBF16PS": per fp32 lane, acc + a[2i]·b[2i] + a[2i+1]·b[2i+1]), K zero-padded to even, N to
 *    a multiple of nr.
 *  - Activations: rounded per GEMM into rows of kp bf16 values (padding zeroed).
 *
 * A path is one instruction set's kernel. Unlike int8 there is no bit-exact authority: vdpbf16ps
 * rounds its sums in its own order and flushes denormals (DAZ, FTZ) whatever MXCSR says, so every
 * path is checked against the products summed in double (elma_b16_reference) within the bound of
 * recursive fp32 summation, k · 2⁻²⁴ · Σ|a·w| (kernels/native/test/test_bgemm.c).
 */
#ifndef ELMA_BGEMM_H
#define ELMA_BGEMM_H

#include <stddef.h>
#include <stdint.h>

/* Largest rows per kernel call and panel width over all paths (the tile buffer's size). */
#define ELMA_BF16_MR_MAX 8
#define ELMA_BF16_NR_MAX 32
/* The AVX-512 BF16 register tile: 8 rows × 2 vectors of 16 fp32 lanes (nr 32), 16 accumulators. */
#define ELMA_BF16_AVX512_MR 8
#define ELMA_BF16_AVX512_NV 2

/* c[i·nr + j] = Σ_k a_row(i)[k] · panel[k][j] for i < rows (≤ mr), j < nr, k < kp (even), where
   a_row(i) = a + i·lda (bf16 values). Overwrites c (mr × nr fp32). */
typedef void (*elma_b16_kernel_fn)(const uint16_t *a, int64_t lda, int rows, const uint16_t *panel, int kp, float *c);

typedef struct {
  const char *name;
  int mr, nr;
  int (*supported)(void);
  elma_b16_kernel_fn kernel;
} elma_b16_path;

uint16_t elma_b16_round(float f);
float elma_b16_to_f32(uint16_t h);

/* Every path compiled into this library, fastest first (portable last), and the ones chosen by
   name or by the CPU: the fastest the CPU runs, which is portable on a CPU without bf16
   instructions (callers that want hardware bf16 check the name: kernels/native/index.ts). */
int elma_b16_path_count(void);
const elma_b16_path *elma_b16_path_at(int i);
const elma_b16_path *elma_b16_path_named(const char *name);
const elma_b16_path *elma_b16_default_path(void);
/* The path new bf16 handles use: the default, or elma_b16_set_path's (bf16.c). */
const elma_b16_path *elma_b16_current_path(void);

/* A weight matrix packed for one path. */
typedef struct {
  const elma_b16_path *path;
  int n, k, kp, np; /* out, in, in padded to even, out padded to a multiple of nr */
  uint16_t *panels; /* np / nr panels of kp·nr values */
} elma_b16_matrix;

/* Round fp32 weights [n, k] (HF's [out, in]) to bf16 and pack them. NULL when out of memory. */
elma_b16_matrix *elma_b16_matrix_pack(const elma_b16_path *path, const float *w, int n, int k);
void elma_b16_matrix_free(elma_b16_matrix *m);

/* Round x [rows, k] (row stride ldx) into a [rows, kp] (row stride kp, padding zeroed). On the pool. */
void elma_b16_convert_rows(const float *x, int rows, int k, int64_t ldx, uint16_t *a, int kp);

/* y[r, n] = act(acc[r, n] + bias[n]) for the rounded activations a [rows, m->kp]; bias may be
   NULL; y rows are ldy floats apart. Column slices on the pool, slices_per_thread per thread. */
void elma_b16_linear(const elma_b16_matrix *m, const uint16_t *a, int rows, const float *bias, int act, float *y,
                      int64_t ldy, int slices_per_thread);

/* The authority: the products of a [rows, lda] and the unpacked bf16 weights w [n, k] summed in
   double, acc[r·n + j], and Σ|a·w| for the error bound (either may be NULL). Plain loops. */
void elma_b16_reference(const uint16_t *a, int64_t lda, int rows, int k, const uint16_t *w, int n, double *acc,
                         double *abs_sum);

/* The paths each file contributes (NULL-terminated; empty on other architectures). */
extern const elma_b16_path elma_b16_portable_path;
extern const elma_b16_path *const elma_b16_x86_paths[];

#endif
