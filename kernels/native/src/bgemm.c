/*
 * The bf16 GEMM's driver (the scheme is in _bgemm.h): rounding, choosing a path from the CPU's
 * features, packing weight panels, rounding activations, and running the kernels on the pool
 * with the bias and activation epilogue. Threading and blocking as qgemm.c: column slices of
 * whole panels, slices_per_thread per thread; inside a slice, groups of panels that fit in half
 * of L2, and for each block of mr rows every panel of the group.
 */
#define _POSIX_C_SOURCE 200112L /* posix_memalign */
#include <stdlib.h>
#include <string.h>

#include "_bgemm.h"
#include "_common.h"
#include "_pool.h"

/* --- bf16 values ----------------------------------------------------------------------------- */

/* Round to nearest, ties to even, on the bits: add 0x7FFF plus the lowest kept bit, then keep the
   top half. An infinity stays infinite, a finite value past the largest bf16 becomes infinite (as
   IEEE rounding does); a NaN keeps its sign and gets the quiet bit, so it never rounds into an
   infinity. */
uint16_t elma_b16_round(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x0040u);
  return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

float elma_b16_to_f32(uint16_t h) {
  const uint32_t u = (uint32_t)h << 16;
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

/* --- paths ----------------------------------------------------------------------------------- */

static const elma_b16_path *all_paths[8];
static int n_paths = 0;

static void collect_paths(void) {
  if (n_paths > 0) return;
  int n = 0;
  for (int i = 0; elma_b16_x86_paths[i] != NULL; i++) all_paths[n++] = elma_b16_x86_paths[i];
  all_paths[n++] = &elma_b16_portable_path;
  n_paths = n;
}

int elma_b16_path_count(void) {
  collect_paths();
  return n_paths;
}

const elma_b16_path *elma_b16_path_at(int i) {
  collect_paths();
  return i >= 0 && i < n_paths ? all_paths[i] : NULL;
}

const elma_b16_path *elma_b16_path_named(const char *name) {
  collect_paths();
  for (int i = 0; i < n_paths; i++)
    if (strcmp(all_paths[i]->name, name) == 0) return all_paths[i];
  return NULL;
}

const elma_b16_path *elma_b16_default_path(void) {
  collect_paths();
  for (int i = 0; i < n_paths; i++)
    if (all_paths[i]->supported()) return all_paths[i];
  return &elma_b16_portable_path;
}

/* --- weights and activations ----------------------------------------------------------------- */

void elma_b16_matrix_free(elma_b16_matrix *m) {
  if (m == NULL) return;
  free(m->panels);
  free(m);
}

elma_b16_matrix *elma_b16_matrix_pack(const elma_b16_path *path, const float *w, int n, int k) {
  elma_b16_matrix *m = calloc(1, sizeof *m);
  if (m == NULL) return NULL;
  const int nr = path->nr;
  m->path = path;
  m->n = n;
  m->k = k;
  m->kp = (k + 1) / 2 * 2;
  m->np = (n + nr - 1) / nr * nr;
  void *panels = NULL;
  if (posix_memalign(&panels, 64, (size_t)m->np * m->kp * sizeof(uint16_t)) != 0) {
    free(m);
    return NULL;
  }
  m->panels = panels;
  memset(m->panels, 0, (size_t)m->np * m->kp * sizeof(uint16_t));
  for (int j = 0; j < n; j++) {
    /* Column j lives in panel j / nr, lane j % nr: values [k/2][nr][2]. */
    uint16_t *p = m->panels + (int64_t)(j / nr) * m->kp * nr + (j % nr) * 2;
    const float *row = w + (int64_t)j * k;
    for (int i = 0; i < k; i++) p[(int64_t)(i / 2) * nr * 2 + i % 2] = elma_b16_round(row[i]);
  }
  return m;
}

typedef struct {
  const float *x;
  uint16_t *a;
  int64_t ldx;
  int rows, k, kp, per;
} convert_job;

static void convert_task(void *ctx, int t, int worker) {
  (void)worker;
  const convert_job *j = ctx;
  const int r0 = t * j->per, r1 = r0 + j->per < j->rows ? r0 + j->per : j->rows;
  for (int r = r0; r < r1; r++) {
    const float *x = j->x + (int64_t)r * j->ldx;
    uint16_t *a = j->a + (int64_t)r * j->kp;
    for (int i = 0; i < j->k; i++) a[i] = elma_b16_round(x[i]);
    for (int i = j->k; i < j->kp; i++) a[i] = 0;
  }
}

void elma_b16_convert_rows(const float *x, int rows, int k, int64_t ldx, uint16_t *a, int kp) {
  /* About 64 KiB of floats per task, as elma_q8_quantize_rows. */
  const int threads = elma_pool_threads();
  int per = (int)(16384 / (k > 0 ? k : 1));
  if (per < 1) per = 1;
  if (threads > 1 && rows / per < 2 * threads) per = (rows + 2 * threads - 1) / (2 * threads);
  if (per < 1) per = 1;
  convert_job j = {x, a, ldx, rows, k, kp, per};
  elma_parallel_for((rows + per - 1) / per, convert_task, &j);
}

/* --- the GEMM -------------------------------------------------------------------------------- */

#define PANEL_GROUP_BYTES (256 * 1024)

typedef struct {
  const elma_b16_matrix *m;
  const uint16_t *a;
  const float *bias;
  float *y;
  int64_t ldy;
  int rows, act, panels_per_task;
} gemm_job;

static void gemm_tile(const gemm_job *j, int p, int r0, float *tile) {
  const elma_b16_matrix *m = j->m;
  const elma_b16_path *path = m->path;
  const int nr = path->nr, kp = m->kp;
  const int rows = j->rows - r0 < path->mr ? j->rows - r0 : path->mr;
  const int n0 = p * nr, cols = m->n - n0 < nr ? m->n - n0 : nr;
  path->kernel(j->a + (int64_t)r0 * kp, kp, rows, m->panels + (int64_t)p * kp * nr, kp, tile);
  /* The bias and activation on the tile while it is in L1, then its rows out. */
  for (int i = 0; i < rows; i++) {
    float *t = tile + i * nr;
    elma_bias_act(t, j->bias != NULL ? j->bias + n0 : NULL, cols, j->act);
    memcpy(j->y + (int64_t)(r0 + i) * j->ldy + n0, t, (size_t)cols * sizeof *t);
  }
}

static void gemm_task(void *ctx, int t, int worker) {
  (void)worker;
  const gemm_job *j = ctx;
  const elma_b16_matrix *m = j->m;
  const int nr = m->path->nr, mr = m->path->mr;
  float tile[ELMA_BF16_MR_MAX * ELMA_BF16_NR_MAX] __attribute__((aligned(64)));
  const int n_panels = m->np / nr, p0 = t * j->panels_per_task;
  const int p1 = p0 + j->panels_per_task < n_panels ? p0 + j->panels_per_task : n_panels;
  int group = (int)(PANEL_GROUP_BYTES / ((int64_t)m->kp * nr * (int64_t)sizeof(uint16_t)));
  if (group < 1) group = 1;
  for (int g0 = p0; g0 < p1; g0 += group) {
    const int g1 = g0 + group < p1 ? g0 + group : p1;
    for (int r0 = 0; r0 < j->rows; r0 += mr)
      for (int p = g0; p < g1; p++) gemm_tile(j, p, r0, tile);
  }
}

void elma_b16_linear(const elma_b16_matrix *m, const uint16_t *a, int rows, const float *bias, int act, float *y,
                      int64_t ldy, int slices_per_thread) {
  const int n_panels = m->np / m->path->nr;
  const int threads = elma_pool_threads();
  int tasks = threads > 1 ? slices_per_thread * threads : 1;
  if (tasks > n_panels) tasks = n_panels;
  gemm_job j = {m, a, bias, y, ldy, rows, act, (n_panels + tasks - 1) / tasks};
  elma_parallel_for((n_panels + j.panels_per_task - 1) / j.panels_per_task, gemm_task, &j);
}
