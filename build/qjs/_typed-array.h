/* Typed arrays as C pointers, without copies: the memory of a Float32Array or Int32Array is its
   ArrayBuffer's (JS_GetTypedArrayBuffer + JS_GetArrayBuffer), valid while the call runs, because
   nothing in a kernel call can run JavaScript that would detach or resize it. */
#ifndef ELMA_QJS_TYPED_ARRAY_H
#define ELMA_QJS_TYPED_ARRAY_H

#include <stddef.h>
#include <stdint.h>

#include "quickjs.h"

typedef enum { ELMA_QJS_F32 = 0, ELMA_QJS_I32 = 1, ELMA_QJS_U8 = 2 } elma_qjs_array_kind;

/* The view's first element and its element count, or NULL with a TypeError thrown when `v` is not
   a typed array of that kind (or its buffer was detached). `what` names the argument in the error. */
void *elma_qjs_typed_array(JSContext *ctx, JSValueConst v, elma_qjs_array_kind kind, const char *what, size_t *count);

/* As elma_qjs_typed_array, but also throws a RangeError when it holds fewer than `need` elements:
   C cannot see a typed array's length, so a short buffer must fail here, never be read past its end. */
void *elma_qjs_typed_array_min(JSContext *ctx, JSValueConst v, elma_qjs_array_kind kind, const char *what, int64_t need);

/* The bytes of an ArrayBuffer or of any typed array (a view's own part), or NULL with a TypeError. */
uint8_t *elma_qjs_bytes(JSContext *ctx, JSValueConst v, const char *what, size_t *len);

/* Forget the cached constructors (the context is going away). */
void elma_qjs_typed_array_free(JSContext *ctx);

#endif
