/*
 * "elma:kernels": elma.h as JavaScript functions (build/quickjs/qjs-modules.d.ts types them).
 *
 * Every argument is checked here before C sees a pointer, as kernels/native/index.ts does under
 * koffi: a typed array of the wrong kind is a TypeError, a short one a RangeError (C cannot know a
 * typed array's length). A kernel that still refuses (elma_status < 0) throws an Error carrying
 * elma_last_error(). The fused layer is a handle object (class ElmaLayer) owning the library's packed
 * copy of the weights (elma_layer_create), freed by its finalizer when the object is collected, or
 * at once by layerDestroy.
 */
#include <stdint.h>
#include <stdio.h>

#include "elma.h"
#include "kernels-module.h"
#include "_typed-array.h"

#define F32 ELMA_QJS_F32
#define I32 ELMA_QJS_I32

static int ok(JSContext *ctx, int rc, const char *fn) {
  if (rc == ELMA_OK) return 0;
  JS_ThrowInternalError(ctx, "%s failed (%d): %s", fn, rc, elma_last_error());
  return -1;
}

/* A non-negative int32 shape value (elma.h takes int32_t). */
static int dim(JSContext *ctx, JSValueConst v, const char *what, int32_t *out) {
  double d;
  if (JS_ToFloat64(ctx, &d, v) != 0) return -1;
  if (!(d >= 0 && d <= INT32_MAX) || d != (double)(int32_t)d) {
    JS_ThrowRangeError(ctx, "%s: %g is not a non-negative int32", what, d);
    return -1;
  }
  *out = (int32_t)d;
  return 0;
}

static int activation_code(JSContext *ctx, JSValueConst v, int32_t *out) {
  if (dim(ctx, v, "activation", out) != 0) return -1;
  if (*out >= ELMA_ACT_COUNT) {
    JS_ThrowRangeError(ctx, "activation %d: elma.h knows 0..%d", *out, ELMA_ACT_COUNT - 1);
    return -1;
  }
  return 0;
}

/* linear(x, rows, inF, w, bias | null, outF, act, out) */
static JSValue js_linear(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  int32_t rows, in_f, out_f, act;
  if (dim(ctx, argv[1], "linear rows", &rows) || dim(ctx, argv[2], "linear inF", &in_f) || dim(ctx, argv[5], "linear outF", &out_f) ||
      activation_code(ctx, argv[6], &act)) return JS_EXCEPTION;
  const float *x = elma_qjs_typed_array_min(ctx, argv[0], F32, "linear x", (int64_t)rows * in_f);
  if (x == NULL) return JS_EXCEPTION;
  const float *w = elma_qjs_typed_array_min(ctx, argv[3], F32, "linear w", (int64_t)out_f * in_f);
  if (w == NULL) return JS_EXCEPTION;
  const float *b = NULL;
  if (!JS_IsNull(argv[4]) && (b = elma_qjs_typed_array_min(ctx, argv[4], F32, "linear bias", out_f)) == NULL) return JS_EXCEPTION;
  float *y = elma_qjs_typed_array_min(ctx, argv[7], F32, "linear out", (int64_t)rows * out_f);
  if (y == NULL) return JS_EXCEPTION;
  if (ok(ctx, elma_linear(x, rows, in_f, w, b, out_f, act, y), "elma_linear")) return JS_EXCEPTION;
  return JS_UNDEFINED;
}

/* layerNorm(x, residual | null, rows, cols, gamma, beta, eps, out) */
static JSValue js_layer_norm(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  int32_t rows, cols;
  double eps;
  if (dim(ctx, argv[2], "layerNorm rows", &rows) || dim(ctx, argv[3], "layerNorm cols", &cols) || JS_ToFloat64(ctx, &eps, argv[6])) return JS_EXCEPTION;
  int64_t n = (int64_t)rows * cols;
  const float *x = elma_qjs_typed_array_min(ctx, argv[0], F32, "layerNorm x", n);
  if (x == NULL) return JS_EXCEPTION;
  const float *res = NULL;
  if (!JS_IsNull(argv[1]) && (res = elma_qjs_typed_array_min(ctx, argv[1], F32, "layerNorm residual", n)) == NULL) return JS_EXCEPTION;
  const float *g = elma_qjs_typed_array_min(ctx, argv[4], F32, "layerNorm gamma", cols);
  if (g == NULL) return JS_EXCEPTION;
  const float *b = elma_qjs_typed_array_min(ctx, argv[5], F32, "layerNorm beta", cols);
  if (b == NULL) return JS_EXCEPTION;
  float *out = elma_qjs_typed_array_min(ctx, argv[7], F32, "layerNorm out", n);
  if (out == NULL) return JS_EXCEPTION;
  if (ok(ctx, elma_layer_norm(x, res, rows, cols, g, b, (float)eps, out), "elma_layer_norm")) return JS_EXCEPTION;
  return JS_UNDEFINED;
}

/* activation(act, x): in place over all of x */
static JSValue js_activation(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  int32_t act;
  size_t n = 0;
  if (activation_code(ctx, argv[0], &act)) return JS_EXCEPTION;
  float *x = elma_qjs_typed_array(ctx, argv[1], F32, "activation x", &n);
  if (x == NULL) return JS_EXCEPTION;
  if (n > 0 && ok(ctx, elma_activation_inplace(act, x, (int64_t)n), "elma_activation_inplace")) return JS_EXCEPTION;
  return JS_UNDEFINED;
}

/* softmax(x, rows, cols): each row in place */
static JSValue js_softmax(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  int32_t rows, cols;
  if (dim(ctx, argv[1], "softmax rows", &rows) || dim(ctx, argv[2], "softmax cols", &cols)) return JS_EXCEPTION;
  float *x = elma_qjs_typed_array_min(ctx, argv[0], F32, "softmax x", (int64_t)rows * cols);
  if (x == NULL) return JS_EXCEPTION;
  if (ok(ctx, elma_softmax_inplace(x, rows, cols), "elma_softmax_inplace")) return JS_EXCEPTION;
  return JS_UNDEFINED;
}

/* add(a, b): a += b over all of a */
static JSValue js_add(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  size_t n = 0;
  float *a = elma_qjs_typed_array(ctx, argv[0], F32, "add a", &n);
  if (a == NULL) return JS_EXCEPTION;
  const float *b = elma_qjs_typed_array_min(ctx, argv[1], F32, "add b", (int64_t)n);
  if (b == NULL) return JS_EXCEPTION;
  if (n > 0 && ok(ctx, elma_add_inplace(a, b, (int64_t)n), "elma_add_inplace")) return JS_EXCEPTION;
  return JS_UNDEFINED;
}

/* attention(q, k, v, keyMask: Int32Array, batch, seq, heads, headDim, out) */
static JSValue js_attention(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  int32_t batch, seq, heads, head_dim;
  if (dim(ctx, argv[4], "attention batch", &batch) || dim(ctx, argv[5], "attention seq", &seq) || dim(ctx, argv[6], "attention heads", &heads) ||
      dim(ctx, argv[7], "attention headDim", &head_dim)) return JS_EXCEPTION;
  int64_t n = (int64_t)batch * seq * heads * head_dim;
  const float *q = elma_qjs_typed_array_min(ctx, argv[0], F32, "attention q", n);
  if (q == NULL) return JS_EXCEPTION;
  const float *k = elma_qjs_typed_array_min(ctx, argv[1], F32, "attention k", n);
  if (k == NULL) return JS_EXCEPTION;
  const float *v = elma_qjs_typed_array_min(ctx, argv[2], F32, "attention v", n);
  if (v == NULL) return JS_EXCEPTION;
  const int32_t *mask = elma_qjs_typed_array_min(ctx, argv[3], I32, "attention keyMask", (int64_t)batch * seq);
  if (mask == NULL) return JS_EXCEPTION;
  float *out = elma_qjs_typed_array_min(ctx, argv[8], F32, "attention out", n);
  if (out == NULL) return JS_EXCEPTION;
  if (n > 0 && ok(ctx, elma_attention(q, k, v, mask, batch, seq, heads, head_dim, out), "elma_attention")) return JS_EXCEPTION;
  return JS_UNDEFINED;
}

/* --- The fused layer: handle objects ------------------------------------------------------------ */

static JSClassID layer_class_id;

typedef struct {
  elma_layer_handle *h;
  int32_t hidden;
} layer_box;

static void layer_finalizer(JSRuntime *rt, JSValue val) {
  layer_box *box = JS_GetOpaque(val, layer_class_id);
  if (box == NULL) return;
  elma_layer_destroy(box->h);
  js_free_rt(rt, box);
}

static JSClassDef layer_class = {"ElmaLayer", .finalizer = layer_finalizer};

/* layerCreate(arrays, hidden, heads, intermediate, act, eps): arrays are the 16 Float32Arrays of
   elma_layer_weights in its order (query_w, query_b, ..., out_ln_b). */
static JSValue js_layer_create(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  elma_layer_shape s = {0};
  double eps;
  if (dim(ctx, argv[1], "layer hidden", &s.hidden) || dim(ctx, argv[2], "layer heads", &s.heads) ||
      dim(ctx, argv[3], "layer intermediate", &s.intermediate) || activation_code(ctx, argv[4], &s.activation) ||
      JS_ToFloat64(ctx, &eps, argv[5])) return JS_EXCEPTION;
  s.layer_norm_eps = (float)eps;
  const int64_t H = s.hidden, I = s.intermediate;
  static const char *const names[16] = {"query.weight", "query.bias", "key.weight", "key.bias", "value.weight", "value.bias",
    "dense.weight", "dense.bias", "attention.LayerNorm.weight", "attention.LayerNorm.bias", "ffn.weight", "ffn.bias",
    "ffn_output.weight", "ffn_output.bias", "full_layer_layer_norm.weight", "full_layer_layer_norm.bias"};
  const int64_t need[16] = {H * H, H, H * H, H, H * H, H, H * H, H, H, H, I * H, I, H * I, H, H, H};
  const float *p[16];
  for (uint32_t i = 0; i < 16; i++) {
    JSValue a = JS_GetPropertyUint32(ctx, argv[0], i);
    if (JS_IsException(a)) return JS_EXCEPTION;
    char what[64];
    snprintf(what, sizeof what, "layer %s", names[i]);
    p[i] = elma_qjs_typed_array_min(ctx, a, F32, what, need[i]);
    JS_FreeValue(ctx, a); /* the weights object keeps the array alive; elma_layer_create copies it */
    if (p[i] == NULL) return JS_EXCEPTION;
  }
  const elma_layer_weights w = {p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15]};
  JSValue obj = JS_NewObjectClass(ctx, (int)layer_class_id);
  if (JS_IsException(obj)) return obj;
  layer_box *box = js_mallocz(ctx, sizeof *box);
  if (box == NULL) {
    JS_FreeValue(ctx, obj);
    return JS_EXCEPTION;
  }
  box->h = elma_layer_create(&w, &s);
  box->hidden = s.hidden;
  JS_SetOpaque(obj, box); /* the finalizer frees the box even when creation failed */
  if (box->h == NULL) {
    JS_FreeValue(ctx, obj);
    JS_ThrowInternalError(ctx, "elma_layer_create failed: %s", elma_last_error());
    return JS_EXCEPTION;
  }
  return obj;
}

/* layerRun(handle, x, keyMask: Int32Array, batch, seq): the layer in place on x [batch, seq, hidden] */
static JSValue js_layer_run(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  layer_box *box = JS_GetOpaque2(ctx, argv[0], layer_class_id);
  if (box == NULL) return JS_EXCEPTION;
  if (box->h == NULL) return JS_ThrowTypeError(ctx, "layerRun: the layer handle was destroyed");
  int32_t batch, seq;
  if (dim(ctx, argv[3], "layer batch", &batch) || dim(ctx, argv[4], "layer seq", &seq)) return JS_EXCEPTION;
  float *x = elma_qjs_typed_array_min(ctx, argv[1], F32, "layer x", (int64_t)batch * seq * box->hidden);
  if (x == NULL) return JS_EXCEPTION;
  const int32_t *mask = elma_qjs_typed_array_min(ctx, argv[2], I32, "layer keyMask", (int64_t)batch * seq);
  if (mask == NULL) return JS_EXCEPTION;
  if ((int64_t)batch * seq > 0 && ok(ctx, elma_layer_run(box->h, x, mask, batch, seq), "elma_layer_run")) return JS_EXCEPTION;
  return JS_UNDEFINED;
}

/* layerDestroy(handle): free the packed copy now (a second call is a no-op) */
static JSValue js_layer_destroy(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  layer_box *box = JS_GetOpaque2(ctx, argv[0], layer_class_id);
  if (box == NULL) return JS_EXCEPTION;
  elma_layer_destroy(box->h);
  box->h = NULL;
  return JS_UNDEFINED;
}

/* --- Library information and threads ------------------------------------------------------------ */

static JSValue js_info(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc; (void)argv;
  return JS_NewString(ctx, elma_info());
}

static JSValue js_abi_version(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc; (void)argv;
  return JS_NewInt32(ctx, elma_abi_version());
}

/* setThreads(n): 0 means one per online CPU (elma_set_threads) */
static JSValue js_set_threads(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  int32_t n;
  if (dim(ctx, argv[0], "threads", &n)) return JS_EXCEPTION;
  if (ok(ctx, elma_set_threads(n), "elma_set_threads")) return JS_EXCEPTION;
  return JS_UNDEFINED;
}

static JSValue js_get_threads(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc; (void)argv;
  return JS_NewInt32(ctx, elma_get_threads());
}

static const JSCFunctionListEntry kernels_funcs[] = {
  JS_CFUNC_DEF("abiVersion", 0, js_abi_version),
  JS_CFUNC_DEF("info", 0, js_info),
  JS_CFUNC_DEF("setThreads", 1, js_set_threads),
  JS_CFUNC_DEF("getThreads", 0, js_get_threads),
  JS_CFUNC_DEF("linear", 8, js_linear),
  JS_CFUNC_DEF("layerNorm", 8, js_layer_norm),
  JS_CFUNC_DEF("activation", 2, js_activation),
  JS_CFUNC_DEF("softmax", 3, js_softmax),
  JS_CFUNC_DEF("add", 2, js_add),
  JS_CFUNC_DEF("attention", 9, js_attention),
  JS_CFUNC_DEF("layerCreate", 6, js_layer_create),
  JS_CFUNC_DEF("layerRun", 5, js_layer_run),
  JS_CFUNC_DEF("layerDestroy", 1, js_layer_destroy),
};

static int kernels_init(JSContext *ctx, JSModuleDef *m) {
  return JS_SetModuleExportList(ctx, m, kernels_funcs, sizeof kernels_funcs / sizeof kernels_funcs[0]);
}

JSModuleDef *elma_qjs_kernels_module(JSContext *ctx, const char *name) {
  if (layer_class_id == 0) JS_NewClassID(&layer_class_id);
  JS_NewClass(JS_GetRuntime(ctx), layer_class_id, &layer_class);
  JSModuleDef *m = JS_NewCModule(ctx, name, kernels_init);
  if (m == NULL) return NULL;
  JS_AddModuleExportList(ctx, m, kernels_funcs, sizeof kernels_funcs / sizeof kernels_funcs[0]);
  return m;
}
