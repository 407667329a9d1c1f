/*
 * The int8 GEMM in plain C: the reference every path is checked against, and the portable path
 * that runs where no SIMD path does (an x86-64 CPU without AVX2, other architectures).
 *
 * The reference is deliberately the dumbest correct thing: triple loops on the unpacked [n, k]
 * weights, int32 sums, no panels, so it shares no code with what it checks (packing included).
 * With |a| ≤ 255 and |w| ≤ 127 the sums stay within int32 for k < 66,000 (the packer refuses
 * more), so "equal" means bit for bit.
 */
#include "_qgemm.h"

/* Never vectorised: GCC 12.2 at -O3 -march=native on a CPU with AVX-512 VNNI (a Zen 5) turns the
   signed × signed byte sum below into vpdpbusd (unsigned × signed) and gets it wrong (measured:
   [13×100]·[48×100]ᵀ of −128 × −127 summed 36 of the 100 products), so the authority would
   disagree with a correct kernel. Clang has no such attribute and needs none here. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-vectorize")))
#endif
void elma_q8_reference_s32(const uint8_t *q, int64_t lda, int rows, int k, int a_signed, const int8_t *w, int n,
                           int32_t *acc) {
  for (int r = 0; r < rows; r++) {
    for (int j = 0; j < n; j++) {
      int32_t s = 0;
      for (int i = 0; i < k; i++) {
        int32_t a = a_signed ? (int32_t)(int8_t)q[r * lda + i] : (int32_t)q[r * lda + i];
        s += a * (int32_t)w[(int64_t)j * k + i];
      }
      acc[(int64_t)r * n + j] = s;
    }
  }
}

/* The portable path: a 4 × 16 tile on the packed panels, 4-byte groups as the SIMD paths read
   them; GCC vectorises the inner loop where it can. */
enum { P_MR = 4, P_NR = 16 };

static void kernel_portable(const uint8_t *a, int64_t lda, int rows, const int8_t *panel, int kp, int32_t *c) {
  int32_t acc[P_MR][P_NR] = {{0}};
  for (int k = 0; k < kp; k += 4) {
    const int8_t *p = panel + (int64_t)k * P_NR;
    for (int i = 0; i < rows; i++) {
      const uint8_t *ar = a + i * lda + k;
      const int32_t a0 = ar[0], a1 = ar[1], a2 = ar[2], a3 = ar[3];
      for (int j = 0; j < P_NR; j++) acc[i][j] += a0 * p[4 * j] + a1 * p[4 * j + 1] + a2 * p[4 * j + 2] + a3 * p[4 * j + 3];
    }
  }
  for (int i = 0; i < rows; i++)
    for (int j = 0; j < P_NR; j++) c[i * P_NR + j] = acc[i][j];
}

static int always(void) { return 1; }

const elma_q8_path elma_q8_portable_path = {"portable", 255, 127, 0, P_MR, P_NR, always, kernel_portable};
