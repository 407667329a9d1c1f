/*
 * The int8 part of the C ABI (elma.h, docs/backends.md "int8"): which path runs, choosing one,
 * per-channel weight quantization, and a one-off int8 linear (weights packed per call; the layer
 * handle, layer_handle.c, packs once).
 */
#define _POSIX_C_SOURCE 200112L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "_common.h"
#include "_qgemm.h"

static const elma_q8_path *current = NULL;

const elma_q8_path *elma_q8_current_path(void) {
  if (current == NULL) current = elma_q8_default_path();
  return current;
}

const char *elma_int8_path(void) { return elma_q8_current_path()->name; }

const char *elma_int8_paths(void) {
  static char list[256];
  size_t at = 0;
  list[0] = '\0';
  for (int i = 0; i < elma_q8_path_count(); i++) {
    const elma_q8_path *p = elma_q8_path_at(i);
    if (!p->supported()) continue;
    int n = snprintf(list + at, sizeof list - at, "%s%s", at > 0 ? " " : "", p->name);
    if (n < 0 || (size_t)n >= sizeof list - at) break;
    at += (size_t)n;
  }
  return list;
}

int elma_int8_set_path(const char *name) {
  if (name == NULL || name[0] == '\0') {
    current = elma_q8_default_path();
    return ELMA_OK;
  }
  const elma_q8_path *p = elma_q8_path_named(name);
  if (p == NULL) return elma_fail(ELMA_EINVAL, "elma_int8_set_path", "unknown int8 path \"%s\" (this library has: %s)", name, elma_int8_paths());
  if (!p->supported()) return elma_fail(ELMA_EUNSUPPORTED, "elma_int8_set_path", "int8 path %s is not supported by this CPU (it runs: %s)", name, elma_int8_paths());
  current = p;
  return ELMA_OK;
}

int elma_int8_quantize(const float *w, int32_t out_f, int32_t in_f, int8_t *q, float *scale) {
  if (w == NULL || q == NULL || scale == NULL) return elma_fail(ELMA_EINVAL, "elma_int8_quantize", "null buffer");
  if (out_f <= 0 || in_f <= 0) return elma_fail(ELMA_EINVAL, "elma_int8_quantize", "bad shape [%d×%d]", out_f, in_f);
  elma_q8_quantize_weights(w, out_f, in_f, 127, q, scale);
  return ELMA_OK;
}

int elma_int8_linear(const float *x, int32_t rows, int32_t in_f, const int8_t *q, const float *scale, const float *b,
                     int32_t out_f, int32_t act, float *y) {
  const char *fn = "elma_int8_linear";
  if (x == NULL || q == NULL || scale == NULL || y == NULL) return elma_fail(ELMA_EINVAL, fn, "null buffer");
  if (rows < 0 || in_f <= 0 || out_f <= 0 || in_f > ELMA_Q8_K_MAX) return elma_fail(ELMA_EINVAL, fn, "bad shape [%d×%d]·[%d×%d]ᵀ", rows, in_f, out_f, in_f);
  if (act < 0 || act >= ELMA_ACT_COUNT) return elma_fail(ELMA_EUNSUPPORTED, fn, "unknown activation %d", act);
  const int64_t nk = (int64_t)out_f * in_f;
  for (int64_t i = 0; i < nk; i++)
    if (q[i] == -128) return elma_fail(ELMA_EINVAL, fn, "weight %lld is −128 (symmetric int8 is −127..127)", (long long)i);
  for (int32_t i = 0; i < out_f; i++)
    if (!(scale[i] >= 0) || isinf(scale[i])) return elma_fail(ELMA_EINVAL, fn, "scale %d is %g (must be finite and ≥ 0)", i, (double)scale[i]);
  if (rows == 0) return ELMA_OK;
  const elma_q8_path *p = elma_q8_current_path();
  const int kp = (in_f + ELMA_Q8_KPAD - 1) / ELMA_Q8_KPAD * ELMA_Q8_KPAD;
  uint8_t *qa = malloc((size_t)rows * kp);
  float *sx = malloc(sizeof(float) * (size_t)rows);
  int32_t *zp = malloc(sizeof(int32_t) * (size_t)rows);
  elma_q8_matrix *m = NULL;
  int rc = ELMA_OK;
  if (qa == NULL || sx == NULL || zp == NULL) {
    rc = elma_fail(ELMA_ENOMEM, fn, "no memory for [%d×%d]", rows, in_f);
    goto done;
  }
  if ((m = elma_q8_matrix_pack(p, q, scale, out_f, in_f)) == NULL) {
    rc = elma_fail(ELMA_ENOMEM, fn, "no memory to pack [%d×%d]", out_f, in_f);
    goto done;
  }
  elma_q8_quantize_rows(p, ELMA_Q8_PER_ROW, x, rows, in_f, in_f, qa, kp, sx, zp);
  elma_q8_linear(m, qa, rows, sx, zp, b, act, y, out_f, 2);
done:
  elma_q8_matrix_free(m);
  free(qa);
  free(sx);
  free(zp);
  return rc;
}
