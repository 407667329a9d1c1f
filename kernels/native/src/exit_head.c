/*
 * The exit head and its confidence: QA logits (HF qa_outputs, Linear hidden → 2) and the
 * normalised entropy of the span-answer distribution (engine/exit/entropy.ts has the why; this
 * is the same two-pass log-sum-exp, in double as JavaScript computes it).
 */
#include <math.h>

#include "_common.h"
#include "_pool.h"

int elma_qa_head(const float *x, int32_t rows, int32_t hidden, const float *w, const float *b, float *start, float *end) {
  if (x == NULL || w == NULL || b == NULL || start == NULL || end == NULL) return elma_fail(ELMA_EINVAL, "elma_qa_head", "null buffer");
  if (rows < 0 || hidden <= 0) return elma_fail(ELMA_EINVAL, "elma_qa_head", "bad shape [%d×%d]", rows, hidden);
  const float *w0 = w, *w1 = w + hidden;
  for (int r = 0; r < rows; r++) {
    const float *xr = x + (int64_t)r * hidden;
    float s0 = 0, s1 = 0;
#pragma omp simd reduction(+ : s0, s1)
    for (int c = 0; c < hidden; c++) {
      s0 += xr[c] * w0[c];
      s1 += xr[c] * w1[c];
    }
    start[r] = s0 + b[0];
    end[r] = s1 + b[1];
  }
  return ELMA_OK;
}

static float span_entropy(const float *st, const float *en, const int32_t *ctx, int seq, int max_len, int null_index) {
  double max = null_index >= 0 ? (double)st[null_index] + en[null_index] : -INFINITY;
  for (int i = 0; i < seq; i++) {
    if (!ctx[i]) continue;
    int last = i + max_len < seq ? i + max_len : seq;
    for (int j = i; j < last; j++)
      if (ctx[j] && (double)st[i] + en[j] > max) max = (double)st[i] + en[j];
  }
  if (max == -INFINITY) return 0;
  double z = 0, zs = 0;
  long n = 0;
  if (null_index >= 0) {
    double d = (double)st[null_index] + en[null_index] - max, e = exp(d);
    z += e, zs += d * e, n++;
  }
  for (int i = 0; i < seq; i++) {
    if (!ctx[i]) continue;
    int last = i + max_len < seq ? i + max_len : seq;
    for (int j = i; j < last; j++) {
      if (!ctx[j]) continue;
      double d = (double)st[i] + en[j] - max, e = exp(d);
      z += e, zs += d * e, n++;
    }
  }
  if (n <= 1) return 0;
  double h = (log(z) - zs / z) / log((double)n);
  return (float)(h < 0 ? 0 : (h > 1 ? 1 : h));
}

int elma_span_entropy(const float *start, const float *end, const int32_t *context, int32_t batch, int32_t seq,
                      int32_t max_answer_length, int32_t null_index, float *entropy) {
  if (start == NULL || end == NULL || context == NULL || entropy == NULL) return elma_fail(ELMA_EINVAL, "elma_span_entropy", "null buffer");
  if (batch < 0 || seq <= 0 || max_answer_length <= 0 || null_index < -1 || null_index >= seq) {
    return elma_fail(ELMA_EINVAL, "elma_span_entropy", "bad arguments batch %d seq %d max_answer_length %d null_index %d",
                     batch, seq, max_answer_length, null_index);
  }
  for (int b = 0; b < batch; b++) {
    int64_t o = (int64_t)b * seq;
    entropy[b] = span_entropy(start + o, end + o, context + o, seq, max_answer_length, null_index);
  }
  return ELMA_OK;
}
