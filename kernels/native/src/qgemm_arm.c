/*
 * The int8 GEMM's AArch64 paths: NEON with the dot-product extension (sdot, ARMv8.2-A's optional
 * FEAT_DotProd: Xavier's Carmel, Orin's Cortex-A78AE) and plain NEON (ARMv8.0-A: the Jetson TX2's
 * Cortex-A57 and Denver2 have no sdot). The library is built for armv8-a (build/cmake/
 * aarch64-linux-gnu.cmake); the sdot path is compiled with __attribute__((target)) and chosen at
 * run time when AT_HWCAP has HWCAP_ASIMDDP (Linux; hw.optional.arm.FEAT_DotProd on macOS).
 *
 * Both multiply signed by signed, so they read the activations as q − 128 (a_signed, _qgemm.h).
 * Plain NEON: smull/smlal form int16 products of two k-steps in one lane, |a·w + a'·w'| ≤
 * 2 · 128 · 127 = 32512 < 32768 (exact for the full ranges), and sadalp adds adjacent int16
 * lanes into the int32 accumulators.
 */
#include <string.h>

#include "_qgemm.h"

#if defined(__aarch64__)
#include <arm_neon.h>
#if defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1UL << 20) /* linux/arch/arm64/include/uapi/asm/hwcap.h */
#endif
#elif defined(__APPLE__)
#include <sys/sysctl.h>
#endif

static inline int32_t load32(const void *p) {
  int32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

/* --- plain NEON: 4 rows × 8 columns, 8 k per step ---------------------------------------------- */

enum { NEON_MR = 4, NEON_NR = 8 };

static void kernel_neon(const uint8_t *a, int64_t lda, int rows, const int8_t *panel, int kp, int32_t *c) {
  const uint8_t *ar[NEON_MR];
  for (int i = 0; i < NEON_MR; i++) ar[i] = a + (int64_t)(i < rows ? i : rows - 1) * lda;
  /* acc[i][h]: h = 0, 1 columns 0–3 (0–1 and 2–3, each column's k pairs in adjacent lanes),
     h = 2, 3 columns 4–7; pairwise-added into columns at the end. */
  int32x4_t acc[NEON_MR][4];
#pragma GCC unroll 4
  for (int i = 0; i < NEON_MR; i++) acc[i][0] = acc[i][1] = acc[i][2] = acc[i][3] = vdupq_n_s32(0);
  for (int k = 0; k < kp; k += 8) {
    /* Panel bytes [k/4][8][4]: columns 0–3 then 4–7 of k..k+3, then the same of k+4..k+7. */
    const int8_t *p = panel + (int64_t)k * NEON_NR;
    const int8x16_t b00 = vld1q_s8(p), b01 = vld1q_s8(p + 16), b10 = vld1q_s8(p + 32), b11 = vld1q_s8(p + 48);
#pragma GCC unroll 4
    for (int i = 0; i < NEON_MR; i++) {
      const int8x16_t a0 = vreinterpretq_s8_s32(vdupq_n_s32(load32(ar[i] + k)));
      const int8x16_t a1 = vreinterpretq_s8_s32(vdupq_n_s32(load32(ar[i] + k + 4)));
      int16x8_t lo = vmull_s8(vget_low_s8(a0), vget_low_s8(b00));
      int16x8_t hi = vmull_high_s8(a0, b00);
      lo = vmlal_s8(lo, vget_low_s8(a1), vget_low_s8(b10));
      hi = vmlal_high_s8(hi, a1, b10);
      acc[i][0] = vpadalq_s16(acc[i][0], lo);
      acc[i][1] = vpadalq_s16(acc[i][1], hi);
      lo = vmull_s8(vget_low_s8(a0), vget_low_s8(b01));
      hi = vmull_high_s8(a0, b01);
      lo = vmlal_s8(lo, vget_low_s8(a1), vget_low_s8(b11));
      hi = vmlal_high_s8(hi, a1, b11);
      acc[i][2] = vpadalq_s16(acc[i][2], lo);
      acc[i][3] = vpadalq_s16(acc[i][3], hi);
    }
  }
#pragma GCC unroll 4
  for (int i = 0; i < NEON_MR; i++) {
    if (i >= rows) break;
    vst1q_s32(c + i * NEON_NR, vpaddq_s32(acc[i][0], acc[i][1]));
    vst1q_s32(c + i * NEON_NR + 4, vpaddq_s32(acc[i][2], acc[i][3]));
  }
}

/* --- NEON dotprod (sdot) ----------------------------------------------------------------------- */

#define DOT4_NAME kernel_neondot
#define DOT4_ATTR __attribute__((target("arch=armv8.2-a+dotprod")))
#define DOT4_MR ELMA_Q8_NEONDOT_MR
#define DOT4_NV ELMA_Q8_NEONDOT_NV
#define DOT4_LANES 4
#define DOT4_V int32x4_t
#define DOT4_ZERO() vdupq_n_s32(0)
#define DOT4_LOAD(p) vreinterpretq_s32_s8(vld1q_s8(p))
#define DOT4_BCAST(p) vdupq_n_s32(load32(p))
#define DOT4_DOT(acc, a, b) vdotq_s32((acc), vreinterpretq_s8_s32(a), vreinterpretq_s8_s32(b))
#define DOT4_STORE(p, v) vst1q_s32((p), (v))
#include "_qgemm_dot4.h"

static int has_neon(void) { return 1; } /* Advanced SIMD is part of every AArch64 Linux/macOS CPU */

static int has_dotprod(void) {
#if defined(__linux__)
  return (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
#elif defined(__APPLE__)
  int v = 0;
  size_t n = sizeof v;
  return sysctlbyname("hw.optional.arm.FEAT_DotProd", &v, &n, NULL, 0) == 0 && v != 0;
#else
  return 0;
#endif
}

static const elma_q8_path neondot = {"neon-dot", 255, 127, 1, ELMA_Q8_NEONDOT_MR, ELMA_Q8_NEONDOT_NV * 4, has_dotprod,
                                     kernel_neondot};
static const elma_q8_path neon = {"neon", 255, 127, 1, NEON_MR, NEON_NR, has_neon, kernel_neon};

const elma_q8_path *const elma_q8_arm_paths[] = {&neondot, &neon, NULL};

#else
const elma_q8_path *const elma_q8_arm_paths[] = {NULL};
#endif
