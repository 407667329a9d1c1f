/*
 * The bf16 GEMM in plain C: the reference every path is checked against (products summed in
 * double, on the unpacked weights: it shares no code with what it checks), and the portable path
 * that runs where no bf16 instructions do (the same products, fp32 sums in k order).
 */
#include "_bgemm.h"

void elma_b16_reference(const uint16_t *a, int64_t lda, int rows, int k, const uint16_t *w, int n, double *acc,
                         double *abs_sum) {
  for (int r = 0; r < rows; r++)
    for (int j = 0; j < n; j++) {
      double s = 0, m = 0;
      for (int i = 0; i < k; i++) {
        const double p = (double)elma_b16_to_f32(a[r * lda + i]) * (double)elma_b16_to_f32(w[(int64_t)j * k + i]);
        s += p;
        m += p < 0 ? -p : p;
      }
      if (acc != NULL) acc[(int64_t)r * n + j] = s;
      if (abs_sum != NULL) abs_sum[(int64_t)r * n + j] = m;
    }
}

enum { P_MR = 4, P_NR = 16 };

static void kernel_portable(const uint16_t *a, int64_t lda, int rows, const uint16_t *panel, int kp, float *c) {
  float acc[P_MR][P_NR] = {{0}};
  for (int k = 0; k < kp; k += 2) {
    const uint16_t *p = panel + (int64_t)k * P_NR;
    for (int i = 0; i < rows; i++) {
      const float a0 = elma_b16_to_f32(a[i * lda + k]), a1 = elma_b16_to_f32(a[i * lda + k + 1]);
      for (int j = 0; j < P_NR; j++) acc[i][j] += a0 * elma_b16_to_f32(p[2 * j]) + a1 * elma_b16_to_f32(p[2 * j + 1]);
    }
  }
  for (int i = 0; i < rows; i++)
    for (int j = 0; j < P_NR; j++) c[i * P_NR + j] = acc[i][j];
}

static int always(void) { return 1; }

const elma_b16_path elma_b16_portable_path = {"portable", P_MR, P_NR, always, kernel_portable};
