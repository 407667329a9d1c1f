/* crypto-module.h: the JavaScript side of chacha20.c, poly1305.c, chacha20-poly1305.c and
   blake2s.c. Every argument's kind and length is checked here, before a pointer is taken, and a
   wrong one is a TypeError or RangeError naming the function and the argument; the byte arrays are
   the callers' own memory (no copies), valid for the call because nothing in it runs JavaScript. */
#include "crypto-module.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blake2s.h"
#include "chacha20-poly1305.h"
#include "chacha20.h"
#include "poly1305.h"
#include "wipe.h"
#include "_typed-array.h"

/* The bytes of argument `what` of `fn`, which must be exactly `need` long (need < 0: any length). */
static const uint8_t *bytes_arg(JSContext *ctx, JSValueConst v, const char *fn, const char *what, long need, size_t *len) {
  char name[96];
  snprintf(name, sizeof name, "%s %s", fn, what);
  const uint8_t *p = elma_qjs_bytes(ctx, v, name, len);
  if (p == NULL) return NULL;
  if (need >= 0 && *len != (size_t)need) {
    JS_ThrowRangeError(ctx, "%s: %zu bytes, needs %ld", name, *len, need);
    return NULL;
  }
  return p;
}

/* chacha20(key, nonce, counter, input, output): RFC 8439 §2.4, output = input XOR the keystream
   from block `counter`; output has input's length and may overlap it. */
static JSValue js_chacha20(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  size_t klen, nlen, inlen, outlen;
  /* The counter first, and only a number: a valueOf() run by a conversion could detach a buffer
     whose pointer was already taken. */
  double d;
  if (!JS_IsNumber(argv[2])) return JS_ThrowTypeError(ctx, "chacha20 counter must be a number");
  if (JS_ToFloat64(ctx, &d, argv[2]) != 0) return JS_EXCEPTION;
  if (!(d >= 0 && d <= 4294967295.0) || d != (double)(uint32_t)d) return JS_ThrowRangeError(ctx, "chacha20 counter: %g is not an integer 0..2^32-1", d);
  uint32_t counter = (uint32_t)d;
  const uint8_t *key = bytes_arg(ctx, argv[0], "chacha20", "key", ELMA_CHACHA20_KEY_BYTES, &klen);
  if (key == NULL) return JS_EXCEPTION;
  const uint8_t *nonce = bytes_arg(ctx, argv[1], "chacha20", "nonce", ELMA_CHACHA20_NONCE_BYTES, &nlen);
  if (nonce == NULL) return JS_EXCEPTION;
  const uint8_t *in = bytes_arg(ctx, argv[3], "chacha20", "input", -1, &inlen);
  if (in == NULL) return JS_EXCEPTION;
  uint8_t *out = (uint8_t *)bytes_arg(ctx, argv[4], "chacha20", "output", (long)inlen, &outlen);
  if (out == NULL) return JS_EXCEPTION;
  if (!elma_chacha20_fits(counter, inlen)) return JS_ThrowRangeError(ctx, "chacha20: %zu bytes from block %u pass the 32-bit block counter (RFC 8439 §2.3)", inlen, counter);
  uintptr_t i = (uintptr_t)in, o = (uintptr_t)out;
  if (in != out && inlen > 0 && i < o + inlen && o < i + inlen) { /* a partial overlap: move, then in place */
    memmove(out, in, inlen);
    in = out;
  }
  elma_chacha20_xor(key, counter, nonce, in, out, inlen);
  return JS_UNDEFINED;
}

/* poly1305(key, message) -> ArrayBuffer: the 16-byte tag (RFC 8439 §2.5). */
static JSValue js_poly1305(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  size_t klen, mlen;
  const uint8_t *key = bytes_arg(ctx, argv[0], "poly1305", "key", ELMA_POLY1305_KEY_BYTES, &klen);
  if (key == NULL) return JS_EXCEPTION;
  const uint8_t *m = bytes_arg(ctx, argv[1], "poly1305", "message", -1, &mlen);
  if (m == NULL) return JS_EXCEPTION;
  uint8_t tag[ELMA_POLY1305_TAG_BYTES];
  elma_poly1305(key, m, mlen, tag);
  return JS_NewArrayBufferCopy(ctx, tag, sizeof tag);
}

/* The key, nonce and associated data of the AEAD calls. */
static int aead_args(JSContext *ctx, JSValueConst *argv, const char *fn, const uint8_t **key, const uint8_t **nonce, const uint8_t **aad, size_t *aad_len) {
  size_t klen, nlen;
  if ((*key = bytes_arg(ctx, argv[0], fn, "key", ELMA_AEAD_KEY_BYTES, &klen)) == NULL) return -1;
  if ((*nonce = bytes_arg(ctx, argv[1], fn, "nonce", ELMA_AEAD_NONCE_BYTES, &nlen)) == NULL) return -1;
  if ((*aad = bytes_arg(ctx, argv[2], fn, "aad", -1, aad_len)) == NULL) return -1;
  return 0;
}

/* chacha20poly1305Seal(key, nonce, aad, plaintext, output): output (plaintext's length + 16) =
   ciphertext || tag (RFC 8439 §2.8); output may overlap plaintext. */
static JSValue js_aead_seal(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  const char *fn = "chacha20poly1305Seal";
  const uint8_t *key, *nonce, *aad;
  size_t aad_len, len, out_len;
  if (aead_args(ctx, argv, fn, &key, &nonce, &aad, &aad_len) != 0) return JS_EXCEPTION;
  const uint8_t *pt = bytes_arg(ctx, argv[3], fn, "plaintext", -1, &len);
  if (pt == NULL) return JS_EXCEPTION;
  if ((uint64_t)len > ELMA_AEAD_MAX_PLAINTEXT) return JS_ThrowRangeError(ctx, "%s plaintext: %zu bytes, at most 2^38 - 64 (RFC 8439 §2.8)", fn, len);
  uint8_t *out = (uint8_t *)bytes_arg(ctx, argv[4], fn, "output", (long)(len + ELMA_AEAD_TAG_BYTES), &out_len);
  if (out == NULL) return JS_EXCEPTION;
  elma_aead_seal(key, nonce, aad, aad_len, pt, len, out);
  return JS_UNDEFINED;
}

/* chacha20poly1305Open(key, nonce, aad, sealed, output) -> boolean: whether the tag is right
   (checked in constant time); only then is output (sealed's length − 16) the plaintext. */
static JSValue js_aead_open(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  const char *fn = "chacha20poly1305Open";
  const uint8_t *key, *nonce, *aad;
  size_t aad_len, len, out_len;
  if (aead_args(ctx, argv, fn, &key, &nonce, &aad, &aad_len) != 0) return JS_EXCEPTION;
  const uint8_t *sealed = bytes_arg(ctx, argv[3], fn, "sealed", -1, &len);
  if (sealed == NULL) return JS_EXCEPTION;
  if (len < ELMA_AEAD_TAG_BYTES) return JS_ThrowRangeError(ctx, "%s sealed: %zu bytes, shorter than the 16-byte tag", fn, len);
  uint8_t *out = (uint8_t *)bytes_arg(ctx, argv[4], fn, "output", (long)(len - ELMA_AEAD_TAG_BYTES), &out_len);
  if (out == NULL) return JS_EXCEPTION;
  return JS_NewBool(ctx, elma_aead_open(key, nonce, aad, aad_len, sealed, len, out) == 0);
}

/* createBlake2s(outLen = 32, key = none): an incremental BLAKE2s (RFC 7693) with update(bytes)
   -> itself, digestBytes() -> ArrayBuffer of outLen bytes (after which the hasher is finished),
   clone(). */
static JSClassID blake2s_class;

typedef struct {
  elma_blake2s_ctx c;
  int finished;
} blake2s_hasher;

static void blake2s_finalizer(JSRuntime *rt, JSValue val) {
  (void)rt;
  blake2s_hasher *h = JS_GetOpaque(val, blake2s_class);
  if (h == NULL) return;
  elma_wipe(h, sizeof *h);
  free(h);
}

static JSValue new_hasher(JSContext *ctx, blake2s_hasher **out) {
  blake2s_hasher *h = calloc(1, sizeof *h);
  if (h == NULL) return JS_ThrowOutOfMemory(ctx);
  JSValue obj = JS_NewObjectClass(ctx, (int)blake2s_class);
  if (JS_IsException(obj)) {
    free(h);
    return obj;
  }
  JS_SetOpaque(obj, h);
  *out = h;
  return obj;
}

static JSValue js_create_blake2s(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val;
  int32_t out_len = ELMA_BLAKE2S_MAX_OUT;
  if (argc > 0 && !JS_IsUndefined(argv[0])) {
    double d;
    if (!JS_IsNumber(argv[0])) return JS_ThrowTypeError(ctx, "createBlake2s outLen must be a number");
    if (JS_ToFloat64(ctx, &d, argv[0]) != 0) return JS_EXCEPTION;
    if (!(d >= 1 && d <= ELMA_BLAKE2S_MAX_OUT) || d != (double)(int32_t)d) return JS_ThrowRangeError(ctx, "createBlake2s outLen: %g is not a digest length 1..32 (RFC 7693 §2.1)", d);
    out_len = (int32_t)d;
  }
  const uint8_t *key = NULL;
  size_t key_len = 0;
  if (argc > 1 && !JS_IsUndefined(argv[1])) {
    key = bytes_arg(ctx, argv[1], "createBlake2s", "key", -1, &key_len);
    if (key == NULL) return JS_EXCEPTION;
    if (key_len > ELMA_BLAKE2S_MAX_KEY) return JS_ThrowRangeError(ctx, "createBlake2s key: %zu bytes, at most 32 (RFC 7693 §2.1)", key_len);
  }
  blake2s_hasher *h;
  JSValue obj = new_hasher(ctx, &h);
  if (JS_IsException(obj)) return obj;
  elma_blake2s_init(&h->c, (size_t)out_len, key, key_len);
  return obj;
}

static blake2s_hasher *live_hasher(JSContext *ctx, JSValueConst this_val, const char *what) {
  blake2s_hasher *h = JS_GetOpaque2(ctx, this_val, blake2s_class);
  if (h == NULL) return NULL;
  if (h->finished) {
    JS_ThrowTypeError(ctx, "blake2s %s: the digest was already taken", what);
    return NULL;
  }
  return h;
}

static JSValue js_blake2s_update(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)argc;
  blake2s_hasher *h = live_hasher(ctx, this_val, "update");
  if (h == NULL) return JS_EXCEPTION;
  size_t len;
  const uint8_t *p = bytes_arg(ctx, argv[0], "blake2s", "update", -1, &len);
  if (p == NULL) return JS_EXCEPTION;
  elma_blake2s_update(&h->c, p, len);
  return JS_DupValue(ctx, this_val);
}

static JSValue js_blake2s_digest_bytes(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)argc; (void)argv;
  blake2s_hasher *h = live_hasher(ctx, this_val, "digestBytes");
  if (h == NULL) return JS_EXCEPTION;
  uint8_t d[ELMA_BLAKE2S_MAX_OUT];
  size_t n = h->c.out_len;
  elma_blake2s_final(&h->c, d);
  h->finished = 1;
  JSValue r = JS_NewArrayBufferCopy(ctx, d, n);
  elma_wipe(d, sizeof d);
  return r;
}

static JSValue js_blake2s_clone(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)argc; (void)argv;
  blake2s_hasher *h = JS_GetOpaque2(ctx, this_val, blake2s_class);
  if (h == NULL) return JS_EXCEPTION;
  blake2s_hasher *copy;
  JSValue obj = new_hasher(ctx, &copy);
  if (JS_IsException(obj)) return obj;
  *copy = *h;
  return obj;
}

static const JSCFunctionListEntry blake2s_proto[] = {
  JS_CFUNC_DEF("update", 1, js_blake2s_update),
  JS_CFUNC_DEF("digestBytes", 0, js_blake2s_digest_bytes),
  JS_CFUNC_DEF("clone", 0, js_blake2s_clone),
};

int elma_crypto_init(JSContext *ctx) {
  JS_NewClassID(&blake2s_class);
  JSClassDef def = {.class_name = "ElmaBlake2s", .finalizer = blake2s_finalizer};
  if (JS_NewClass(JS_GetRuntime(ctx), blake2s_class, &def) != 0) return -1;
  JSValue proto = JS_NewObject(ctx);
  JS_SetPropertyFunctionList(ctx, proto, blake2s_proto, sizeof blake2s_proto / sizeof blake2s_proto[0]);
  JS_SetClassProto(ctx, blake2s_class, proto);
  return 0;
}

const JSCFunctionListEntry elma_crypto_funcs[] = {
  JS_CFUNC_DEF("chacha20", 5, js_chacha20),
  JS_CFUNC_DEF("poly1305", 2, js_poly1305),
  JS_CFUNC_DEF("chacha20poly1305Seal", 5, js_aead_seal),
  JS_CFUNC_DEF("chacha20poly1305Open", 5, js_aead_open),
  JS_CFUNC_DEF("createBlake2s", 2, js_create_blake2s),
};
const int elma_crypto_funcs_count = sizeof elma_crypto_funcs / sizeof elma_crypto_funcs[0];
