/*
 * The int8 layer handle and the int8 C ABI (elma.h, docs/backends.md "int8") through the library
 * (ctest): on every int8 path this CPU runs,
 *  - the int8 layer against the double-precision fp32 layer (reference.h): NMSE ≤ 1e-3 on random
 *    weights, on odd lengths and padded batches;
 *  - a handle made from pre-quantized weights (elma_int8_quantize, fp32 matrices absent) gives
 *    bit for bit what a handle that quantizes the fp32 matrices itself gives;
 *  - elma_int8_linear against double arithmetic on its own int8 weights (relative 1e-2 of the
 *    largest output: the activations' quantization), and against fp32 (NMSE ≤ 2e-3);
 * and every bad argument is an error code with a message naming it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elma.h"
#include "reference.h"

static int failures = 0;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

static unsigned rng = 777;
static float frand(void) { rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5; return (float)rng / 4294967296.0f * 2 - 1; }
static float *rnd(size_t n, float scale) { float *p = malloc(n * sizeof *p); for (size_t i = 0; i < n; i++) p[i] = frand() * scale; return p; }

static double nmse(const float *got, const double *want, size_t n) {
  double num = 0, den = 0;
  for (size_t i = 0; i < n; i++) { num += (got[i] - want[i]) * (got[i] - want[i]); den += want[i] * want[i]; }
  return num / (den > 1e-30 ? den : 1e-30);
}

enum { H = 48, HEADS = 4, I = 80 };
static const int sizes[16] = {H * H, H, H * H, H, H * H, H, H * H, H, H, H, I * H, I, H * I, H, H, H};

static void test_layer_on_path(const char *path, float *lw[16]) {
  elma_layer_weights w = {lw[0], lw[1], lw[2], lw[3], lw[4], lw[5], lw[6], lw[7], lw[8], lw[9], lw[10], lw[11], lw[12], lw[13], lw[14], lw[15]};
  elma_layer_shape sh = {0, 0, H, HEADS, I, ELMA_ACT_GELU_TANH, 1e-12f};
  CHECK(elma_int8_set_path(path) == ELMA_OK, "set path %s: %s", path, elma_last_error());
  CHECK(strcmp(elma_int8_path(), path) == 0, "current path %s, not %s", elma_int8_path(), path);
  elma_layer_handle *h = elma_layer_create_int8(&w, NULL, &sh);
  CHECK(h != NULL, "create_int8 on %s: %s", path, elma_last_error());
  if (h == NULL) return;
  CHECK(strcmp(elma_layer_int8_path_of(h), path) == 0, "handle path %s", elma_layer_int8_path_of(h));
  /* The same weights handed over pre-quantized, without the fp32 matrices. */
  int8_t *q[6];
  float *qs[6];
  const int mat[6] = {0, 2, 4, 6, 10, 12}, outs[6] = {H, H, H, H, I, H};
  for (int m = 0; m < 6; m++) {
    q[m] = malloc((size_t)sizes[mat[m]]);
    qs[m] = malloc(sizeof(float) * outs[m]);
    CHECK(elma_int8_quantize(lw[mat[m]], outs[m], sizes[mat[m]] / outs[m], q[m], qs[m]) == ELMA_OK, "%s", elma_last_error());
  }
  elma_layer_int8_matrices qm = {q[0], q[1], q[2], q[3], q[4], q[5], qs[0], qs[1], qs[2], qs[3], qs[4], qs[5]};
  elma_layer_weights vec_only = w;
  vec_only.query_w = vec_only.key_w = vec_only.value_w = vec_only.dense_w = vec_only.ffn_w = vec_only.ffn_out_w = NULL;
  elma_layer_handle *h2 = elma_layer_create_int8(&vec_only, &qm, &sh);
  CHECK(h2 != NULL, "create_int8 from int8 matrices on %s: %s", path, elma_last_error());
  const int shapes[][2] = {{1, 1}, {1, 7}, {3, 77}, {1, 385}};
  double worst = 0;
  for (unsigned c = 0; c < sizeof shapes / sizeof shapes[0] && h2 != NULL; c++) {
    int B = shapes[c][0], S = shapes[c][1], R = B * S;
    float *x = rnd((size_t)R * H, 1), *got = malloc(sizeof(float) * R * H), *got2 = malloc(sizeof(float) * R * H);
    int32_t *mask = malloc(sizeof(int32_t) * R);
    for (int i = 0; i < R; i++) mask[i] = i / S == 0 || (i / S == 1 && i % S <= S / 2) || (i / S == 2 && i % S == 0);
    double *want = malloc(sizeof(double) * R * H);
    elma_layer_shape full = {B, S, H, HEADS, I, ELMA_ACT_GELU_TANH, 1e-12f};
    ref_layer(x, mask, &w, &full, want);
    memcpy(got, x, sizeof(float) * R * H);
    memcpy(got2, x, sizeof(float) * R * H);
    CHECK(elma_layer_run(h, got, mask, B, S) == ELMA_OK, "run %d×%d: %s", B, S, elma_last_error());
    CHECK(elma_layer_run(h2, got2, mask, B, S) == ELMA_OK, "run %d×%d: %s", B, S, elma_last_error());
    double e = nmse(got, want, (size_t)R * H);
    worst = e > worst ? e : worst;
    CHECK(e <= 1e-3, "%s int8 layer %d×%d: NMSE %g against fp32 > 1e-3", path, B, S, e);
    CHECK(memcmp(got, got2, sizeof(float) * R * H) == 0, "%s %d×%d: pre-quantized weights give another result", path, B, S);
    free(x); free(got); free(got2); free(mask); free(want);
  }
  printf("ok %s: int8 layer against fp32, worst NMSE %.2e (bound 1e-3); pre-quantized weights identical\n", path, worst);
  elma_layer_destroy(h);
  elma_layer_destroy(h2);

  /* elma_int8_linear: double arithmetic on the int8 weights, and fp32. */
  const int R = 13, K = 100, N = 37;
  float *x = rnd((size_t)R * K, 1), *wf = rnd((size_t)N * K, 0.1f), *b = rnd(N, 1), *y = malloc(sizeof(float) * R * N);
  int8_t *wq = malloc((size_t)N * K);
  float *wsc = malloc(sizeof(float) * N);
  double *want = malloc(sizeof(double) * R * N), *want32 = malloc(sizeof(double) * R * N);
  elma_int8_quantize(wf, N, K, wq, wsc);
  CHECK(elma_int8_linear(x, R, K, wq, wsc, b, N, ELMA_ACT_LINEAR, y) == ELMA_OK, "%s", elma_last_error());
  double big = 0, err = 0;
  for (int r = 0; r < R; r++) for (int j = 0; j < N; j++) {
    double s = b[j];
    for (int k = 0; k < K; k++) s += (double)x[r * K + k] * wq[j * K + k] * wsc[j];
    want[r * N + j] = s;
    big = fmax(big, fabs(s));
  }
  for (int i = 0; i < R * N; i++) err = fmax(err, fabs(y[i] - want[i]));
  CHECK(err <= 1e-2 * big, "%s elma_int8_linear: max |err| %g of %g against its int8 weights", path, err, big);
  ref_linear(x, R, K, wf, b, N, want32);
  CHECK(nmse(y, want32, (size_t)R * N) <= 2e-3, "%s elma_int8_linear: NMSE %g against fp32", path, nmse(y, want32, (size_t)R * N));
  for (int m = 0; m < 6; m++) { free(q[m]); free(qs[m]); }
  free(x); free(wf); free(b); free(y); free(wq); free(wsc); free(want); free(want32);
}

static void test_bad_arguments(float *lw[16]) {
  elma_layer_weights w = {lw[0], lw[1], lw[2], lw[3], lw[4], lw[5], lw[6], lw[7], lw[8], lw[9], lw[10], lw[11], lw[12], lw[13], lw[14], lw[15]};
  elma_layer_shape sh = {0, 0, H, HEADS, I, ELMA_ACT_GELU_TANH, 1e-12f};
  CHECK(elma_int8_set_path("mmx") == ELMA_EINVAL && strstr(elma_last_error(), "unknown int8 path \"mmx\"") != NULL, "unknown path: %s", elma_last_error());
  const char *all[] = {"avx512-vnni", "avx-vnni", "avx2", "neon-dot", "neon", "portable"};
  char runs[256];
  snprintf(runs, sizeof runs, " %s ", elma_int8_paths());
  for (int i = 0; i < 6; i++) {
    char key[32];
    snprintf(key, sizeof key, " %s ", all[i]);
    if (strstr(runs, key) != NULL) continue;
    int rc = elma_int8_set_path(all[i]);
    CHECK(rc != ELMA_OK && strstr(elma_last_error(), all[i]) != NULL, "a path this CPU lacks (%s) is refused: %s", all[i], elma_last_error());
  }
  CHECK(elma_int8_set_path(NULL) == ELMA_OK && elma_int8_set_path("") == ELMA_OK, "default path");
  int8_t *q[6];
  float *qs[6];
  const int mat[6] = {0, 2, 4, 6, 10, 12}, outs[6] = {H, H, H, H, I, H};
  for (int m = 0; m < 6; m++) {
    q[m] = calloc((size_t)sizes[mat[m]], 1);
    qs[m] = calloc((size_t)outs[m], sizeof(float));
  }
  elma_layer_int8_matrices qm = {q[0], q[1], q[2], q[3], q[4], q[5], qs[0], qs[1], qs[2], qs[3], qs[4], qs[5]};
  q[4][17] = -128;
  CHECK(elma_layer_create_int8(&w, &qm, &sh) == NULL && strstr(elma_last_error(), "ffn weight 17 is −128") != NULL, "−128: %s", elma_last_error());
  q[4][17] = 0;
  qs[2][3] = NAN;
  CHECK(elma_layer_create_int8(&w, &qm, &sh) == NULL && strstr(elma_last_error(), "value scale 3") != NULL, "NaN scale: %s", elma_last_error());
  qs[2][3] = -1;
  CHECK(elma_layer_create_int8(&w, &qm, &sh) == NULL && strstr(elma_last_error(), "value scale 3") != NULL, "negative scale: %s", elma_last_error());
  qs[2][3] = 0;
  qm.dense_w = NULL;
  CHECK(elma_layer_create_int8(&w, &qm, &sh) == NULL && strstr(elma_last_error(), "int8 dense") != NULL, "null int8: %s", elma_last_error());
  qm.dense_w = q[3];
  elma_layer_weights nob = w;
  nob.ffn_b = NULL;
  CHECK(elma_layer_create_int8(&nob, &qm, &sh) == NULL && strstr(elma_last_error(), "null") != NULL, "null bias: %s", elma_last_error());
  elma_layer_weights nomat = w;
  nomat.ffn_w = NULL;
  CHECK(elma_layer_create_int8(&nomat, NULL, &sh) == NULL && strstr(elma_last_error(), "weight 10") != NULL, "no fp32 matrix to quantize: %s", elma_last_error());
  elma_layer_shape bad = sh;
  bad.heads = 5;
  CHECK(elma_layer_create_int8(&w, NULL, &bad) == NULL && strstr(elma_last_error(), "heads 5") != NULL, "bad heads: %s", elma_last_error());
  CHECK(elma_layer_create_int8(NULL, NULL, &sh) == NULL && strstr(elma_last_error(), "null argument") != NULL, "null weights");
  elma_layer_handle *h = elma_layer_create_int8(&w, &qm, &sh);
  CHECK(h != NULL, "all-zero int8 matrices are valid: %s", elma_last_error());
  float x1[H] = {0};
  int32_t m1[1] = {1};
  CHECK(elma_layer_run(h, x1, m1, 1, 0) == ELMA_EINVAL, "seq 0");
  elma_layer_destroy(h);
  elma_layer_handle *f = elma_layer_create(&w, &sh);
  CHECK(f != NULL && strcmp(elma_layer_int8_path_of(f), "") == 0, "an fp32 handle has no int8 path");
  elma_layer_destroy(f);
  CHECK(strcmp(elma_layer_int8_path_of(NULL), "") == 0, "NULL handle");
  float y[4];
  int8_t w1[4] = {1, 2, -128, 4};
  float s1[1] = {1}, x4[4] = {1, 2, 3, 4};
  CHECK(elma_int8_linear(x4, 1, 4, w1, s1, NULL, 1, ELMA_ACT_LINEAR, y) == ELMA_EINVAL && strstr(elma_last_error(), "weight 2 is −128") != NULL, "linear −128: %s", elma_last_error());
  CHECK(elma_int8_linear(x4, 1, 0, w1, s1, NULL, 1, ELMA_ACT_LINEAR, y) == ELMA_EINVAL, "linear k 0");
  CHECK(elma_int8_linear(NULL, 1, 4, w1, s1, NULL, 1, ELMA_ACT_LINEAR, y) == ELMA_EINVAL, "linear null x");
  CHECK(elma_int8_quantize(x4, 0, 4, w1, s1) == ELMA_EINVAL && strstr(elma_last_error(), "elma_int8_quantize") != NULL, "quantize bad shape");
  for (int m = 0; m < 6; m++) { free(q[m]); free(qs[m]); }
}

int main(void) {
  elma_set_threads(3);
  float *lw[16];
  for (int i = 0; i < 16; i++) lw[i] = rnd((size_t)sizes[i], 0.3f);
  printf("int8 paths this CPU runs: %s (default %s)\n", elma_int8_paths(), elma_int8_path());
  char paths[256];
  snprintf(paths, sizeof paths, "%s", elma_int8_paths());
  for (char *p = strtok(paths, " "); p != NULL; p = strtok(NULL, " ")) test_layer_on_path(p, lw);
  elma_int8_set_path(NULL);
  test_bad_arguments(lw);
  for (int i = 0; i < 16; i++) free(lw[i]);
  printf("test_int8_layer: %s\n", failures == 0 ? "all passed" : "FAILED");
  return failures == 0 ? 0 : 1;
}
