/*
 * Branch-free float exp, tanh and erf that GCC and Clang vectorise inside `#pragma omp simd`
 * loops (AVX2/AVX-512 on x86-64, NEON on the Jetson's ARMv8): libm's scalar expf/tanhf would
 * cost ~10 ns per element, i.e. ~12 ms for the 1.2 M GELUs of one layer at sequence 384.
 * Accuracy (checked against libm in kernels/native/test/test_native.c): a few ulp, far inside
 * the conformance bound (NMSE ≤ 1e-7).
 */
#ifndef ELMA_VMATH_H
#define ELMA_VMATH_H

#include <stdint.h>

/* exp(xc) for xc already clamped to [-87.34, 88.38]: Cody-Waite range reduction xc = n·ln2 + r,
   |r| ≤ ln2/2, then the Cephes expf polynomial (cephes/single/expf.c) and 2^n assembled in the
   exponent bits. The two entry points below differ only in their clamps. */
static inline float elma_exp_core(float xc) {
  /* floorf(v + 0.5) and a union (not roundf and memcpy): both vectorise (vroundps, a plain move). */
  float n = __builtin_floorf(xc * 1.44269504088896341f + 0.5f);
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  union { int32_t i; float f; } scale = {((int32_t)n + 127) << 23};
  return p * scale.f;
}

#define ELMA_EXP_LO (-87.3365447505531f)

/* exp(x) = 0 below -87.3 (where the result would be subnormal), which also makes exp(-inf)
   exactly 0; clamped above at 88.38 (FLT_MAX's log). */
static inline float elma_expf(float x) {
  const float hi = 88.3762626647949f;
  float xc = x > hi ? hi : x;
  xc = xc < ELMA_EXP_LO ? ELMA_EXP_LO : xc;
  float y = elma_exp_core(xc);
  return x < ELMA_EXP_LO ? 0.0f : y;
}

/* exp(x) for x ≤ 0, −inf and NaN (a softmax's x − max): the same bits as elma_expf there, without
   its upper clamp, whose comparisons and blends GCC keeps (no -ffast-math): 1.28 against 1.68
   cycles an element in the softmax's exp-and-sum loop on Zen 3 (issue 19). Every non-positive
   float, −inf and NaN were checked to give elma_expf's bits. */
static inline float elma_expf_nonpos(float x) {
  float xc = x < ELMA_EXP_LO ? ELMA_EXP_LO : x;
  float y = elma_exp_core(xc);
  return x < ELMA_EXP_LO ? 0.0f : y;
}

/* tanh(x) = sign(x)·(1 − 2 / (exp(2|x|) + 1)); absolute error ~1e-7 (relative error grows only
   where |tanh| ≪ 1, where GELU multiplies it by a small x anyway). */
static inline float elma_tanhf(float x) {
  float ax = x < 0 ? -x : x;
  float e = elma_expf(2.0f * (ax > 44.0f ? 44.0f : ax));
  float t = 1.0f - 2.0f / (e + 1.0f);
  return x < 0 ? -t : t;
}

/* erf(x): the rational approximation Eigen and XLA use for float (Eigen
   GenericPacketMathFunctions.h, generic_fast_erf_float), x clamped to [-4, 4] where erf = ±1 in float. */
static inline float elma_erff(float x) {
  float xc = x > 4.0f ? 4.0f : (x < -4.0f ? -4.0f : x);
  float x2 = xc * xc;
  float p = -2.72614225801306e-10f;
  p = p * x2 + 2.77068142495902e-08f;
  p = p * x2 + -2.10102402082508e-06f;
  p = p * x2 + -5.69250639462346e-05f;
  p = p * x2 + -7.34990630326855e-04f;
  p = p * x2 + -2.95459980854025e-03f;
  p = p * x2 + -1.60960333262415e-02f;
  p = p * xc;
  float q = -1.45660718464996e-05f;
  q = q * x2 + -2.13374055278905e-04f;
  q = q * x2 + -1.68282697438203e-03f;
  q = q * x2 + -7.37332916720468e-03f;
  q = q * x2 + -1.42647390514189e-02f;
  return p / q;
}

#endif
