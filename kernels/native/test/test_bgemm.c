/*
 * The bf16 GEMM (kernels/native/src/bgemm*.c) against its reference, without Node or BLAS (ctest):
 *
 *  - rounding fp32 → bf16: ties to even, carries into the exponent, overflow to infinity, NaN
 *    kept quiet, signed zeros, and every bf16 value back to fp32 and again unchanged;
 *  - every path this CPU runs, and the AVX-512 BF16 tile once more with its vector operations
 *    emulated in C (so its tile logic is checked on any CPU), on ragged shapes: each output within
 *    k · 2⁻²⁴ · Σ|a·w| of the products summed in double (the bound of recursive fp32 summation;
 *    the products themselves are exact), the largest error seen printed in units of that bound;
 *  - the whole linear (rounding, bias, activation) against fp32 on Gaussian data: relative error
 *    ≤ 1e-2 of the output's RMS, about what 8-bit mantissas give (measured value printed).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/_bgemm.h"
#include "../src/_pool.h"
#include "elma.h"

#define HARNESS_SEED 2026
#include "_no_blas_harness.h"
static float from_bits(uint32_t u) { float f; memcpy(&f, &u, sizeof f); return f; }

/* --- the AVX-512 BF16 tile with emulated vectors ----------------------------------------------- */

typedef struct { float v[16]; } emu_f;
typedef struct { uint16_t v[32]; } emu_b;
static emu_f emu_zero(void) { emu_f r; memset(&r, 0, sizeof r); return r; }
static emu_b emu_load(const uint16_t *p) { emu_b r; memcpy(r.v, p, sizeof r.v); return r; }
static emu_b emu_bcast(const uint16_t *p) { emu_b r; for (int l = 0; l < 16; l++) { r.v[2 * l] = p[0]; r.v[2 * l + 1] = p[1]; } return r; }
static void emu_store(float *p, emu_f v) { memcpy(p, v.v, sizeof v.v); }
static emu_f emu_dot(emu_f acc, emu_b a, emu_b b) {
  for (int l = 0; l < 16; l++)
    acc.v[l] += elma_b16_to_f32(a.v[2 * l]) * elma_b16_to_f32(b.v[2 * l]) + elma_b16_to_f32(a.v[2 * l + 1]) * elma_b16_to_f32(b.v[2 * l + 1]);
  return acc;
}

#define DOT2_ATTR
#define DOT2_NAME emu_avx512bf16
#define DOT2_MR ELMA_BF16_AVX512_MR
#define DOT2_NV ELMA_BF16_AVX512_NV
#define DOT2_LANES 16
#define DOT2_V emu_f
#define DOT2_B emu_b
#define DOT2_ZERO() emu_zero()
#define DOT2_LOAD(p) emu_load(p)
#define DOT2_BCAST(p) emu_bcast(p)
#define DOT2_DOT(acc, a, b) emu_dot((acc), (a), (b))
#define DOT2_STORE(p, v) emu_store((p), (v))
#include "../src/_bgemm_dot2.h"

static int yes(void) { return 1; }
static const elma_b16_path emulated = {"avx512-bf16 (emulated)", ELMA_BF16_AVX512_MR, ELMA_BF16_AVX512_NV * 16, yes, emu_avx512bf16};

/* --- rounding -------------------------------------------------------------------------------- */

static void test_rounding(void) {
  const struct { uint32_t in; uint16_t want; const char *what; } cases[] = {
    {0x3f800000u, 0x3f80, "1 exact"},
    {0x3f808000u, 0x3f80, "a tie rounds to even (down)"},
    {0x3f818000u, 0x3f82, "a tie rounds to even (up)"},
    {0x3f808001u, 0x3f81, "past the tie rounds up"},
    {0x3f807fffu, 0x3f80, "short of the tie rounds down"},
    {0x3fff8000u, 0x4000, "a carry into the exponent"},
    {0x7f7fffffu, 0x7f80, "the largest float rounds to infinity"},
    {0x7f800000u, 0x7f80, "infinity"},
    {0xff800000u, 0xff80, "minus infinity"},
    {0x80000000u, 0x8000, "minus zero"},
    {0x00000001u, 0x0000, "the smallest denormal rounds to zero"},
  };
  for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const uint16_t got = elma_b16_round(from_bits(cases[i].in));
    CHECK(got == cases[i].want, "round %08x (%s): got %04x, want %04x", cases[i].in, cases[i].what, got, cases[i].want);
  }
  /* A NaN whose payload sits in the low half only must not become infinity. */
  const uint16_t nan = elma_b16_round(from_bits(0x7f800001u));
  CHECK((nan & 0x7f80) == 0x7f80 && (nan & 0x7f) != 0, "a low-payload NaN rounds to %04x, not a NaN", nan);
  CHECK(isnan(elma_b16_to_f32(elma_b16_round(NAN))), "NaN");
  int bad = 0;
  for (uint32_t h = 0; h < 0x10000u; h++) {
    const float f = elma_b16_to_f32((uint16_t)h);
    if (!isnan(f) && elma_b16_round(f) != h) bad++;
  }
  CHECK(bad == 0, "%d bf16 values do not survive fp32 and back", bad);
  printf("ok rounding: %u cases, NaN, every bf16 value round trip\n", (unsigned)(sizeof cases / sizeof cases[0]));
}

/* --- each path against the double reference -------------------------------------------------- */

static double check_shape(const elma_b16_path *p, int rows, int k, int n) {
  const int kp = (k + 1) / 2 * 2;
  float *w = malloc(sizeof(float) * (size_t)n * k);
  uint16_t *wb = malloc(sizeof(uint16_t) * (size_t)n * k), *a = calloc((size_t)rows * kp, sizeof(uint16_t));
  float *got = malloc(sizeof(float) * (size_t)rows * n);
  double *want = malloc(sizeof(double) * (size_t)rows * n), *mag = malloc(sizeof(double) * (size_t)rows * n);
  for (int i = 0; i < n * k; i++) { w[i] = gauss() * (1 + (i % 7)); wb[i] = elma_b16_round(w[i]); }
  for (int r = 0; r < rows; r++)
    for (int i = 0; i < k; i++) a[(size_t)r * kp + i] = elma_b16_round(gauss() * 3);
  elma_b16_matrix *m = elma_b16_matrix_pack(p, w, n, k);
  double worst = 0;
  CHECK(m != NULL, "pack");
  if (m != NULL) {
    elma_b16_linear(m, a, rows, NULL, ELMA_ACT_LINEAR, got, n, 2);
    elma_b16_reference(a, kp, rows, k, wb, n, want, mag);
    const double u = ldexp(1.0, -24);
    int bad = 0;
    for (int i = 0; i < rows * n; i++) {
      const double bound = k * u * mag[i], err = fabs((double)got[i] - want[i]);
      if (err > bound) bad++;
      if (bound > 0 && err / bound > worst) worst = err / bound;
    }
    CHECK(bad == 0, "%s [%d×%d]·[%d×%d]ᵀ: %d outputs outside k·2⁻²⁴·Σ|a·w|", p->name, rows, k, n, k, bad);
  }
  elma_b16_matrix_free(m);
  free(w); free(wb); free(a); free(got); free(want); free(mag);
  return worst;
}

static void test_path(const elma_b16_path *p) {
  if (!p->supported()) {
    printf("skip %s: this CPU does not run it\n", p->name);
    return;
  }
  const int shapes[][3] = {{1, 1, 1}, {1, 2, 16}, {3, 5, 7}, {5, 13, 17}, {7, 64, 33}, {13, 100, 48}, {9, 16, 64},
                           {8, 24, 32}, {17, 201, 65}, {64, 768, 100}, {9, 3072, 40}};
  double worst = 0;
  for (unsigned s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
    const double w = check_shape(p, shapes[s][0], shapes[s][1], shapes[s][2]);
    worst = w > worst ? w : worst;
  }
  printf("ok %s: within the fp32 summation bound (%u shapes; largest error %.3f of the bound)\n", p->name,
         (unsigned)(sizeof shapes / sizeof shapes[0]), worst);
}

/* --- the linear against fp32 ------------------------------------------------------------------ */

static void test_linear(const elma_b16_path *p) {
  if (!p->supported()) return;
  const int rows = 37, k = 768, n = 96;
  float *x = malloc(sizeof(float) * rows * k), *w = malloc(sizeof(float) * n * k), *b = malloc(sizeof(float) * n);
  float *y = malloc(sizeof(float) * rows * n);
  uint16_t *a = malloc(sizeof(uint16_t) * rows * k);
  for (int i = 0; i < rows * k; i++) x[i] = gauss();
  for (int i = 0; i < n * k; i++) w[i] = gauss() * 0.05f;
  for (int i = 0; i < n; i++) b[i] = frand();
  elma_b16_matrix *m = elma_b16_matrix_pack(p, w, n, k);
  for (int act = 0; act < 2; act++) {
    const int code = act ? ELMA_ACT_GELU_TANH : ELMA_ACT_LINEAR;
    elma_b16_convert_rows(x, rows, k, k, a, m->kp);
    elma_b16_linear(m, a, rows, b, code, y, n, 2);
    double se = 0, sy = 0;
    for (int r = 0; r < rows; r++)
      for (int j = 0; j < n; j++) {
        double v = b[j];
        for (int i = 0; i < k; i++) v += (double)x[r * k + i] * w[j * k + i];
        if (act) v = 0.5 * v * (1 + tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
        se += (y[r * n + j] - v) * (y[r * n + j] - v);
        sy += v * v;
      }
    const double rel = sqrt(se / sy);
    CHECK(rel <= 1e-2, "%s linear (act %d) against fp32: relative RMS error %.2e", p->name, code, rel);
    printf("   %s linear (act %d) against fp32 on Gaussian [%d×%d]·[%d×%d]ᵀ: relative RMS error %.2e (bound 1e-2)\n", p->name,
           code, rows, k, n, k, rel);
  }
  elma_b16_matrix_free(m);
  free(x); free(w); free(b); free(y); free(a);
}

int main(void) {
  test_rounding();
  int ran = 0;
  for (int i = 0; i < elma_b16_path_count(); i++) {
    ran += elma_b16_path_at(i)->supported();
    test_path(elma_b16_path_at(i));
    test_linear(elma_b16_path_at(i));
  }
  test_path(&emulated);
  printf("default path: %s\n", elma_b16_default_path()->name);
  if (failures > 0) printf("%d FAILED\n", failures);
  else printf("test_bgemm: all passed (%d paths on this CPU, 1 emulated)\n", ran);
  return failures > 0;
}
