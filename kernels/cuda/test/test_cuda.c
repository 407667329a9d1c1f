/* The CUDA library against the native CPU library (itself checked against plain loops by
   kernels/native/test): one layer in fp32 (NMSE ≤ 1e-7) and fp16 (NMSE ≤ 1e-3, docs/backends.md),
   12 steps through the CUDA graph, masks with padding. Exit 77 (skipped) without a GPU. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elma_cuda.h"

static unsigned rng = 99;
static float *rnd(size_t n, float s) { float *p = malloc(n * 4); for (size_t i = 0; i < n; i++) { rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5; p[i] = ((float)rng / 4294967296.0f * 2 - 1) * s; } return p; }
static double nmse(const float *a, const float *b, size_t n) { double x = 0, y = 0; for (size_t i = 0; i < n; i++) { x += (a[i] - b[i]) * (double)(a[i] - b[i]); y += (double)b[i] * b[i]; } return x / (y > 1e-30 ? y : 1e-30); }

int main(void) {
  if (elma_cuda_device_count() < 1) { printf("no CUDA device: skipped\n"); return 77; }
  printf("%s\n", elma_cuda_info());
  int B = 2, S = 77, H = 256, Hn = 4, I = 1024, R = B * S, fails = 0;
  int sizes[16] = {H * H, H, H * H, H, H * H, H, H * H, H, H, H, I * H, I, H * I, H, H, H};
  float *p[16];
  for (int i = 0; i < 16; i++) p[i] = rnd(sizes[i], i == 8 || i == 14 ? 0.1f : 0.2f);
  for (int i = 0; i < H; i++) { p[8][i] += 1; p[14][i] += 1; }
  elma_layer_weights w = {p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15]};
  elma_layer_shape s = {B, S, H, Hn, I, ELMA_ACT_GELU_TANH, 1e-12f};
  int32_t *mask = malloc(4 * R);
  for (int i = 0; i < R; i++) mask[i] = !(i >= S && i % S >= 60);
  float *x = rnd((size_t)R * H, 1), *want = malloc(4 * R * H), *got = malloc(4 * R * H);
  for (int steps = 1; steps <= 12; steps += 11) {
    memcpy(want, x, 4 * R * H);
    for (int st = 0; st < steps; st++) if (elma_layer(want, mask, &w, &s) != 0) { printf("native: %s\n", elma_last_error()); return 1; }
    for (int fp16 = 0; fp16 <= 1; fp16++) {
      elma_cuda_layer *L = elma_cuda_layer_create(&w, &s, fp16);
      if (L == NULL) { printf("create: %s\n", elma_cuda_last_error()); return 1; }
      memcpy(got, x, 4 * R * H);
      int rc = elma_cuda_layer_run(L, got, mask, B, S, steps);
      double e = nmse(got, want, (size_t)R * H), bound = fp16 ? 1e-3 : 1e-7;
      printf("%s layer × %d: rc %d nmse %.3g (bound %.0e)\n", fp16 ? "fp16" : "fp32", steps, rc, e, bound);
      if (rc != 0 || !(e <= bound)) { fails++; printf("FAIL %s\n", elma_cuda_last_error()); }
      elma_cuda_layer_destroy(L);
    }
  }
  float *q = rnd((size_t)R * H, 1), *k = rnd((size_t)R * H, 1), *v = rnd((size_t)R * H, 1), *o1 = malloc(4 * R * H), *o2 = malloc(4 * R * H);
  elma_attention(q, k, v, mask, B, S, Hn, H / Hn, o1);
  int rc = elma_cuda_attention(q, k, v, mask, B, S, Hn, H / Hn, o2);
  printf("attention: rc %d nmse %.3g\n", rc, nmse(o2, o1, (size_t)R * H));
  if (rc != 0 || nmse(o2, o1, (size_t)R * H) > 1e-7) fails++;
  elma_linear(x, R, H, p[10], p[11], I, ELMA_ACT_GELU_ERF, want);
  float *y = malloc(4 * (size_t)R * I);
  rc = elma_cuda_linear(x, R, H, p[10], p[11], I, ELMA_ACT_GELU_ERF, y);
  printf("linear+gelu: rc %d nmse %.3g\n", rc, nmse(y, want, (size_t)R * I));
  if (rc != 0 || nmse(y, want, (size_t)R * I) > 1e-7) fails++;
  printf("%d passed, %d failed\n", fails == 0, fails != 0);
  return fails == 0 ? 0 : 1;
}
