/*
 * The native kernels against plain double-precision loops, without Node (ctest): the same
 * checks as test/kernels/conformance.test.ts, so a machine with only CMake and a compiler can
 * tell whether the library it built is right. NMSE ≤ 1e-7 as there; math functions to 1e-6.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elma.h"
#include "reference.h"
#include "../src/_vmath.h"

static int failures = 0;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

static unsigned rng = 12345;
static float frand(void) { rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5; return (float)rng / 4294967296.0f * 2 - 1; }
static float *rnd(size_t n, float scale) { float *p = malloc(n * sizeof *p); for (size_t i = 0; i < n; i++) p[i] = frand() * scale; return p; }

static double nmse(const float *got, const double *want, size_t n) {
  double num = 0, den = 0;
  for (size_t i = 0; i < n; i++) { num += (got[i] - want[i]) * (got[i] - want[i]); den += want[i] * want[i]; }
  return num / (den > 1e-30 ? den : 1e-30);
}

static double gelu_tanh(double x) { return 0.5 * x * (1 + tanh(sqrt(2 / M_PI) * (x + 0.044715 * x * x * x))); }

static void test_math(void) {
  float *x = rnd(4001, 12);
  x[0] = 0; x[1] = -30; x[2] = 30; x[3] = 1e-6f;
  float *y = malloc(4001 * sizeof *y);
  double *want = malloc(4001 * sizeof *want);
  struct { int act; double (*f)(double); const char *name; } cases[] = {
    {ELMA_ACT_TANH, tanh, "tanh"}, {ELMA_ACT_GELU_TANH, gelu_tanh, "gelu_tanh"},
  };
  for (unsigned c = 0; c < 2; c++) {
    memcpy(y, x, 4001 * sizeof *y);
    CHECK(elma_activation_inplace(cases[c].act, y, 4001) == ELMA_OK, "%s", elma_last_error());
    double worst = 0;
    for (int i = 0; i < 4001; i++) { double d = fabs(y[i] - cases[c].f(x[i])); if (d > worst) worst = d; }
    CHECK(worst < 2e-6, "%s: max |err| %g", cases[c].name, worst);
  }
  memcpy(y, x, 4001 * sizeof *y);
  elma_activation_inplace(ELMA_ACT_GELU_ERF, y, 4001);
  double worst = 0;
  for (int i = 0; i < 4001; i++) { double d = fabs(y[i] - 0.5 * x[i] * (1 + erf(x[i] / sqrt(2.0)))); if (d > worst) worst = d; }
  CHECK(worst < 2e-6, "gelu (erf): max |err| %g", worst);
  memcpy(y, x, 4001 * sizeof *y);
  elma_activation_inplace(ELMA_ACT_SIGMOID, y, 4001);
  worst = 0;
  for (int i = 0; i < 4001; i++) { double d = fabs(y[i] - 1 / (1 + exp(-x[i]))); if (d > worst) worst = d; }
  CHECK(worst < 1e-6, "sigmoid: max |err| %g", worst);
  free(x); free(y); free(want);
}

/* The inline exp of the kernels (src/_vmath.h): within 2 float ulps of libm's over its range, 0 below
   it; and the softmax's variant for x ≤ 0 gives elma_expf's very bits on every non-positive float
   sampled (one bit pattern in 97, both ends and −inf) and on NaN. */
static void test_exp(void) {
  double worst = 0;
  for (float x = -87.0f; x <= 88.0f; x += 0.0137f) {
    double want = exp((double)x), d = fabs(elma_expf(x) - want) / want;
    if (d > worst) worst = d;
  }
  CHECK(worst < 2.4e-7, "elma_expf: max relative error %g", worst);
  CHECK(elma_expf(-90.0f) == 0.0f && elma_expf(-INFINITY) == 0.0f, "elma_expf below its range is 0");
  unsigned mismatches = 0;
  union { uint32_t u; float f; } a, b;
  for (uint64_t bits = 0x80000000u; bits <= 0xFF800000u; bits += (bits >= 0xFF800000u - 97u ? 1u : 97u)) {
    a.f = elma_expf_nonpos(((union { uint32_t u; float f; }){(uint32_t)bits}).f);
    b.f = elma_expf(((union { uint32_t u; float f; }){(uint32_t)bits}).f);
    if (a.u != b.u) mismatches++;
  }
  a.f = elma_expf_nonpos(NAN); b.f = elma_expf(NAN);
  CHECK(mismatches == 0 && a.u == b.u, "elma_expf_nonpos differs from elma_expf on %u non-positive floats (NaN: %08x vs %08x)", mismatches, a.u, b.u);
}

static void test_linear(void) {
  int shapes[][3] = {{1, 1, 1}, {3, 5, 7}, {5, 300, 6}, {17, 513, 13}, {64, 200, 300}, {130, 768, 770}};
  for (unsigned s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
    int R = shapes[s][0], K = shapes[s][1], N = shapes[s][2];
    float *x = rnd((size_t)R * K, 1), *w = rnd((size_t)N * K, 1), *b = rnd(N, 1), *y = malloc(sizeof(float) * R * N);
    double *want = malloc(sizeof(double) * R * N);
    for (int withb = 0; withb < 2; withb++) {
      ref_linear(x, R, K, w, withb ? b : NULL, N, want);
      CHECK(elma_linear(x, R, K, w, withb ? b : NULL, N, ELMA_ACT_LINEAR, y) == ELMA_OK, "%s", elma_last_error());
      CHECK(nmse(y, want, (size_t)R * N) <= 1e-7, "linear [%d×%d]·[%d×%d]ᵀ: nmse %g", R, K, N, K, nmse(y, want, (size_t)R * N));
    }
    ref_linear(x, R, K, w, b, N, want);
    for (int i = 0; i < R * N; i++) want[i] = gelu_tanh(want[i]);
    elma_linear(x, R, K, w, b, N, ELMA_ACT_GELU_TANH, y);
    CHECK(nmse(y, want, (size_t)R * N) <= 1e-7, "linear+gelu [%d×%d]", R, N);
    free(x); free(w); free(b); free(y); free(want);
  }
}

static void test_attention(void) {
  int B = 3, S = 37, Hn = 3, D = 16, n = B * S * Hn * D;
  float *q = rnd(n, 1), *k = rnd(n, 1), *v = rnd(n, 1), *out = malloc(sizeof(float) * n);
  double *dq = malloc(sizeof(double) * n), *dk = malloc(sizeof(double) * n), *dv = malloc(sizeof(double) * n), *want = malloc(sizeof(double) * n);
  for (int i = 0; i < n; i++) { dq[i] = q[i]; dk[i] = k[i]; dv[i] = v[i]; }
  int32_t *mask = malloc(sizeof(int32_t) * B * S);
  for (int i = 0; i < B * S; i++) mask[i] = !(i / S == 1 && i % S >= 30) && i / S != 2; /* row 1 padded, row 2 all masked */
  CHECK(elma_attention(q, k, v, mask, B, S, Hn, D, out) == ELMA_OK, "%s", elma_last_error());
  ref_attention(dq, dk, dv, mask, B, S, Hn, D, want);
  CHECK(nmse(out, want, n) <= 1e-7, "attention: nmse %g", nmse(out, want, n));
  free(q); free(k); free(v); free(out); free(dq); free(dk); free(dv); free(want); free(mask);
}

/* The blocked attention (6-row blocks of 16-key panels, skipped trailing padding, 1/Σ applied
   after P·V) on the shapes that exercise its edges: seq 1, lengths that are not multiples of 6 or
   16, padding at the end, padding in the middle, an all-masked row, batch > 1, head sizes below,
   at and between multiples of the 16-column panels (5, 24, 64). */
static void test_attention_shapes(void) {
  int seqs[] = {1, 7, 77, 385, 600}, dims[] = {24, 64, 5};
  for (unsigned di = 0; di < sizeof dims / sizeof dims[0]; di++)
  for (unsigned si = 0; si < sizeof seqs / sizeof seqs[0]; si++) {
    if (di > 0 && seqs[si] == 600) continue;
    int B = 3, S = seqs[si], Hn = 2, D = dims[di], n = B * S * Hn * D;
    float *q = rnd(n, 1), *k = rnd(n, 1), *v = rnd(n, 1), *out = malloc(sizeof(float) * n);
    double *dq = malloc(sizeof(double) * n), *dk = malloc(sizeof(double) * n), *dv = malloc(sizeof(double) * n), *want = malloc(sizeof(double) * n);
    for (int i = 0; i < n; i++) { dq[i] = q[i]; dk[i] = k[i]; dv[i] = v[i]; }
    int32_t *mask = malloc(sizeof(int32_t) * B * S);
    for (int i = 0; i < B * S; i++) {
      int b = i / S, j = i % S;
      /* row 0 unpadded; row 1 padded at the end (and one key in the middle); row 2 all masked when S > 1 */
      mask[i] = b == 0 || (b == 1 && j <= S / 2 && !(S > 4 && j == S / 4)) || (b == 2 && S == 1);
    }
    CHECK(elma_attention(q, k, v, mask, B, S, Hn, D, out) == ELMA_OK, "%s", elma_last_error());
    ref_attention(dq, dk, dv, mask, B, S, Hn, D, want);
    CHECK(nmse(out, want, n) <= 1e-7, "attention seq %d, head size %d: nmse %g", S, D, nmse(out, want, n));
    free(q); free(k); free(v); free(out); free(dq); free(dk); free(dv); free(want); free(mask);
  }
}

static void test_layer(void) {
  int B = 2, S = 19, H = 48, Hn = 4, I = 80, R = B * S;
  float *lw[16];
  int sizes[16] = {H * H, H, H * H, H, H * H, H, H * H, H, H, H, I * H, I, H * I, H, H, H};
  for (int i = 0; i < 16; i++) lw[i] = rnd(sizes[i], 0.3f);
  elma_layer_weights w = {lw[0], lw[1], lw[2], lw[3], lw[4], lw[5], lw[6], lw[7], lw[8], lw[9], lw[10], lw[11], lw[12], lw[13], lw[14], lw[15]};
  elma_layer_shape sh = {B, S, H, Hn, I, ELMA_ACT_GELU_ERF, 1e-12f};
  float *x = rnd((size_t)R * H, 1), *got = malloc(sizeof(float) * R * H), *tmp = malloc(sizeof(float) * R * I);
  int32_t *mask = malloc(sizeof(int32_t) * R);
  for (int i = 0; i < R; i++) mask[i] = i < R - 5;
  double *q = malloc(sizeof(double) * R * H);
  ref_layer(x, mask, &w, &sh, q);
  memcpy(got, x, sizeof(float) * R * H);
  CHECK(elma_layer(got, mask, &w, &sh) == ELMA_OK, "%s", elma_last_error());
  CHECK(nmse(got, q, (size_t)R * H) <= 1e-7, "layer: nmse %g", nmse(got, q, (size_t)R * H));
  /* Bad input is an error code and a message, never a crash. */
  elma_layer_shape bad = sh;
  bad.heads = 5;
  CHECK(elma_layer(got, mask, &w, &bad) == ELMA_EINVAL && strstr(elma_last_error(), "heads 5") != NULL, "bad heads: %s", elma_last_error());
  bad = sh;
  bad.activation = 99;
  CHECK(elma_layer(got, mask, &w, &bad) == ELMA_EUNSUPPORTED, "bad activation");
  w.ffn_w = NULL;
  CHECK(elma_layer(got, mask, &w, &sh) == ELMA_EINVAL, "null weight");
  for (int i = 0; i < 16; i++) free(lw[i]);
  free(x); free(got); free(tmp); free(mask); free(q);
}

/* The layer handle: packed copy, run on odd shapes and padded batches against the double
   reference, and its bad arguments. */
static void test_layer_handle(void) {
  int H = 48, Hn = 4, I = 80;
  float *lw[16];
  int sizes[16] = {H * H, H, H * H, H, H * H, H, H * H, H, H, H, I * H, I, H * I, H, H, H};
  for (int i = 0; i < 16; i++) lw[i] = rnd(sizes[i], 0.3f);
  elma_layer_weights w = {lw[0], lw[1], lw[2], lw[3], lw[4], lw[5], lw[6], lw[7], lw[8], lw[9], lw[10], lw[11], lw[12], lw[13], lw[14], lw[15]};
  elma_layer_shape sh = {0, 0, H, Hn, I, ELMA_ACT_GELU_TANH, 1e-12f};
  elma_layer_handle *h = elma_layer_create(&w, &sh);
  CHECK(h != NULL, "create: %s", elma_last_error());
  if (h == NULL) return;
  /* The handle copied the weights: overwriting the caller's arrays now must not change its result. */
  float *saved[16];
  for (int i = 0; i < 16; i++) { saved[i] = malloc(sizeof(float) * sizes[i]); memcpy(saved[i], lw[i], sizeof(float) * sizes[i]); }
  const int shapes[][2] = {{1, 1}, {1, 7}, {1, 77}, {1, 385}, {3, 1}, {3, 7}, {3, 77}, {3, 385}};
  for (unsigned c = 0; c < sizeof shapes / sizeof shapes[0]; c++) {
    int B = shapes[c][0], S = shapes[c][1], R = B * S;
    float *x = rnd((size_t)R * H, 1), *got = malloc(sizeof(float) * R * H), *old = malloc(sizeof(float) * R * H);
    int32_t *mask = malloc(sizeof(int32_t) * R);
    /* row 0 unpadded; row 1 padded at the end; row 2 one real token (a batch of 3 with padding) */
    for (int i = 0; i < R; i++) mask[i] = i / S == 0 || (i / S == 1 && i % S <= S / 2) || (i / S == 2 && i % S == 0);
    double *want = malloc(sizeof(double) * R * H);
    elma_layer_shape full = {B, S, H, Hn, I, ELMA_ACT_GELU_TANH, 1e-12f};
    ref_layer(x, mask, &w, &full, want);
    for (int i = 0; i < 16; i++) for (int k = 0; k < sizes[i]; k++) lw[i][k] = 7.0f; /* clobber the caller's copy */
    memcpy(got, x, sizeof(float) * R * H);
    CHECK(elma_layer_run(h, got, mask, B, S) == ELMA_OK, "run %d×%d: %s", B, S, elma_last_error());
    CHECK(nmse(got, want, (size_t)R * H) <= 1e-7, "handle %d×%d: nmse %g", B, S, nmse(got, want, (size_t)R * H));
    for (int i = 0; i < 16; i++) memcpy(lw[i], saved[i], sizeof(float) * sizes[i]);
    /* the unpacked elma_layer gives the same result */
    memcpy(old, x, sizeof(float) * R * H);
    CHECK(elma_layer(old, mask, &w, &full) == ELMA_OK, "%s", elma_last_error());
    CHECK(nmse(old, want, (size_t)R * H) <= 1e-7, "elma_layer %d×%d: nmse %g", B, S, nmse(old, want, (size_t)R * H));
    free(x); free(got); free(old); free(mask); free(want);
  }
  /* Bad arguments: an error code and a message naming the function, never a crash. */
  float x1[48] = {0};
  int32_t m1[1] = {1};
  CHECK(elma_layer_run(NULL, x1, m1, 1, 1) == ELMA_EINVAL && strstr(elma_last_error(), "null handle") != NULL, "null handle: %s", elma_last_error());
  CHECK(elma_layer_run(h, NULL, m1, 1, 1) == ELMA_EINVAL && strstr(elma_last_error(), "elma_layer_run") != NULL, "null x: %s", elma_last_error());
  CHECK(elma_layer_run(h, x1, NULL, 1, 1) == ELMA_EINVAL, "null mask");
  CHECK(elma_layer_run(h, x1, m1, -1, 1) == ELMA_EINVAL && strstr(elma_last_error(), "batch -1") != NULL, "negative batch: %s", elma_last_error());
  CHECK(elma_layer_run(h, x1, m1, 1, 0) == ELMA_EINVAL && strstr(elma_last_error(), "seq 0") != NULL, "seq 0: %s", elma_last_error());
  CHECK(elma_layer_run(h, x1, m1, 0, 5) == ELMA_OK, "batch 0 is a no-op");
  CHECK(elma_layer_run(h, x1, m1, 1, 20000) == ELMA_EUNSUPPORTED, "sequence too long");
  elma_layer_destroy(h);
  elma_layer_destroy(NULL); /* no-op */
  elma_layer_shape bad = sh;
  bad.heads = 5;
  CHECK(elma_layer_create(&w, &bad) == NULL && strstr(elma_last_error(), "elma_layer_create") != NULL && strstr(elma_last_error(), "heads 5") != NULL,
        "create bad heads: %s", elma_last_error());
  bad = sh;
  bad.activation = 99;
  CHECK(elma_layer_create(&w, &bad) == NULL && strstr(elma_last_error(), "activation 99") != NULL, "create bad activation: %s", elma_last_error());
  bad = sh;
  bad.layer_norm_eps = -1;
  CHECK(elma_layer_create(&w, &bad) == NULL && strstr(elma_last_error(), "layer_norm_eps") != NULL, "create bad eps: %s", elma_last_error());
  CHECK(elma_layer_create(NULL, &sh) == NULL && strstr(elma_last_error(), "null argument") != NULL, "create null weights");
  CHECK(elma_layer_create(&w, NULL) == NULL, "create null shape");
  w.value_b = NULL;
  CHECK(elma_layer_create(&w, &sh) == NULL && strstr(elma_last_error(), "weight 5") != NULL, "create null weight: %s", elma_last_error());
  for (int i = 0; i < 16; i++) { free(lw[i]); free(saved[i]); }
}

static void test_entropy(void) {
  /* Uniform logits over 3 context tokens, max length 2: candidates null, (1,1),(1,2),(2,2),(2,3),(3,3) → H/log n = 1. */
  float st[5] = {0, 0, 0, 0, 0}, en[5] = {0, 0, 0, 0, 0}, h = -1;
  int32_t ctx[5] = {0, 1, 1, 1, 0};
  CHECK(elma_span_entropy(st, en, ctx, 1, 5, 2, 0, &h) == ELMA_OK && fabsf(h - 1) < 1e-6f, "uniform entropy %g", h);
  st[2] = 50; en[2] = 50;
  elma_span_entropy(st, en, ctx, 1, 5, 2, 0, &h);
  CHECK(h < 1e-6f, "certain entropy %g", h);
}

/* The pool (kernels/native/src/_pool.c, exported for libelma_train): every task of every job runs
   exactly once and is finished when elma_parallel_for returns, with more threads than cores (so
   workers are descheduled mid-job and wake late, after the caller did the rest itself), jobs of
   1 to 64 tasks back to back, and unequal task lengths. */
void elma_parallel_for(int n_tasks, void (*fn)(void *ctx, int task, int worker), void *ctx);
int elma_pool_threads(void);

typedef struct { int n, job, worker_in; int hits[64]; int seen_job[64]; int worker_busy[256]; int clash; } pool_probe;

static void pool_task(void *ctx, int t, int worker) {
  pool_probe *p = ctx;
  /* worker ids are unique among running tasks: a second task on the same id at once is a bug. */
  if (__atomic_fetch_add(&p->worker_busy[worker], 1, __ATOMIC_ACQ_REL) != 0) __atomic_store_n(&p->clash, 1, __ATOMIC_RELAXED);
  /* The workers' tasks are slow; the caller's wait (a bounded while) until a worker has taken one,
     so that workers take part even on a loaded machine: a caller that returned before the
     workers' tasks were done would see them unfinished. */
  volatile unsigned spin = 0;
  if (worker != 0) {
    __atomic_store_n(&p->worker_in, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < 20000; i++) spin += (unsigned)i;
  } else {
    for (int i = 0; i < 300000 && !__atomic_load_n(&p->worker_in, __ATOMIC_ACQUIRE); i++) spin += (unsigned)i;
  }
  __atomic_fetch_add(&p->hits[t], 1, __ATOMIC_RELAXED);
  __atomic_store_n(&p->seen_job[t], p->job, __ATOMIC_RELAXED);
  __atomic_fetch_sub(&p->worker_busy[worker], 1, __ATOMIC_ACQ_REL);
}

static void test_pool(void) {
  for (int threads = 2; threads <= 8; threads *= 2) {
    CHECK(elma_set_threads(threads) == ELMA_OK, "threads %d", threads);
    static pool_probe p;
    int bad = 0;
    for (int job = 1; job <= 2000 && bad == 0; job++) {
      memset(&p, 0, sizeof p);
      p.job = job;
      p.n = 1 + (int)((unsigned)(job * 2654435761u) >> 26); /* 1..64 */
      elma_parallel_for(p.n, pool_task, &p);
      for (int t = 0; t < p.n; t++) {
        if (__atomic_load_n(&p.hits[t], __ATOMIC_RELAXED) != 1 || __atomic_load_n(&p.seen_job[t], __ATOMIC_RELAXED) != job) bad = 1;
      }
      for (int t = p.n; t < 64; t++) if (p.hits[t] != 0) bad = 1;
      if (p.clash) bad = 2;
    }
    CHECK(bad == 0, "pool with %d threads: %s", threads, bad == 2 ? "two tasks ran on one worker id at once" : "a task ran twice, never, or after the job returned");
  }
}

int main(void) {
  CHECK(elma_abi_version() == ELMA_ABI_VERSION, "abi version");
  test_pool();
  for (int threads = 1; threads <= 3; threads += 2) {
    CHECK(elma_set_threads(threads) == ELMA_OK, "threads");
    test_math();
    test_exp();
    test_linear();
    test_attention();
    test_attention_shapes();
    test_layer();
    test_layer_handle();
    test_entropy();
  }
  CHECK(elma_set_threads(-1) == ELMA_EINVAL, "negative threads");
  CHECK(elma_linear(NULL, 1, 1, NULL, NULL, 1, 0, NULL) == ELMA_EINVAL && strlen(elma_last_error()) > 0, "null linear");
  printf("%s\n%d passed, %d failed\n", elma_info(), failures == 0 ? 1 : 0, failures == 0 ? 0 : 1);
  return failures == 0 ? 0 : 1;
}
