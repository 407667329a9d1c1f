#include "_typed-array.h"

/* The global constructors the kinds are checked against (JS_IsInstanceOf): QuickJS 2021-03-27 has
   no public way to read a typed array's class, and bytes_per_element cannot tell a Float32Array
   from an Int32Array. One context per process (elma-qjs.c), so one cache. */
static JSValue ctors[3];
static int have_ctors = 0;
static const char *const names[3] = {"Float32Array", "Int32Array", "Uint8Array"};

static int cache_ctors(JSContext *ctx) {
  if (have_ctors) return 0;
  JSValue global = JS_GetGlobalObject(ctx);
  for (int i = 0; i < 3; i++) ctors[i] = JS_GetPropertyStr(ctx, global, names[i]);
  JS_FreeValue(ctx, global);
  have_ctors = 1;
  return 0;
}

void elma_qjs_typed_array_free(JSContext *ctx) {
  if (!have_ctors) return;
  for (int i = 0; i < 3; i++) JS_FreeValue(ctx, ctors[i]);
  have_ctors = 0;
}

void *elma_qjs_typed_array(JSContext *ctx, JSValueConst v, elma_qjs_array_kind kind, const char *what, size_t *count) {
  cache_ctors(ctx);
  if (JS_IsInstanceOf(ctx, v, ctors[kind]) != 1) {
    JS_ThrowTypeError(ctx, "%s must be a %s", what, names[kind]);
    return NULL;
  }
  size_t offset = 0, bytes = 0, per = 0, size = 0;
  JSValue buf = JS_GetTypedArrayBuffer(ctx, v, &offset, &bytes, &per);
  if (JS_IsException(buf)) return NULL;
  uint8_t *base = JS_GetArrayBuffer(ctx, &size, buf);
  JS_FreeValue(ctx, buf); /* the view keeps the buffer alive */
  if (base == NULL) {
    JS_ThrowTypeError(ctx, "%s: its ArrayBuffer is detached", what);
    return NULL;
  }
  *count = per == 0 ? 0 : bytes / per;
  return base + offset;
}

void *elma_qjs_typed_array_min(JSContext *ctx, JSValueConst v, elma_qjs_array_kind kind, const char *what, int64_t need) {
  size_t n = 0;
  void *p = elma_qjs_typed_array(ctx, v, kind, what, &n);
  if (p == NULL) return NULL;
  if (need < 0 || (uint64_t)n < (uint64_t)need) {
    JS_ThrowRangeError(ctx, "%s: buffer of %zu values, needs %lld", what, n, (long long)need);
    return NULL;
  }
  return p;
}

uint8_t *elma_qjs_bytes(JSContext *ctx, JSValueConst v, const char *what, size_t *len) {
  size_t size = 0;
  /* An ArrayBuffer first; JS_GetArrayBuffer throws on anything else, so clear that and try a view. */
  if (JS_IsObject(v)) {
    size_t offset = 0, bytes = 0, per = 0;
    JSValue buf = JS_GetTypedArrayBuffer(ctx, v, &offset, &bytes, &per);
    if (!JS_IsException(buf)) {
      uint8_t *base = JS_GetArrayBuffer(ctx, &size, buf);
      JS_FreeValue(ctx, buf);
      if (base == NULL) return NULL;
      *len = bytes;
      return base + offset;
    }
    JS_FreeValue(ctx, JS_GetException(ctx));
    uint8_t *p = JS_GetArrayBuffer(ctx, &size, v);
    if (p != NULL) {
      *len = size;
      return p;
    }
    JS_FreeValue(ctx, JS_GetException(ctx));
  }
  JS_ThrowTypeError(ctx, "%s must be an ArrayBuffer or a typed array", what);
  return NULL;
}
