/* getrandom(2) (random.h). It blocks only until the kernel's pool is first initialised at boot,
   never afterwards, and does not need /dev/urandom (absent in some minimal roots and chroots). */
#define _GNU_SOURCE
#include "random.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/random.h>

#include "errors.h"

#define MAX_BYTES 65536

static void free_bytes(JSRuntime *rt, void *opaque, void *ptr) {
  (void)rt; (void)opaque;
  free(ptr);
}

static JSValue js_random_bytes(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  double d;
  if (JS_ToFloat64(ctx, &d, argv[0]) != 0) return JS_EXCEPTION;
  if (!(d >= 0 && d <= MAX_BYTES) || d != (double)(int)d) return JS_ThrowRangeError(ctx, "randomBytes: %g is not a byte count 0..%d", d, MAX_BYTES);
  size_t n = (size_t)d;
  uint8_t *buf = malloc(n > 0 ? n : 1);
  if (buf == NULL) return JS_ThrowOutOfMemory(ctx);
  for (size_t got = 0; got < n;) {
    ssize_t r = getrandom(buf + got, n - got, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      free(buf);
      return elma_throw_fs(ctx, e, "getrandom", NULL, NULL);
    }
    got += (size_t)r;
  }
  return JS_NewArrayBuffer(ctx, buf, n, free_bytes, NULL, 0);
}

const JSCFunctionListEntry elma_random_funcs[] = {
  JS_CFUNC_DEF("randomBytes", 1, js_random_bytes),
};
const int elma_random_funcs_count = sizeof elma_random_funcs / sizeof elma_random_funcs[0];
