/*
 * The bf16 GEMM's x86-64 path: AVX-512 BF16 (vdpbf16ps; Intel Cooper Lake and Sapphire Rapids
 * and later, AMD Zen 4 and later), compiled for its instruction set with __attribute__((target))
 * whatever the library's -march, and chosen at run time by __builtin_cpu_supports: one build holds
 * it, and a CPU without it runs the portable path (bgemm_portable.c).
 *
 * vdpbf16ps per fp32 lane: acc + a[2i]·b[2i] + a[2i+1]·b[2i+1], the products exact, the sums
 * rounded to nearest even, denormal inputs and results flushed to zero (Intel SDM Vol. 2C
 * "VDPBF16PS"). Two such instructions per cycle on a core with two 512-bit pipes make 64 bf16
 * multiply-adds a cycle, twice fp32 FMA's 32.
 */
#include <string.h>

#include "_bgemm.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

static inline int32_t load32(const void *p) {
  int32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

#define DOT2_ATTR __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
#define DOT2_NAME kernel_avx512bf16
#define DOT2_MR ELMA_BF16_AVX512_MR
#define DOT2_NV ELMA_BF16_AVX512_NV
#define DOT2_LANES 16
#define DOT2_V __m512
#define DOT2_B __m512bh
#define DOT2_ZERO() _mm512_setzero_ps()
#define DOT2_LOAD(p) ((__m512bh)_mm512_loadu_si512((const void *)(p)))
#define DOT2_BCAST(p) ((__m512bh)_mm512_set1_epi32(load32(p)))
#define DOT2_DOT(acc, a, b) _mm512_dpbf16_ps((acc), (a), (b))
#define DOT2_STORE(p, v) _mm512_storeu_ps((p), (v))
#include "_bgemm_dot2.h"

static int has_avx512bf16(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512bf16");
}

static const elma_b16_path avx512bf16 = {"avx512-bf16", ELMA_BF16_AVX512_MR, ELMA_BF16_AVX512_NV * 16, has_avx512bf16,
                                          kernel_avx512bf16};

const elma_b16_path *const elma_b16_x86_paths[] = {&avx512bf16, NULL};

#else
const elma_b16_path *const elma_b16_x86_paths[] = {NULL};
#endif
