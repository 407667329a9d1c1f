/*
 * The int8 GEMM (kernels/native/src/qgemm*.c) against its reference, without Node or BLAS
 * (ctest; built from the sources, so it also cross-builds alone for arm64 and runs under
 * qemu-aarch64: test/kernels/int8-arm64.test.ts).
 *
 *  - every path this CPU supports, on ragged shapes and on the extremes of its ranges (where a
 *    saturating instruction would show): the integer products equal the plain-loop reference
 *    exactly; paths the CPU lacks are named and skipped ("skip <path>");
 *  - the dot-product kernel (_qgemm_dot4.h) once more with its vector operations emulated in C,
 *    in the tiles of the AVX-512 VNNI, AVX-VNNI and NEON sdot paths: its tile logic is checked
 *    even on a CPU without those instructions;
 *  - the dequantizing epilogue against double arithmetic (relative 1e-5), the quantizers
 *    (ranges, zero exact, per tensor, NaN and all-zero rows), and int8 against fp32 on Gaussian
 *    data: NMSE ≤ 2e-4 for the 8-bit paths, ≤ 5e-4 for AVX2's 7-bit activations (measured values
 *    printed: ~8.5e-5 and ~2.1e-4).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/_pool.h"
#include "../src/_qgemm.h"
#include "elma.h"

#define HARNESS_SEED 2024
#include "_no_blas_harness.h"
static int irand(int lo, int hi) { return lo + (int)(next() % (unsigned)(hi - lo + 1)); }

/* --- the dot-product kernel with emulated vectors ---------------------------------------------- */

typedef struct { int32_t v[16]; } emu_v;
static emu_v emu_zero(void) { emu_v r; memset(&r, 0, sizeof r); return r; }
static emu_v emu_load(const int8_t *p, int lanes) { emu_v r = emu_zero(); memcpy(r.v, p, (size_t)lanes * 4); return r; }
static emu_v emu_bcast(const uint8_t *p, int lanes) { emu_v r = emu_zero(); for (int l = 0; l < lanes; l++) memcpy(&r.v[l], p, 4); return r; }
static void emu_store(int32_t *p, emu_v v, int lanes) { memcpy(p, v.v, (size_t)lanes * 4); }
/* vpdpbusd (u8 × s8) or sdot (s8 × s8): each lane adds its four byte products. */
static emu_v emu_dot(emu_v acc, emu_v a, emu_v b, int lanes, int a_signed) {
  for (int l = 0; l < lanes; l++) {
    const uint8_t *ab = (const uint8_t *)&a.v[l];
    const int8_t *bb = (const int8_t *)&b.v[l];
    for (int t = 0; t < 4; t++) acc.v[l] += (a_signed ? (int32_t)(int8_t)ab[t] : (int32_t)ab[t]) * bb[t];
  }
  return acc;
}

#define DOT4_ATTR
#define DOT4_V emu_v
#define DOT4_ZERO() emu_zero()

#define DOT4_NAME emu_avx512vnni
#define DOT4_MR ELMA_Q8_AVX512VNNI_MR
#define DOT4_NV ELMA_Q8_AVX512VNNI_NV
#define DOT4_LANES 16
#define DOT4_LOAD(p) emu_load((p), 16)
#define DOT4_BCAST(p) emu_bcast((p), 16)
#define DOT4_DOT(acc, a, b) emu_dot((acc), (a), (b), 16, 0)
#define DOT4_STORE(p, v) emu_store((p), (v), 16)
#include "../src/_qgemm_dot4.h"

#define DOT4_ATTR
#define DOT4_V emu_v
#define DOT4_ZERO() emu_zero()
#define DOT4_NAME emu_avxvnni
#define DOT4_MR ELMA_Q8_AVXVNNI_MR
#define DOT4_NV ELMA_Q8_AVXVNNI_NV
#define DOT4_LANES 8
#define DOT4_LOAD(p) emu_load((p), 8)
#define DOT4_BCAST(p) emu_bcast((p), 8)
#define DOT4_DOT(acc, a, b) emu_dot((acc), (a), (b), 8, 0)
#define DOT4_STORE(p, v) emu_store((p), (v), 8)
#include "../src/_qgemm_dot4.h"

#define DOT4_ATTR
#define DOT4_V emu_v
#define DOT4_ZERO() emu_zero()
#define DOT4_NAME emu_neondot
#define DOT4_MR ELMA_Q8_NEONDOT_MR
#define DOT4_NV ELMA_Q8_NEONDOT_NV
#define DOT4_LANES 4
#define DOT4_LOAD(p) emu_load((p), 4)
#define DOT4_BCAST(p) emu_bcast((p), 4)
#define DOT4_DOT(acc, a, b) emu_dot((acc), (a), (b), 4, 1)
#define DOT4_STORE(p, v) emu_store((p), (v), 4)
#include "../src/_qgemm_dot4.h"

static int yes(void) { return 1; }
static const elma_q8_path emulated[] = {
  {"avx512-vnni (emulated)", 255, 127, 0, ELMA_Q8_AVX512VNNI_MR, ELMA_Q8_AVX512VNNI_NV * 16, yes, emu_avx512vnni},
  {"avx-vnni (emulated)", 255, 127, 0, ELMA_Q8_AVXVNNI_MR, ELMA_Q8_AVXVNNI_NV * 8, yes, emu_avxvnni},
  {"neon-dot (emulated)", 255, 127, 1, ELMA_Q8_NEONDOT_MR, ELMA_Q8_NEONDOT_NV * 4, yes, emu_neondot},
};

/* --- integer exactness ----------------------------------------------------------------------- */

/* Activation bytes as the path reads them: q ∈ [0, a_max], stored as q ^ 0x80 when a_signed. */
static uint8_t act_byte(const elma_q8_path *p, int q) { return (uint8_t)(p->a_signed ? (q ^ 0x80) : q); }

/* One shape; fill: 0 random, 1 all at the ranges' extremes with weights +max, 2 extremes −max,
   3 activations 0 (−128 as a signed byte) against −max (the largest positive signed product). */
static void check_exact(const elma_q8_path *p, int rows, int k, int n, int fill) {
  const int kp = (k + ELMA_Q8_KPAD - 1) / ELMA_Q8_KPAD * ELMA_Q8_KPAD;
  uint8_t *q = calloc((size_t)rows * kp, 1);
  int8_t *w = malloc((size_t)n * k);
  float *scale = malloc(sizeof(float) * n);
  int32_t *got = malloc(sizeof(int32_t) * rows * n), *want = malloc(sizeof(int32_t) * rows * n);
  for (int r = 0; r < rows; r++)
    for (int i = 0; i < k; i++)
      q[(size_t)r * kp + i] = act_byte(p, fill == 0 ? irand(0, p->a_max) : fill == 3 ? 0 : p->a_max);
  for (int j = 0; j < n; j++) {
    scale[j] = 1;
    for (int i = 0; i < k; i++) w[(size_t)j * k + i] = (int8_t)(fill == 0 ? irand(-p->w_max, p->w_max) : fill == 1 ? p->w_max : -p->w_max);
  }
  elma_q8_matrix *m = elma_q8_matrix_pack(p, w, scale, n, k);
  CHECK(m != NULL, "pack");
  if (m != NULL) {
    elma_q8_gemm_s32(m, q, rows, got);
    elma_q8_reference_s32(q, kp, rows, k, p->a_signed, w, n, want);
    int bad = 0;
    for (int i = 0; i < rows * n && !bad; i++) bad = got[i] != want[i];
    CHECK(!bad, "%s [%d×%d]·[%d×%d]ᵀ fill %d: integer result differs from the reference", p->name, rows, k, n, k, fill);
    for (int j = 0; j < n; j++) {
      int32_t s = 0;
      for (int i = 0; i < k; i++) s += w[(size_t)j * k + i];
      CHECK(m->colsum[j] == s, "%s: colsum[%d]", p->name, j);
    }
  }
  elma_q8_matrix_free(m);
  free(q); free(w); free(scale); free(got); free(want);
}

static void test_path_exact(const elma_q8_path *p) {
  const int shapes[][3] = {{1, 1, 1}, {1, 8, 16}, {3, 5, 7}, {5, 13, 17}, {7, 64, 33}, {13, 100, 48}, {6, 16, 64},
                           {8, 24, 32}, {17, 200, 65}, {64, 768, 100}, {9, 3072, 40}};
  for (unsigned s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
    for (int fill = 0; fill < 4; fill++) check_exact(p, shapes[s][0], shapes[s][1], shapes[s][2], fill);
  printf("ok %s: integer results equal the reference (%u shapes × 4 fills)\n", p->name, (unsigned)(sizeof shapes / sizeof shapes[0]));
}

/* --- the epilogue, the quantizers, int8 against fp32 ---------------------------------------- */

static void test_epilogue(const elma_q8_path *p) {
  const int rows = 11, k = 77, n = 37, kp = (k + ELMA_Q8_KPAD - 1) / ELMA_Q8_KPAD * ELMA_Q8_KPAD;
  float *x = malloc(sizeof(float) * rows * k), *wf = malloc(sizeof(float) * n * k), *b = malloc(sizeof(float) * n);
  for (int i = 0; i < rows * k; i++) x[i] = gauss() + 0.3f;
  for (int i = 0; i < n * k; i++) wf[i] = gauss() * 0.05f;
  for (int i = 0; i < n; i++) b[i] = frand();
  int8_t *w = malloc((size_t)n * k);
  float *ws = malloc(sizeof(float) * n), *sx = malloc(sizeof(float) * rows), *y = malloc(sizeof(float) * rows * n);
  int32_t *zp = malloc(sizeof(int32_t) * rows), *acc = malloc(sizeof(int32_t) * rows * n);
  uint8_t *q = malloc((size_t)rows * kp);
  elma_q8_quantize_weights(wf, n, k, p->w_max, w, ws);
  elma_q8_matrix *m = elma_q8_matrix_pack(p, w, ws, n, k);
  for (int act = 0; act < 2; act++) {
    const int code = act ? ELMA_ACT_RELU : ELMA_ACT_LINEAR;
    elma_q8_quantize_rows(p, ELMA_Q8_PER_ROW, x, rows, k, k, q, kp, sx, zp);
    elma_q8_linear(m, q, rows, sx, zp, b, code, y, n, 2);
    elma_q8_reference_s32(q, kp, rows, k, p->a_signed, w, n, acc);
    double worst = 0, big = 0;
    for (int r = 0; r < rows; r++) for (int j = 0; j < n; j++) {
      int64_t cs = 0;
      for (int i = 0; i < k; i++) cs += w[j * k + i];
      double want = ((double)acc[r * n + j] - (double)zp[r] * cs) * sx[r] * ws[j] + b[j];
      if (act && want < 0) want = 0;
      worst = fmax(worst, fabs(y[r * n + j] - want));
      big = fmax(big, fabs(want));
    }
    CHECK(worst <= 1e-5 * big, "%s epilogue (act %d): max |err| %g of %g", p->name, code, worst, big);
  }
  elma_q8_matrix_free(m);
  free(x); free(wf); free(b); free(w); free(ws); free(sx); free(y); free(zp); free(acc); free(q);
}

static void test_quantizers(const elma_q8_path *p) {
  const int rows = 6, k = 45, kp = 48;
  float x[6 * 45];
  for (int i = 0; i < rows * k; i++) x[i] = gauss() * (1 + i / k);
  for (int i = 0; i < k; i++) x[3 * k + i] = 0;             /* row 3: all zeros */
  for (int i = 0; i < k; i++) x[4 * k + i] = fabsf(x[4 * k + i]) + 1; /* row 4: all positive */
  x[5 * k + 7] = NAN;                                        /* row 5: a NaN */
  uint8_t q[6 * 48];
  float s[6];
  int32_t zp[6];
  for (int g = 0; g < 2; g++) {
    memset(q, 0xAB, sizeof q);
    elma_q8_quantize_rows(p, g, x, rows, k, k, q, kp, s, zp);
    for (int r = 0; r < rows; r++) {
      if (g == ELMA_Q8_PER_TENSOR || r == 5) {
        CHECK(isnan(s[r]), "%s %s: a NaN in the %s gives a NaN scale (row %d: %g)", p->name, g ? "per tensor" : "per row",
              g ? "tensor" : "row", r, (double)s[r]);
        continue;
      }
      double worst = 0;
      for (int i = 0; i < kp; i++) {
        int v = p->a_signed ? (int)(int8_t)q[r * kp + i] + 128 : q[r * kp + i];
        if (i >= k) { CHECK(q[r * kp + i] == 0, "%s: padding byte %d of row %d is %d", p->name, i, r, q[r * kp + i]); continue; }
        CHECK(v >= 0 && v <= p->a_max, "%s: q %d outside [0, %d]", p->name, v, p->a_max);
        int zq = zp[r] + (p->a_signed ? 128 : 0);
        worst = fmax(worst, fabs((v - zq) * (double)s[r] - x[r * k + i]));
      }
      CHECK(worst <= 0.5001 * s[r] + 1e-12, "%s row %d: reconstruction error %g > scale/2 (%g)", p->name, r, worst, 0.5 * s[r]);
      if (r == 3) CHECK(s[r] == 0, "%s: an all-zero row has scale 0", p->name);
    }
  }
  /* per tensor without the NaN row: one scale, zero still exact */
  elma_q8_quantize_rows(p, ELMA_Q8_PER_TENSOR, x, 5, k, k, q, kp, s, zp);
  for (int r = 1; r < 5; r++) CHECK(s[r] == s[0] && zp[r] == zp[0], "%s: per tensor, one scale", p->name);
  int zq = p->a_signed ? (int)(int8_t)q[3 * kp] + 128 : q[3 * kp];
  CHECK(zq == zp[3] + (p->a_signed ? 128 : 0), "%s: per tensor, 0 ↦ the zero point exactly", p->name);
}

static void test_against_fp32(const elma_q8_path *p) {
  const int rows = 64, k = 768, n = 96, kp = 768;
  float *x = malloc(sizeof(float) * rows * k), *wf = malloc(sizeof(float) * n * k), *y = malloc(sizeof(float) * rows * n);
  for (int i = 0; i < rows * k; i++) x[i] = gauss();
  for (int i = 0; i < n * k; i++) wf[i] = gauss() * 0.04f;
  int8_t *w = malloc((size_t)n * k);
  float *ws = malloc(sizeof(float) * n), *sx = malloc(sizeof(float) * rows);
  int32_t *zp = malloc(sizeof(int32_t) * rows);
  uint8_t *q = malloc((size_t)rows * kp);
  elma_q8_quantize_weights(wf, n, k, p->w_max, w, ws);
  elma_q8_matrix *m = elma_q8_matrix_pack(p, w, ws, n, k);
  elma_q8_quantize_rows(p, ELMA_Q8_PER_ROW, x, rows, k, k, q, kp, sx, zp);
  elma_q8_linear(m, q, rows, sx, zp, NULL, ELMA_ACT_LINEAR, y, n, 2);
  double num = 0, den = 0;
  for (int r = 0; r < rows; r++) for (int j = 0; j < n; j++) {
    double want = 0;
    for (int i = 0; i < k; i++) want += (double)x[r * k + i] * wf[j * k + i];
    num += (y[r * n + j] - want) * (y[r * n + j] - want);
    den += want * want;
  }
  const double bound = p->a_max < 255 || p->w_max < 127 ? 5e-4 : 2e-4; /* measured ~8.5e-5 and ~2.1e-4 */
  printf("   %s: int8 vs fp32 on Gaussian [64×768]·[96×768]ᵀ: NMSE %.2e (bound %.0e)\n", p->name, num / den, bound);
  CHECK(num / den <= bound, "%s: NMSE %g against fp32 > %g", p->name, num / den, bound);
  elma_q8_matrix_free(m);
  free(x); free(wf); free(y); free(w); free(ws); free(sx); free(zp); free(q);
}

int main(void) {
  elma_pool_set_threads(2);
  int ran = 0;
  for (int i = 0; i < elma_q8_path_count(); i++) {
    const elma_q8_path *p = elma_q8_path_at(i);
    if (!p->supported()) { printf("skip %s: not supported by this CPU\n", p->name); continue; }
    test_path_exact(p);
    test_epilogue(p);
    test_quantizers(p);
    test_against_fp32(p);
    ran++;
  }
  for (unsigned i = 0; i < sizeof emulated / sizeof emulated[0]; i++) {
    test_path_exact(&emulated[i]);
    test_epilogue(&emulated[i]);
  }
  printf("default path: %s\n", elma_q8_default_path()->name);
  CHECK(elma_q8_default_path()->supported(), "the default path runs here");
  CHECK(ran >= 1, "at least the portable path ran");
  if (failures == 0) printf("test_qgemm: all passed (%d paths on this CPU, %u emulated)\n", ran, (unsigned)(sizeof emulated / sizeof emulated[0]));
  return failures == 0 ? 0 : 1;
}
