/*
 * A layer handle: the library's own packed copy of one ALBERT layer's weights, made once
 * (elma_layer_create) and run many times (elma_layer_run; ALBERT runs one shared layer 12 times
 * per question). The unpacked elma_layer cannot keep anything between calls: the caller's arrays
 * are only valid during a call (elma.h), so this is the only place where weights can be packed.
 *
 * What the packing is (measured with single-threaded sgemm on the layer's shapes, cold weights,
 * 2026-11-27, BENCHMARKS.md): Q, K and V as one [3H, H] matrix and [3H] bias, so the three
 * projections are one GEMM with N = 3H (−10 to −15% on that GEMM: x is packed once per slice
 * instead of once per slice per matrix, and the wider slices run closer to the kernel's peak).
 * The matrices keep the Hugging Face [out, in] layout, i.e. B transposed (CblasTrans): with
 * OpenBLAS on this Xeon, every GEMM of the layer ran slower from a pre-transposed [in, out] copy
 * (2–7% at 384 rows, 11–20% at 128). Every array starts on a 64-byte boundary.
 *
 * The handle owns all its memory and never looks at the caller's arrays again: if the caller
 * changes the weights, it must create a new handle (kernels/native/index.ts keeps that rule).
 */
#define _POSIX_C_SOURCE 200112L /* posix_memalign */
#include <stdlib.h>
#include <string.h>

#include "_common.h"
#include "_layer.h"
#include "_layer_bf16.h"
#include "_layer_int8.h"

struct elma_layer_handle {
  elma_layer_shape shape; /* batch and seq unused */
  elma_layer_weights w;   /* views into mem; query_w / query_b are the packed [3H, H] / [3H] */
  float *mem;
  int slices_per_thread;
  elma_layer_int8 *int8; /* an int8 handle (elma_layer_create_int8): the layer runs on this instead */
  elma_layer_bf16 *bf16; /* a bf16 handle (elma_layer_create_bf16): likewise */
};

static size_t up16(size_t n) { return (n + 15) / 16 * 16; } /* floats → whole 64-byte lines */

/* Copy n floats into the arena at *at (kept 64-byte aligned) and return where they went. */
static const float *put(float *mem, size_t *at, const float *src, size_t n) {
  float *dst = mem + *at;
  memcpy(dst, src, n * sizeof *src);
  *at += up16(n);
  return dst;
}

elma_layer_handle *elma_layer_create(const elma_layer_weights *w, const elma_layer_shape *s) {
  if (w == NULL || s == NULL) {
    elma_fail(ELMA_EINVAL, "elma_layer_create", "null argument");
    return NULL;
  }
  if (elma_layer_check_shape(s, "elma_layer_create", 0) != ELMA_OK) return NULL;
  if (elma_layer_check_weights(w, "elma_layer_create") != ELMA_OK) return NULL;
  const size_t H = (size_t)s->hidden, I = (size_t)s->intermediate;
  const size_t floats = up16(3 * H * H) + up16(3 * H) + up16(H * H) + 6 * up16(H) + 2 * up16(I * H) + up16(I);
  elma_layer_handle *h = calloc(1, sizeof *h);
  void *mem = NULL;
  if (h == NULL || posix_memalign(&mem, 64, floats * sizeof(float)) != 0) {
    free(h);
    elma_fail(ELMA_ENOMEM, "elma_layer_create", "no memory for %zu floats of packed weights", floats);
    return NULL;
  }
  h->mem = mem;
  h->shape = *s;
  h->shape.batch = 0;
  h->shape.seq = 0;
  size_t at = 0;
  float *qkv_w = h->mem + at;
  memcpy(qkv_w, w->query_w, H * H * sizeof(float));
  memcpy(qkv_w + H * H, w->key_w, H * H * sizeof(float));
  memcpy(qkv_w + 2 * H * H, w->value_w, H * H * sizeof(float));
  at += up16(3 * H * H);
  float *qkv_b = h->mem + at;
  memcpy(qkv_b, w->query_b, H * sizeof(float));
  memcpy(qkv_b + H, w->key_b, H * sizeof(float));
  memcpy(qkv_b + 2 * H, w->value_b, H * sizeof(float));
  at += up16(3 * H);
  h->w.query_w = qkv_w;
  h->w.key_w = qkv_w + H * H;
  h->w.value_w = qkv_w + 2 * H * H;
  h->w.query_b = qkv_b;
  h->w.key_b = qkv_b + H;
  h->w.value_b = qkv_b + 2 * H;
  h->w.dense_w = put(h->mem, &at, w->dense_w, H * H);
  h->w.dense_b = put(h->mem, &at, w->dense_b, H);
  h->w.attn_ln_g = put(h->mem, &at, w->attn_ln_g, H);
  h->w.attn_ln_b = put(h->mem, &at, w->attn_ln_b, H);
  h->w.ffn_w = put(h->mem, &at, w->ffn_w, I * H);
  h->w.ffn_b = put(h->mem, &at, w->ffn_b, I);
  h->w.ffn_out_w = put(h->mem, &at, w->ffn_out_w, H * I);
  h->w.ffn_out_b = put(h->mem, &at, w->ffn_out_b, H);
  h->w.out_ln_g = put(h->mem, &at, w->out_ln_g, H);
  h->w.out_ln_b = put(h->mem, &at, w->out_ln_b, H);
  /* Two column slices per thread, as elma_linear: one per thread (wider slices, x packed half as
     often) was faster alone but 17% slower in a run where another process took a core (no slice
     left to hand to the free thread), 2026-11-27. Four per thread measured level with two (issue 19). */
  h->slices_per_thread = 2;
  return h;
}

int elma_layer_run(const elma_layer_handle *h, float *x, const int32_t *key_mask, int32_t batch, int32_t seq) {
  if (h == NULL) return elma_fail(ELMA_EINVAL, "elma_layer_run", "null handle");
  if (x == NULL || key_mask == NULL) return elma_fail(ELMA_EINVAL, "elma_layer_run", "null buffer");
  if (batch < 0 || seq <= 0) return elma_fail(ELMA_EINVAL, "elma_layer_run", "bad shape batch %d seq %d", batch, seq);
  if ((int64_t)batch * seq > INT32_MAX / (4 * (int64_t)h->shape.hidden + h->shape.intermediate)) {
    return elma_fail(ELMA_EUNSUPPORTED, "elma_layer_run", "batch %d × seq %d is too large", batch, seq);
  }
  if ((int64_t)seq * seq > ((int64_t)1 << 28)) return elma_fail(ELMA_EUNSUPPORTED, "elma_layer_run", "sequence %d is too long", seq);
  if (batch == 0) return ELMA_OK;
  if (h->int8 != NULL) return elma_layer_int8_forward(h->int8, x, key_mask, batch, seq, h->slices_per_thread);
  if (h->bf16 != NULL) return elma_layer_bf16_forward(h->bf16, x, key_mask, batch, seq, h->slices_per_thread);
  return elma_layer_forward(x, key_mask, batch, seq, &h->w, &h->shape, ELMA_QKV_PACKED, h->slices_per_thread);
}

void elma_layer_destroy(elma_layer_handle *h) {
  if (h == NULL) return;
  elma_layer_int8_free(h->int8);
  elma_layer_bf16_free(h->bf16);
  free(h->mem);
  free(h);
}

/* The shell of an int8 or bf16 handle (the layer itself is set by the caller). Eight column slices
   per thread for their GEMMs: they pack nothing per slice (the activations are quantized or
   rounded once per GEMM), so finer slices cost little and let the free thread take over more of a
   descheduled one's share; on this 2-core VM under load (60 alternating runs, int8) 8 took 0.89×
   (seq 128) and 0.96× (seq 384) the time of 2, and 16 took 1.12× and 1.03× that of 8. */
static elma_layer_handle *reduced_handle(const elma_layer_shape *s, const char *fn) {
  elma_layer_handle *h = calloc(1, sizeof *h);
  if (h == NULL) {
    elma_fail(ELMA_ENOMEM, fn, "no memory");
    return NULL;
  }
  h->shape = *s;
  h->shape.batch = 0;
  h->shape.seq = 0;
  h->slices_per_thread = 8;
  return h;
}

/* The int8 handle (docs/backends.md, "int8"; layer_int8.c): the same run and destroy, the six
   matrices packed for the int8 path in use now. ELMA_INT8_ACTIVATIONS=per-tensor quantizes each
   GEMM's input with one scale instead of one per row (the comparison in docs/backends.md). */
elma_layer_handle *elma_layer_create_int8(const elma_layer_weights *w, const elma_layer_int8_matrices *q,
                                          const elma_layer_shape *s) {
  const char *fn = "elma_layer_create_int8";
  if (w == NULL || s == NULL) {
    elma_fail(ELMA_EINVAL, fn, "null argument");
    return NULL;
  }
  if (elma_layer_check_shape(s, fn, 0) != ELMA_OK) return NULL;
  if (s->hidden > ELMA_Q8_K_MAX || s->intermediate > ELMA_Q8_K_MAX) {
    elma_fail(ELMA_EUNSUPPORTED, fn, "hidden %d / intermediate %d: int8 sums need both ≤ %d", s->hidden, s->intermediate, ELMA_Q8_K_MAX);
    return NULL;
  }
  if (q == NULL) {
    if (elma_layer_check_weights(w, fn) != ELMA_OK) return NULL;
  } else {
    const float *const vec[] = {w->query_b, w->key_b, w->value_b, w->dense_b, w->attn_ln_g, w->attn_ln_b, w->ffn_b,
                                w->ffn_out_b, w->out_ln_g, w->out_ln_b};
    for (unsigned i = 0; i < sizeof vec / sizeof vec[0]; i++)
      if (vec[i] == NULL) {
        elma_fail(ELMA_EINVAL, fn, "bias or LayerNorm vector %u of elma_layer_weights is null", i);
        return NULL;
      }
    if (elma_layer_int8_check(q, s, fn) != ELMA_OK) return NULL;
  }
  int granularity = ELMA_Q8_PER_ROW;
  const char *g = getenv("ELMA_INT8_ACTIVATIONS");
  if (g != NULL && g[0] != '\0' && strcmp(g, "per-row") != 0) {
    if (strcmp(g, "per-tensor") != 0) {
      elma_fail(ELMA_EINVAL, fn, "ELMA_INT8_ACTIVATIONS is \"%s\": per-row or per-tensor", g);
      return NULL;
    }
    granularity = ELMA_Q8_PER_TENSOR;
  }
  elma_layer_handle *h = reduced_handle(s, fn);
  if (h == NULL) return NULL;
  h->int8 = elma_layer_int8_create(w, q, s, elma_q8_current_path(), granularity);
  if (h->int8 == NULL) {
    free(h);
    return NULL;
  }
  return h;
}

const char *elma_layer_int8_path_of(const elma_layer_handle *h) {
  return h != NULL && h->int8 != NULL ? elma_layer_int8_path(h->int8) : "";
}

/* The bf16 handle (docs/backends.md, "bf16"; layer_bf16.c): the same run and destroy, the four
   matrices rounded to bf16 and packed for the bf16 path in use now. */
elma_layer_handle *elma_layer_create_bf16(const elma_layer_weights *w, const elma_layer_shape *s) {
  const char *fn = "elma_layer_create_bf16";
  if (w == NULL || s == NULL) {
    elma_fail(ELMA_EINVAL, fn, "null argument");
    return NULL;
  }
  if (elma_layer_check_shape(s, fn, 0) != ELMA_OK) return NULL;
  if (elma_layer_check_weights(w, fn) != ELMA_OK) return NULL;
  elma_layer_handle *h = reduced_handle(s, fn);
  if (h == NULL) return NULL;
  h->bf16 = elma_layer_bf16_create(w, s, elma_b16_current_path());
  if (h->bf16 == NULL) {
    free(h);
    return NULL;
  }
  return h;
}

const char *elma_layer_bf16_path_of(const elma_layer_handle *h) {
  return h != NULL && h->bf16 != NULL ? elma_layer_bf16_path(h->bf16) : "";
}
