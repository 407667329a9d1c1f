/*
 * The int8 GEMM's x86-64 paths, fastest first: AVX-512 VNNI, AVX-VNNI, AVX2. Each is compiled for
 * its instruction set with __attribute__((target)), whatever the library's -march, and chosen at
 * run time by __builtin_cpu_supports: one build (generic or -march=native) holds every path.
 *
 * VNNI (vpdpbusd, Intel SDM Vol. 2C "VPDPBUSD"): per 32-bit lane, four u8 × s8 products added to
 * the int32 accumulator without intermediate saturation, so these paths take the full ranges,
 * activations u8 [0, 255] and weights [−127, 127], exactly.
 *
 * AVX2 has no such instruction. vpmaddubsw multiplies u8 by s8 and adds adjacent pairs into int16
 * *with saturation*; vpmaddwd by ones then widens the pairs into the int32 lanes. For the result to
 * be exact, a pair must stay ≤ 32767: 2 · a_max · w_max ≤ 32767, so this path quantizes the
 * activations to 7 bits (u8 in [0, 127]; 2 · 127 · 127 = 32258) and keeps 8-bit weights.
 * Measured on the default model (docs/backends.md, "int8"): 7-bit activations cost no F1 there,
 * 7-bit weights cost ~1 point. Adding two vpmaddubsw results before widening (a third fewer
 * multiply-port instructions: 50 vs 38 MACs per cycle in an L1-resident tile on Zen 3) would need
 * 4 · a_max · w_max ≤ 32767, i.e. 7-bit weights or 6-bit activations: both measured below the
 * issue's 0.5 F1, so not done.
 */
#include <string.h>

#include "_qgemm.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

static inline int32_t load32(const void *p) {
  int32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

/* --- AVX2: 6 rows × 16 columns, 4 k per step ------------------------------------------------- */

enum { AVX2_MR = 6, AVX2_NR = 16 };

__attribute__((target("avx2"))) static void kernel_avx2(const uint8_t *a, int64_t lda, int rows, const int8_t *panel,
                                                        int kp, int32_t *c) {
  const uint8_t *ar[AVX2_MR];
  for (int i = 0; i < AVX2_MR; i++) ar[i] = a + (int64_t)(i < rows ? i : rows - 1) * lda;
  __m256i acc[AVX2_MR][2];
#pragma GCC unroll 8
  for (int i = 0; i < AVX2_MR; i++) acc[i][0] = acc[i][1] = _mm256_setzero_si256();
  const __m256i ones = _mm256_set1_epi16(1);
  for (int k = 0; k < kp; k += 4) {
    /* Panel bytes [k/4][16][4]: columns 0–7 then 8–15 of k..k+3. */
    const int8_t *p = panel + (int64_t)k * AVX2_NR;
    const __m256i b0 = _mm256_loadu_si256((const __m256i *)p), b1 = _mm256_loadu_si256((const __m256i *)(p + 32));
#pragma GCC unroll 8
    for (int i = 0; i < AVX2_MR; i++) {
      const __m256i a0 = _mm256_set1_epi32(load32(ar[i] + k));
      /* Each int16 lane: a·w + a'·w', |·| ≤ 2 · 127 · 127 = 32258: no saturation. */
      acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(_mm256_maddubs_epi16(a0, b0), ones));
      acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(_mm256_maddubs_epi16(a0, b1), ones));
    }
  }
#pragma GCC unroll 8
  for (int i = 0; i < AVX2_MR; i++) {
    if (i >= rows) break;
    _mm256_storeu_si256((__m256i *)(c + i * AVX2_NR), acc[i][0]);
    _mm256_storeu_si256((__m256i *)(c + i * AVX2_NR + 8), acc[i][1]);
  }
}

/* --- AVX-VNNI (VEX vpdpbusd on ymm) ------------------------------------------------------------ */

#define DOT4_NAME kernel_avxvnni
#define DOT4_ATTR __attribute__((target("avx2,avxvnni")))
#define DOT4_MR ELMA_Q8_AVXVNNI_MR
#define DOT4_NV ELMA_Q8_AVXVNNI_NV
#define DOT4_LANES 8
#define DOT4_V __m256i
#define DOT4_ZERO() _mm256_setzero_si256()
#define DOT4_LOAD(p) _mm256_loadu_si256((const __m256i *)(p))
#define DOT4_BCAST(p) _mm256_set1_epi32(load32(p))
#define DOT4_DOT(acc, a, b) _mm256_dpbusd_avx_epi32((acc), (a), (b))
#define DOT4_STORE(p, v) _mm256_storeu_si256((__m256i *)(p), (v))
#include "_qgemm_dot4.h"

/* --- AVX-512 VNNI (EVEX vpdpbusd on zmm) ------------------------------------------------------- */

#define DOT4_NAME kernel_avx512vnni
#define DOT4_ATTR __attribute__((target("avx512f,avx512bw,avx512vnni")))
#define DOT4_MR ELMA_Q8_AVX512VNNI_MR
#define DOT4_NV ELMA_Q8_AVX512VNNI_NV
#define DOT4_LANES 16
#define DOT4_V __m512i
#define DOT4_ZERO() _mm512_setzero_si512()
#define DOT4_LOAD(p) _mm512_loadu_si512((const void *)(p))
#define DOT4_BCAST(p) _mm512_set1_epi32(load32(p))
#define DOT4_DOT(acc, a, b) _mm512_dpbusd_epi32((acc), (a), (b))
#define DOT4_STORE(p, v) _mm512_storeu_si512((void *)(p), (v))
#include "_qgemm_dot4.h"

/* __builtin_cpu_supports reads CPUID once (and, for AVX-512, that the OS saves the zmm state). */
static int has_avx2(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2");
}
static int has_avxvnni(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("avxvnni");
}
static int has_avx512vnni(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vnni");
}

static const elma_q8_path avx512vnni = {"avx512-vnni", 255, 127, 0, ELMA_Q8_AVX512VNNI_MR, ELMA_Q8_AVX512VNNI_NV * 16,
                                        has_avx512vnni, kernel_avx512vnni};
static const elma_q8_path avxvnni = {"avx-vnni", 255, 127, 0, ELMA_Q8_AVXVNNI_MR, ELMA_Q8_AVXVNNI_NV * 8, has_avxvnni,
                                     kernel_avxvnni};
static const elma_q8_path avx2 = {"avx2", 127, 127, 0, AVX2_MR, AVX2_NR, has_avx2, kernel_avx2};

const elma_q8_path *const elma_q8_x86_paths[] = {&avx512vnni, &avxvnni, &avx2, NULL};

#else
const elma_q8_path *const elma_q8_x86_paths[] = {NULL};
#endif
