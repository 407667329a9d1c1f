/* The CUDA library against plain double-precision loops (kernels/native/test/reference.h, so a
   GPU server needs no BLAS): one layer in fp32 (NMSE ≤ 1e-7) and fp16 (NMSE ≤ 1e-3,
   docs/backends.md), 12 steps through the CUDA graph, masks with padding, the single ops, and bad
   arguments answered with an error code. Exit 77 (skipped) without a GPU. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elma_cuda.h"
#include "reference.h"

static unsigned rng = 99;
static float *rnd(size_t n, float s) { float *p = malloc(n * 4); for (size_t i = 0; i < n; i++) { rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5; p[i] = ((float)rng / 4294967296.0f * 2 - 1) * s; } return p; }
static double nmse(const float *a, const double *b, size_t n) { double x = 0, y = 0; for (size_t i = 0; i < n; i++) { x += (a[i] - b[i]) * (a[i] - b[i]); y += b[i] * b[i]; } return x / (y > 1e-30 ? y : 1e-30); }
static int fails = 0;
static void check(int ok, const char *what, double e) { printf("%-28s nmse %.3g %s\n", what, e, ok ? "ok" : "FAIL"); if (!ok) { fails++; printf("  last error: %s\n", elma_cuda_last_error()); } }

int main(void) {
  if (elma_cuda_device_count() < 1) { printf("no CUDA device: skipped\n"); return 77; }
  printf("%s\n", elma_cuda_info());
  int B = 2, S = 77, H = 256, Hn = 4, I = 1024, R = B * S;
  int sizes[16] = {H * H, H, H * H, H, H * H, H, H * H, H, H, H, I * H, I, H * I, H, H, H};
  float *p[16];
  for (int i = 0; i < 16; i++) p[i] = rnd(sizes[i], i == 8 || i == 14 ? 0.1f : 0.2f);
  for (int i = 0; i < H; i++) { p[8][i] += 1; p[14][i] += 1; }
  elma_layer_weights w = {p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15]};
  elma_layer_shape s = {B, S, H, Hn, I, ELMA_ACT_GELU_TANH, 1e-12f};
  int32_t *mask = malloc(4 * R);
  for (int i = 0; i < R; i++) mask[i] = !(i >= S && i % S >= 60); /* the second row has 17 padding keys */
  float *x = rnd((size_t)R * H, 1), *cur = malloc(4 * R * H), *got = malloc(4 * R * H);
  double *want = malloc(sizeof(double) * R * H);
  /* The reference of `steps` layers: each step in double, rounded to float between steps as the
     GPU's fp32 path stores it. */
  memcpy(cur, x, 4 * R * H);
  for (int steps = 1; steps <= 12; steps++) {
    ref_layer(cur, mask, &w, &s, want);
    for (int i = 0; i < R * H; i++) cur[i] = (float)want[i];
    if (steps != 1 && steps != 12) continue;
    for (int fp16 = 0; fp16 <= 1; fp16++) {
      elma_cuda_layer *L = elma_cuda_layer_create(&w, &s, fp16);
      if (L == NULL) { printf("create: %s\n", elma_cuda_last_error()); return 1; }
      memcpy(got, x, 4 * R * H);
      int rc = elma_cuda_layer_run(L, got, mask, B, S, steps);
      double e = nmse(got, want, (size_t)R * H), bound = fp16 ? 1e-3 : 1e-7;
      char what[64];
      snprintf(what, sizeof what, "%s layer x %d (rc %d)", fp16 ? "fp16" : "fp32", steps, rc);
      check(rc == 0 && e <= bound, what, e);
      /* A replay of the captured graph gives the same answer. */
      memcpy(got, x, 4 * R * H);
      rc = elma_cuda_layer_run(L, got, mask, B, S, steps);
      check(rc == 0 && nmse(got, want, (size_t)R * H) <= bound, "  graph replay", nmse(got, want, (size_t)R * H));
      elma_cuda_layer_destroy(L);
    }
  }
  /* Single ops. */
  double *dq = malloc(sizeof(double) * R * H), *dk = malloc(sizeof(double) * R * H), *dv = malloc(sizeof(double) * R * H);
  float *q = rnd((size_t)R * H, 1), *k = rnd((size_t)R * H, 1), *v = rnd((size_t)R * H, 1), *o = malloc(4 * R * H);
  for (int i = 0; i < R * H; i++) { dq[i] = q[i]; dk[i] = k[i]; dv[i] = v[i]; }
  ref_attention(dq, dk, dv, mask, B, S, Hn, H / Hn, want);
  int rc = elma_cuda_attention(q, k, v, mask, B, S, Hn, H / Hn, o);
  check(rc == 0 && nmse(o, want, (size_t)R * H) <= 1e-7, "attention", nmse(o, want, (size_t)R * H));
  double *lin = malloc(sizeof(double) * R * I);
  float *y = malloc(4 * (size_t)R * I);
  ref_linear(x, R, H, p[10], p[11], I, lin);
  rc = elma_cuda_linear(x, R, H, p[10], p[11], I, ELMA_ACT_LINEAR, y);
  check(rc == 0 && nmse(y, lin, (size_t)R * I) <= 1e-7, "linear", nmse(y, lin, (size_t)R * I));
  /* Bad arguments: an error code and a message, never a crash. */
  elma_layer_shape bad = s;
  bad.heads = 5;
  int refused = elma_cuda_layer_create(&w, &bad, 0) == NULL && strstr(elma_cuda_last_error(), "shape") != NULL;
  refused &= elma_cuda_linear(NULL, R, H, p[10], p[11], I, 0, y) == ELMA_EINVAL;
  refused &= elma_cuda_layer_run(NULL, x, mask, B, S, 1) == ELMA_EINVAL;
  check(refused, "bad arguments refused", 0);
  printf("%s\n", fails == 0 ? "all passed" : "FAILED");
  return fails == 0 ? 0 : 1;
}
