/*
 * The int8 GEMM's driver (the scheme is in _qgemm.h): choosing a path from the CPU's features,
 * quantizing weights and activations, packing weight panels, and running the kernels on the pool
 * with the dequantizing epilogue.
 *
 * Threading as gemm.c: the output is cut into column slices (whole panels), slices_per_thread per
 * thread, handed out by the pool's atomic counter. Inside a slice: for each panel (kp·nr bytes:
 * 6 KiB at k 384 for nr 16, 12 KiB at 768, in L1), every block of mr rows runs the kernel over the
 * whole k (the quantized activations, rows·kp bytes, stay in L2: 288 KiB at 384 × 768), then the
 * epilogue turns the mr × nr int32 tile into floats while it is in L1.
 */
#define _POSIX_C_SOURCE 200112L /* posix_memalign */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "_common.h"
#include "_pool.h"
#include "_qgemm.h"

/* --- paths ----------------------------------------------------------------------------------- */

/* Preferred first: the x86 or Arm SIMD paths (their lists are in order of speed), then portable. */
static const elma_q8_path *all_paths[16];
static int n_paths = 0;

static void collect_paths(void) {
  if (n_paths > 0) return;
  int n = 0;
  for (int i = 0; elma_q8_x86_paths[i] != NULL; i++) all_paths[n++] = elma_q8_x86_paths[i];
  for (int i = 0; elma_q8_arm_paths[i] != NULL; i++) all_paths[n++] = elma_q8_arm_paths[i];
  all_paths[n++] = &elma_q8_portable_path;
  n_paths = n;
}

int elma_q8_path_count(void) {
  collect_paths();
  return n_paths;
}

const elma_q8_path *elma_q8_path_at(int i) {
  collect_paths();
  return i >= 0 && i < n_paths ? all_paths[i] : NULL;
}

const elma_q8_path *elma_q8_path_named(const char *name) {
  collect_paths();
  for (int i = 0; i < n_paths; i++)
    if (strcmp(all_paths[i]->name, name) == 0) return all_paths[i];
  return NULL;
}

const elma_q8_path *elma_q8_default_path(void) {
  collect_paths();
  for (int i = 0; i < n_paths; i++)
    if (all_paths[i]->supported()) return all_paths[i];
  return &elma_q8_portable_path;
}

/* --- weights --------------------------------------------------------------------------------- */

/* The one weight quantizer of ELMA: the bundle packer (models/weights/int8-rows.ts quantizeRows)
   applies the same rule, so an int8 bundle holds the bytes this function makes from its fp32
   weights (test/kernels/int8-quantizer-agreement.test.ts checks it on the default model):
     scale = fl32(amax / w_max)                         float division, correctly rounded
     q     = clamp(rint((double)w / (double)scale), ±w_max)   division in double, ties to even
   A row whose scale is 0 (all zeros, or so small the scale underflows) gets scale 1 and q 0, so
   that every scale is finite and > 0 as a bundle stores it. Dividing in double (not multiplying
   by a float reciprocal) is what the TypeScript side computes: the same quotient, bit for bit.
   A row holding inf or NaN gets a NaN scale and q 0: its outputs are NaN, as fp32 would give
   (the packer refuses such weights instead). */
void elma_q8_quantize_weights(const float *w, int n, int k, int w_max, int8_t *q, float *scale) {
  for (int j = 0; j < n; j++) {
    const float *row = w + (int64_t)j * k;
    int8_t *qr = q + (int64_t)j * k;
    float amax = 0, nan_probe = 0;
    for (int i = 0; i < k; i++) {
      const float a = fabsf(row[i]);
      amax = a > amax ? a : amax;
      nan_probe += row[i] * 0.0f;
    }
    const float s = amax / (float)w_max;
    if (!(nan_probe == 0) || s == 0) {
      scale[j] = nan_probe == 0 ? 1.0f : NAN;
      memset(qr, 0, (size_t)k);
      continue;
    }
    scale[j] = s;
    const double ds = s, lim = w_max;
    for (int i = 0; i < k; i++) {
      double v = rint((double)row[i] / ds);
      v = v < -lim ? -lim : v > lim ? lim : v;
      qr[i] = (int8_t)v;
    }
  }
}

void elma_q8_matrix_free(elma_q8_matrix *m) {
  if (m == NULL) return;
  free(m->panels);
  free(m->scale);
  free(m->colsum);
  free(m);
}

elma_q8_matrix *elma_q8_matrix_pack(const elma_q8_path *path, const int8_t *q, const float *scale, int n, int k) {
  elma_q8_matrix *m = calloc(1, sizeof *m);
  if (m == NULL) return NULL;
  const int nr = path->nr;
  m->path = path;
  m->n = n;
  m->k = k;
  m->kp = (k + ELMA_Q8_KPAD - 1) / ELMA_Q8_KPAD * ELMA_Q8_KPAD;
  m->np = (n + nr - 1) / nr * nr;
  void *panels = NULL;
  if (posix_memalign(&panels, 64, (size_t)m->np * m->kp) != 0) panels = NULL;
  m->panels = panels;
  m->scale = calloc((size_t)m->np, sizeof *m->scale);
  m->colsum = calloc((size_t)m->np, sizeof *m->colsum);
  if (m->panels == NULL || m->scale == NULL || m->colsum == NULL) {
    elma_q8_matrix_free(m);
    return NULL;
  }
  memset(m->panels, 0, (size_t)m->np * m->kp);
  for (int j = 0; j < n; j++) {
    /* Column j of the product lives in panel j / nr, lane j % nr: bytes [k/4][nr][4]. */
    int8_t *p = m->panels + (int64_t)(j / nr) * m->kp * nr + (j % nr) * 4;
    const int8_t *row = q + (int64_t)j * k;
    int32_t sum = 0;
    for (int i = 0; i < k; i++) {
      p[(int64_t)(i / 4) * nr * 4 + i % 4] = row[i];
      sum += row[i];
    }
    m->colsum[j] = sum;
    m->scale[j] = scale[j];
  }
  return m;
}

/* --- activations ----------------------------------------------------------------------------- */

typedef struct {
  const elma_q8_path *path;
  const float *x;
  uint8_t *q;
  float *scale;
  int32_t *zp;
  int64_t ldx;
  int rows, k, kp, per, granularity;
  float t_min, t_max; /* per tensor: the whole matrix's range */
} quant_job;

/* The range of one row, widened to include 0 (so that 0, padding and ReLU's zeros are exact).
   *bad is set when the row holds inf or NaN (x·0 is NaN then). */
static void row_range(const float *x, int k, float *mn, float *mx, int *bad) {
  float lo = 0, hi = 0, nan_probe = 0;
  /* Comparisons, not fminf/fmaxf: without -ffast-math GCC calls libm for those (NaN rules), ~13 ns
     an element; a NaN is caught by nan_probe instead. */
#pragma omp simd reduction(min : lo) reduction(max : hi) reduction(+ : nan_probe)
  for (int i = 0; i < k; i++) {
    lo = x[i] < lo ? x[i] : lo;
    hi = x[i] > hi ? x[i] : hi;
    nan_probe += x[i] * 0.0f;
  }
  *mn = lo;
  *mx = hi;
  *bad = !(nan_probe == 0);
}

static void quant_row(const quant_job *j, int r, float mn, float mx, int bad) {
  const int a_max = j->path->a_max;
  const float *x = j->x + (int64_t)r * j->ldx;
  uint8_t *q = j->q + (int64_t)r * j->kp;
  float range = mx - mn;
  if (bad) {
    /* NaN or inf in the row: the row's outputs become NaN, as fp32 arithmetic would give. */
    j->scale[r] = NAN;
    j->zp[r] = 0;
    memset(q, 0, (size_t)j->kp);
    return;
  }
  if (!(range > 0)) {
    j->scale[r] = 0;
    j->zp[r] = j->path->a_signed ? -128 : 0;
    memset(q, j->path->a_signed ? 0x80 : 0, (size_t)j->k);
    memset(q + j->k, 0, (size_t)(j->kp - j->k));
    return;
  }
  const float s = range / (float)a_max, inv = (float)a_max / range;
  /* Asymmetric: q = round(x / s) + zp with 0 ↦ zp exactly; zp ∈ [0, a_max] since mn ≤ 0 ≤ mx. */
  const float zpf = rintf(-mn * inv);
  const uint8_t flip = j->path->a_signed ? 0x80 : 0; /* q − 128 as a signed byte is q ^ 0x80 */
  const float hi = (float)a_max;
#pragma omp simd
  for (int i = 0; i < j->k; i++) {
    float v = x[i] * inv + zpf;
    v = v > 0.0f ? v : 0.0f;
    v = v < hi ? v : hi;
    q[i] = (uint8_t)((uint8_t)(int32_t)(v + 0.5f) ^ flip);
  }
  memset(q + j->k, 0, (size_t)(j->kp - j->k));
  j->scale[r] = s;
  j->zp[r] = (int32_t)zpf - (j->path->a_signed ? 128 : 0);
}

static void quant_task(void *ctx, int t, int worker) {
  (void)worker;
  const quant_job *j = ctx;
  int r0 = t * j->per, r1 = r0 + j->per < j->rows ? r0 + j->per : j->rows;
  for (int r = r0; r < r1; r++) {
    float mn = j->t_min, mx = j->t_max;
    int bad = 0;
    if (j->granularity == ELMA_Q8_PER_ROW) row_range(j->x + (int64_t)r * j->ldx, j->k, &mn, &mx, &bad);
    else bad = !(isfinite(mn) && isfinite(mx));
    quant_row(j, r, mn, mx, bad);
  }
}

void elma_q8_quantize_rows(const elma_q8_path *path, int granularity, const float *x, int rows, int k, int64_t ldx,
                           uint8_t *q, int kp, float *scale, int32_t *zp) {
  quant_job j = {path, x, q, scale, zp, ldx, rows, k, kp, rows, granularity, 0, 0};
  if (granularity == ELMA_Q8_PER_TENSOR) {
    float mn = 0, mx = 0;
    for (int r = 0; r < rows; r++) {
      float a, b;
      int bad;
      row_range(x + (int64_t)r * ldx, k, &a, &b, &bad);
      if (bad) { mn = NAN; mx = NAN; break; }
      mn = fminf(mn, a);
      mx = fmaxf(mx, b);
    }
    j.t_min = mn;
    j.t_max = mx;
  }
  /* About 64 KiB of floats per task: enough work to be worth a hand-off. */
  int threads = elma_pool_threads();
  int per = (int)(16384 / (k > 0 ? k : 1));
  if (per < 1) per = 1;
  if (threads > 1 && rows / per < 2 * threads) per = (rows + 2 * threads - 1) / (2 * threads);
  if (per < 1) per = 1;
  j.per = per;
  elma_parallel_for((rows + per - 1) / per, quant_task, &j);
}

/* --- the GEMM -------------------------------------------------------------------------------- */

/* The weight panels one pass over a block of rows reads (gemm_task): half this core's 512 KiB L2. */
#define PANEL_GROUP_BYTES (256 * 1024)

typedef struct {
  const elma_q8_matrix *m;
  const uint8_t *q;
  const float *scale, *bias;
  const int32_t *zp;
  float *y;
  int32_t *acc; /* the integer part alone (elma_q8_gemm_s32) when not NULL */
  int64_t ldy;
  int rows, act, panels_per_task, n_tasks;
} gemm_job;

/* Tile (row block r0, panel p): the kernel over the whole k, then the dequantizing epilogue while
   the mr × nr integers are in L1 (or, for elma_q8_gemm_s32, the integers themselves). */
static void gemm_tile(const gemm_job *j, int p, int r0, int32_t *tile, float *ftile) {
  const elma_q8_matrix *m = j->m;
  const elma_q8_path *path = m->path;
  const int nr = path->nr, kp = m->kp;
  const int rows = j->rows - r0 < path->mr ? j->rows - r0 : path->mr;
  const int8_t *panel = m->panels + (int64_t)p * kp * nr;
  const int n0 = p * nr, cols = m->n - n0 < nr ? m->n - n0 : nr;
  const int32_t *colsum = m->colsum + n0;
  const float *wscale = m->scale + n0, *bias = j->bias != NULL ? j->bias + n0 : NULL;
  path->kernel(j->q + (int64_t)r0 * kp, kp, rows, panel, kp, tile);
  if (j->acc != NULL) {
    for (int i = 0; i < rows; i++) memcpy(j->acc + (int64_t)(r0 + i) * m->n + n0, tile + i * nr, (size_t)cols * sizeof *tile);
    return;
  }
  /* Dequantize; with an activation, into a contiguous float tile first, so that one call runs
     it on rows · cols values (one call per 16-wide row costs more than the GELU itself). */
  const int act = j->act != ELMA_ACT_LINEAR;
  for (int i = 0; i < rows; i++) {
    const int32_t *c = tile + i * nr;
    const int r = r0 + i;
    float *y = act ? ftile + i * cols : j->y + (int64_t)r * j->ldy + n0;
    const int32_t zp = j->zp[r];
    const float sx = j->scale[r];
    if (bias != NULL) {
#pragma omp simd
      for (int c2 = 0; c2 < cols; c2++) y[c2] = (float)(c[c2] - zp * colsum[c2]) * (sx * wscale[c2]) + bias[c2];
    } else {
#pragma omp simd
      for (int c2 = 0; c2 < cols; c2++) y[c2] = (float)(c[c2] - zp * colsum[c2]) * (sx * wscale[c2]);
    }
  }
  if (act) {
    elma_bias_act(ftile, NULL, rows * cols, j->act);
    for (int i = 0; i < rows; i++) memcpy(j->y + (int64_t)(r0 + i) * j->ldy + n0, ftile + i * cols, (size_t)cols * sizeof *ftile);
  }
}

static void gemm_task(void *ctx, int t, int worker) {
  (void)worker;
  const gemm_job *j = ctx;
  const elma_q8_matrix *m = j->m;
  const int nr = m->path->nr, mr = m->path->mr;
  int32_t tile[ELMA_Q8_MR_MAX * ELMA_Q8_NR_MAX] __attribute__((aligned(64)));
  float ftile[ELMA_Q8_MR_MAX * ELMA_Q8_NR_MAX] __attribute__((aligned(64)));
  const int p0 = t * j->panels_per_task, n_panels = m->np / nr;
  const int p1 = p0 + j->panels_per_task < n_panels ? p0 + j->panels_per_task : n_panels;
  /* The task's panels in groups of about PANEL_GROUP_BYTES (they stay in L2), and for each block
     of mr rows every panel of the group: the block's activations stay in L1 while each panel
     streams from L2 in one sequential run. Panel-major (every row block for one panel, then the
     next), each kernel call started mr new activation streams from L2: the k = 768 GEMMs at seq
     384 ran at 26–27 int8 MACs a cycle on this Zen 3, 28 this way (one thread; issue 19). */
  int group = (int)(PANEL_GROUP_BYTES / ((int64_t)m->kp * nr));
  if (group < 1) group = 1;
  for (int g0 = p0; g0 < p1; g0 += group) {
    const int g1 = g0 + group < p1 ? g0 + group : p1;
    for (int r0 = 0; r0 < j->rows; r0 += mr)
      for (int p = g0; p < g1; p++) gemm_tile(j, p, r0, tile, ftile);
  }
}

static void run_gemm(gemm_job *j, int slices_per_thread) {
  const int n_panels = j->m->np / j->m->path->nr;
  const int threads = elma_pool_threads();
  int tasks = threads > 1 ? slices_per_thread * threads : 1;
  if (tasks > n_panels) tasks = n_panels;
  j->panels_per_task = (n_panels + tasks - 1) / tasks;
  j->n_tasks = (n_panels + j->panels_per_task - 1) / j->panels_per_task;
  elma_parallel_for(j->n_tasks, gemm_task, j);
}

void elma_q8_linear(const elma_q8_matrix *m, const uint8_t *q, int rows, const float *scale, const int32_t *zp,
                    const float *bias, int act, float *y, int64_t ldy, int slices_per_thread) {
  gemm_job j = {m, q, scale, bias, zp, y, NULL, ldy, rows, act, 0, 0};
  run_gemm(&j, slices_per_thread);
}

void elma_q8_gemm_s32(const elma_q8_matrix *m, const uint8_t *q, int rows, int32_t *acc) {
  gemm_job j = {m, q, NULL, NULL, NULL, NULL, acc, 0, rows, ELMA_ACT_LINEAR, 0, 0};
  run_gemm(&j, 2);
}
