/*
 * Linear layers y = act(x · Wᵀ + b) on BLAS sgemm, with the bias and activation fused into the
 * epilogue of each task while its output tile is still in cache.
 *
 * Threading: the output is cut into column slices (rows of W, contiguous in HF's [out, in]
 * layout) or row blocks, one single-threaded sgemm per task on our pool (see _pool.c). Column
 * slices keep every thread on a distinct part of W, so each weight is read from memory once.
 */
#include "_blas.h"
#include "_common.h"
#include "_pool.h"

typedef struct {
  const float *x, *w, *b;
  float *y;
  int rows, in_f, out_f, ldy, act;
  int n_blk, m_blk, n_tiles;
} lin_job;

static void lin_task(void *ctx, int t, int worker) {
  (void)worker;
  lin_job *j = ctx;
  int n0 = (t % j->n_tiles) * j->n_blk, m0 = (t / j->n_tiles) * j->m_blk;
  int n = j->out_f - n0 < j->n_blk ? j->out_f - n0 : j->n_blk;
  int m = j->rows - m0 < j->m_blk ? j->rows - m0 : j->m_blk;
  float *y = j->y + (int64_t)m0 * j->ldy + n0;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, j->in_f, 1.0f, j->x + (int64_t)m0 * j->in_f, j->in_f,
              j->w + (int64_t)n0 * j->in_f, j->in_f, 0.0f, y, j->ldy);
  if (j->b != NULL || j->act != ELMA_ACT_LINEAR) {
    for (int r = 0; r < m; r++) elma_bias_act(y + (int64_t)r * j->ldy, j->b != NULL ? j->b + n0 : NULL, n, j->act);
  }
}

static int round_up(int v, int m) { return (v + m - 1) / m * m; }

void elma_linear_into(const float *x, int rows, int in_f, const float *w, const float *b, int out_f, int act, float *y,
                      int ldy, int slices_per_thread) {
  elma_blas_init();
  int threads = elma_pool_threads();
  lin_job j = {x, w, b, y, rows, in_f, out_f, ldy, act, out_f, rows, 1};
  double flops = 2.0 * rows * in_f * out_f;
  if (threads > 1 && flops >= 2e6) {
    if (out_f >= 128 * threads) {
      /* Column slices, each a multiple of 64 wide (the sgemm kernels' panel widths divide 64).
         Two per thread (elma_linear): the atomic hand-out then rebalances when a thread is slowed
         down (another process on its core), at the cost of packing x once more per slice. */
      int per = slices_per_thread * threads;
      j.n_blk = round_up((out_f + per - 1) / per, 64);
      j.n_tiles = (out_f + j.n_blk - 1) / j.n_blk;
    } else if (rows >= 16 * threads) {
      j.m_blk = round_up((rows + threads - 1) / threads, 16);
    }
  }
  int tasks = j.n_tiles * ((rows + j.m_blk - 1) / j.m_blk);
  elma_parallel_for(tasks, lin_task, &j);
}

void elma_linear_unchecked(const float *x, int rows, int in_f, const float *w, const float *b, int out_f, int act,
                           float *y) {
  elma_linear_into(x, rows, in_f, w, b, out_f, act, y, out_f, 2);
}

int elma_linear(const float *x, int32_t rows, int32_t in_f, const float *w, const float *b, int32_t out_f, int32_t act,
                float *y) {
  if (x == NULL || w == NULL || y == NULL) return elma_fail(ELMA_EINVAL, "elma_linear", "null buffer");
  if (rows < 0 || in_f <= 0 || out_f <= 0) return elma_fail(ELMA_EINVAL, "elma_linear", "bad shape [%d×%d]·[%d×%d]ᵀ", rows, in_f, out_f, in_f);
  if (act < 0 || act >= ELMA_ACT_COUNT) return elma_fail(ELMA_EUNSUPPORTED, "elma_linear", "unknown activation %d", act);
  if (rows > 0) elma_linear_unchecked(x, rows, in_f, w, b, out_f, act, y);
  return ELMA_OK;
}

/* One plain BLAS call with the BLAS library's own threads, for the benchmark's peak figure. */
int elma_sgemm_nt(const float *a, const float *b, int32_t m, int32_t n, int32_t k, float *c) {
  if (a == NULL || b == NULL || c == NULL || m <= 0 || n <= 0 || k <= 0) return elma_fail(ELMA_EINVAL, "elma_sgemm_nt", "bad arguments");
  elma_blas_init();
  elma_blas_set_threads(elma_pool_threads());
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, a, k, b, k, 0.0f, c, n);
  elma_blas_set_threads(1);
  return ELMA_OK;
}
