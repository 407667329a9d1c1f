/*
 * Plain double-precision loops of the ALBERT layer ops (HF AlbertLayer), the reference of the C
 * harnesses: kernels/native/test (the CPU library) and kernels/cuda/test (the GPU library, which
 * must not need BLAS on a GPU server). Header-only, static: each harness includes it once.
 */
#ifndef ELMA_TEST_REFERENCE_H
#define ELMA_TEST_REFERENCE_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "elma.h"

static inline void ref_linear(const float *x, int R, int K, const float *w, const float *b, int N, double *y) {
  for (int r = 0; r < R; r++) for (int o = 0; o < N; o++) {
    double s = b ? b[o] : 0;
    for (int k = 0; k < K; k++) s += (double)x[r * K + k] * w[o * K + k];
    y[r * N + o] = s;
  }
}

static inline void ref_layer_norm(const double *x, int R, int C, const float *g, const float *b, double eps, double *y) {
  for (int r = 0; r < R; r++) {
    double m = 0, v = 0;
    for (int c = 0; c < C; c++) m += x[r * C + c];
    m /= C;
    for (int c = 0; c < C; c++) v += (x[r * C + c] - m) * (x[r * C + c] - m);
    v /= C;
    for (int c = 0; c < C; c++) y[r * C + c] = (x[r * C + c] - m) / sqrt(v + eps) * g[c] + b[c];
  }
}

static inline void ref_attention(const double *q, const double *k, const double *v, const int32_t *mask, int B, int S, int Hn, int D, double *out) {
  int Hd = Hn * D;
  double *sc = malloc(sizeof(double) * S);
  for (int b = 0; b < B; b++) for (int h = 0; h < Hn; h++) for (int i = 0; i < S; i++) {
    double mx = -INFINITY, z = 0;
    for (int j = 0; j < S; j++) {
      double s = 0;
      for (int d = 0; d < D; d++) s += q[(b * S + i) * Hd + h * D + d] * k[(b * S + j) * Hd + h * D + d];
      sc[j] = s / sqrt(D) + (mask[b * S + j] ? 0 : -3.4028234663852886e38); /* HF: + finfo.min */
      if (sc[j] > mx) mx = sc[j];
    }
    for (int j = 0; j < S; j++) { sc[j] = exp(sc[j] - mx); z += sc[j]; }
    for (int d = 0; d < D; d++) {
      double acc = 0;
      for (int j = 0; j < S; j++) acc += sc[j] / z * v[(b * S + j) * Hd + h * D + d];
      out[(b * S + i) * Hd + h * D + d] = acc;
    }
  }
  free(sc);
}

/* One ALBERT layer: x float [R, H] → out double [R, H]; activation gelu (erf) or gelu_new (tanh). */
static inline void ref_layer(const float *x, const int32_t *mask, const elma_layer_weights *w, const elma_layer_shape *s,
                             double *out) {
  const int B = s->batch, S = s->seq, H = s->hidden, Hn = s->heads, I = s->intermediate, R = B * S;
  double *q = malloc(sizeof(double) * R * H), *k = malloc(sizeof(double) * R * H), *v = malloc(sizeof(double) * R * H);
  double *ctx = malloc(sizeof(double) * R * H), *a = malloc(sizeof(double) * R * H), *f = malloc(sizeof(double) * R * I);
  double *y = malloc(sizeof(double) * R * H);
  float *tmp = malloc(sizeof(float) * R * (I > H ? I : H));
  ref_linear(x, R, H, w->query_w, w->query_b, H, q);
  ref_linear(x, R, H, w->key_w, w->key_b, H, k);
  ref_linear(x, R, H, w->value_w, w->value_b, H, v);
  ref_attention(q, k, v, mask, B, S, Hn, H / Hn, ctx);
  for (int i = 0; i < R * H; i++) tmp[i] = (float)ctx[i];
  ref_linear(tmp, R, H, w->dense_w, w->dense_b, H, y);
  for (int i = 0; i < R * H; i++) y[i] += x[i];
  ref_layer_norm(y, R, H, w->attn_ln_g, w->attn_ln_b, s->layer_norm_eps, a);
  for (int i = 0; i < R * H; i++) tmp[i] = (float)a[i];
  ref_linear(tmp, R, H, w->ffn_w, w->ffn_b, I, f);
  for (int i = 0; i < R * I; i++) {
    const double z = f[i];
    tmp[i] = (float)(s->activation == ELMA_ACT_GELU_TANH ? 0.5 * z * (1 + tanh(0.79788456080286536 * (z + 0.044715 * z * z * z)))
                                                         : 0.5 * z * (1 + erf(z / sqrt(2.0))));
  }
  ref_linear(tmp, R, I, w->ffn_out_w, w->ffn_out_b, H, y);
  for (int i = 0; i < R * H; i++) y[i] += a[i];
  ref_layer_norm(y, R, H, w->out_ln_g, w->out_ln_b, s->layer_norm_eps, out);
  free(q); free(k); free(v); free(ctx); free(a); free(f); free(y); free(tmp);
}

#endif
