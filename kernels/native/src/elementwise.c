/* Element-wise kernels: the activations (HF activations.py ACT2FN), row softmax, a += b. */
#include <math.h>

#include "_common.h"
#include "_pool.h"
#include "_vmath.h"

#define SQRT1_2 0.70710678118654752f
#define SQRT_2_OVER_PI 0.79788456080286536f

/* One formula per enum value, as kernels/activation.ts writes them. */
static inline float act1(int act, float x) {
  switch (act) {
    case ELMA_ACT_GELU_ERF: return 0.5f * x * (1.0f + elma_erff(x * SQRT1_2));
    /* 0.5·x·(1 + tanh(u)) = x·σ(2u) = x / (1 + exp(-2u)): one exp and one division instead of
       tanh's exp, division and the extra sign handling (the FFN epilogue's cost at seq 384).
       Large negative u: exp saturates at ~2e38 (_vmath.h), x / 2e38 → 0 as the limit wants. */
    case ELMA_ACT_GELU_TANH: return x / (1.0f + elma_expf(-2.0f * SQRT_2_OVER_PI * (x + 0.044715f * x * x * x)));
    case ELMA_ACT_GELU_FAST: return x / (1.0f + elma_expf(-2.0f * 0.7978845608f * x * (1.0f + 0.044715f * x * x)));
    case ELMA_ACT_QUICK_GELU: return x / (1.0f + elma_expf(-1.702f * x));
    case ELMA_ACT_RELU: return x > 0 ? x : 0;
    case ELMA_ACT_RELU6: return x < 0 ? 0 : (x > 6 ? 6 : x);
    case ELMA_ACT_RELU2: return x > 0 ? x * x : 0;
    case ELMA_ACT_SILU: return x / (1.0f + elma_expf(-x));
    case ELMA_ACT_MISH: return x * tanhf(x > 20 ? x : log1pf(expf(x))); /* rare: libm is fine */
    case ELMA_ACT_TANH: return elma_tanhf(x);
    case ELMA_ACT_SIGMOID: return 1.0f / (1.0f + elma_expf(-x));
    case ELMA_ACT_LEAKY_RELU: return x > 0 ? x : 0.01f * x;
    default: return x; /* ELMA_ACT_LINEAR */
  }
}

/* The switch is hoisted out of the loop by instantiating one vectorised loop per activation. */
#define ACT_LOOP(ACT)                                                              \
  case ACT:                                                                        \
    if (bias != NULL) {                                                            \
      _Pragma("omp simd") for (int c = 0; c < n; c++) row[c] = act1(ACT, row[c] + bias[c]); \
    } else {                                                                       \
      _Pragma("omp simd") for (int c = 0; c < n; c++) row[c] = act1(ACT, row[c]);  \
    }                                                                              \
    break;

void elma_bias_act(float *row, const float *bias, int n, int act) {
  switch (act) {
    ACT_LOOP(ELMA_ACT_GELU_ERF)
    ACT_LOOP(ELMA_ACT_GELU_TANH)
    ACT_LOOP(ELMA_ACT_GELU_FAST)
    ACT_LOOP(ELMA_ACT_QUICK_GELU)
    ACT_LOOP(ELMA_ACT_RELU)
    ACT_LOOP(ELMA_ACT_RELU6)
    ACT_LOOP(ELMA_ACT_RELU2)
    ACT_LOOP(ELMA_ACT_SILU)
    ACT_LOOP(ELMA_ACT_MISH)
    ACT_LOOP(ELMA_ACT_TANH)
    ACT_LOOP(ELMA_ACT_SIGMOID)
    ACT_LOOP(ELMA_ACT_LEAKY_RELU)
    default:
      if (bias != NULL) {
#pragma omp simd
        for (int c = 0; c < n; c++) row[c] += bias[c];
      }
  }
}

#define CHUNK 16384 /* elements per task: ~64 KiB, enough work to amortise a task hand-out */

typedef struct { float *x; int64_t n; int act; } act_job;

static void act_task(void *ctx, int t, int worker) {
  (void)worker;
  act_job *j = ctx;
  int64_t i0 = (int64_t)t * CHUNK, i1 = i0 + CHUNK < j->n ? i0 + CHUNK : j->n;
  elma_bias_act(j->x + i0, NULL, (int)(i1 - i0), j->act);
}

void elma_act_apply(int act, float *x, int64_t n) {
  act_job j = {x, n, act};
  elma_parallel_for((int)((n + CHUNK - 1) / CHUNK), act_task, &j);
}

int elma_activation_inplace(int32_t act, float *x, int64_t n) {
  if (act < 0 || act >= ELMA_ACT_COUNT) return elma_fail(ELMA_EUNSUPPORTED, "elma_activation", "unknown activation %d", act);
  if (n < 0 || (n > 0 && x == NULL)) return elma_fail(ELMA_EINVAL, "elma_activation", "bad buffer (n = %lld)", (long long)n);
  elma_act_apply(act, x, n);
  return ELMA_OK;
}

/* Numerically stable softmax (subtract the row maximum). exp(-inf) = 0 exactly (_vmath.h). */
void elma_softmax_row(float *x, int n) {
  float max = -INFINITY;
#pragma omp simd reduction(max : max)
  for (int c = 0; c < n; c++) max = x[c] > max ? x[c] : max;
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int c = 0; c < n; c++) {
    float e = elma_expf(x[c] - max);
    x[c] = e;
    sum += e;
  }
  float inv = 1.0f / sum;
#pragma omp simd
  for (int c = 0; c < n; c++) x[c] *= inv;
}

typedef struct { float *x; int rows, cols, per; } softmax_job;

static void softmax_task(void *ctx, int t, int worker) {
  (void)worker;
  softmax_job *j = ctx;
  int r1 = (t + 1) * j->per < j->rows ? (t + 1) * j->per : j->rows;
  for (int r = t * j->per; r < r1; r++) elma_softmax_row(j->x + (int64_t)r * j->cols, j->cols);
}

int elma_softmax_inplace(float *x, int32_t rows, int32_t cols) {
  if (x == NULL || rows < 0 || cols <= 0) return elma_fail(ELMA_EINVAL, "elma_softmax", "bad shape [%d×%d]", rows, cols);
  int per = cols >= CHUNK ? 1 : CHUNK / cols;
  softmax_job j = {x, rows, cols, per};
  elma_parallel_for((rows + per - 1) / per, softmax_task, &j);
  return ELMA_OK;
}

int elma_add_inplace(float *a, const float *b, int64_t n) {
  if (n < 0 || (n > 0 && (a == NULL || b == NULL))) return elma_fail(ELMA_EINVAL, "elma_add", "bad buffers");
#pragma omp simd
  for (int64_t i = 0; i < n; i++) a[i] += b[i];
  return ELMA_OK;
}
