/* LayerNorm over the last dimension with the residual add fused in (HF AlbertAttention /
   AlbertLayer: LayerNorm(x + sublayer(x))): one pass to sum, one for the variance, one to write. */
#include <math.h>

#include "_common.h"
#include "_pool.h"

typedef struct {
  const float *x, *res, *gamma, *beta;
  float *out;
  int rows, cols, per;
  float eps;
} ln_job;

static void ln_row(const float *x, const float *res, int n, const float *g, const float *b, float eps, float *out) {
  /* Sums in double: the rows are short (768), and it keeps the mean exact to float precision
     even for rows with a large common offset. */
  double sum = 0;
  if (res != NULL) {
#pragma omp simd reduction(+ : sum)
    for (int c = 0; c < n; c++) {
      float v = x[c] + res[c];
      out[c] = v;
      sum += v;
    }
  } else {
#pragma omp simd reduction(+ : sum)
    for (int c = 0; c < n; c++) {
      out[c] = x[c];
      sum += x[c];
    }
  }
  float mean = (float)(sum / n);
  double var = 0;
#pragma omp simd reduction(+ : var)
  for (int c = 0; c < n; c++) {
    float d = out[c] - mean;
    var += d * d;
  }
  float inv = (float)(1.0 / sqrt(var / n + eps));
#pragma omp simd
  for (int c = 0; c < n; c++) out[c] = (out[c] - mean) * inv * g[c] + b[c];
}

static void ln_task(void *ctx, int t, int worker) {
  (void)worker;
  ln_job *j = ctx;
  int r1 = (t + 1) * j->per < j->rows ? (t + 1) * j->per : j->rows;
  for (int r = t * j->per; r < r1; r++) {
    int64_t o = (int64_t)r * j->cols;
    ln_row(j->x + o, j->res != NULL ? j->res + o : NULL, j->cols, j->gamma, j->beta, j->eps, j->out + o);
  }
}

void elma_layer_norm_unchecked(const float *x, const float *res, int rows, int cols, const float *gamma,
                               const float *beta, float eps, float *out) {
  int per = cols >= 8192 ? 1 : 8192 / cols;
  ln_job j = {x, res, gamma, beta, out, rows, cols, per, eps};
  elma_parallel_for((rows + per - 1) / per, ln_task, &j);
}

int elma_layer_norm(const float *x, const float *res, int32_t rows, int32_t cols, const float *gamma,
                    const float *beta, float eps, float *out) {
  if (x == NULL || gamma == NULL || beta == NULL || out == NULL) return elma_fail(ELMA_EINVAL, "elma_layer_norm", "null buffer");
  if (rows < 0 || cols <= 0) return elma_fail(ELMA_EINVAL, "elma_layer_norm", "bad shape [%d×%d]", rows, cols);
  if (!(eps >= 0)) return elma_fail(ELMA_EINVAL, "elma_layer_norm", "eps %g is not ≥ 0", (double)eps);
  elma_layer_norm_unchecked(x, res, rows, cols, gamma, beta, eps, out);
  return ELMA_OK;
}
