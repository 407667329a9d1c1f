/*
 * "elma:host" (typed in build/quickjs/qjs-modules.d.ts). Failures are JavaScript errors with a
 * one-line message that names the path ("<path>: No such file or directory") and a `code` property
 * with the errno name ("ENOENT"), as Node's fs errors have, so the core can word its own message.
 *
 * The module is assembled here from one file per concept: the event loop's timers
 * (event-loop.c), signals (signals.c), random bytes (random.c), the process (process-module.c),
 * the link's symmetric crypto (crypto-module.c: ChaCha20-Poly1305, BLAKE2s), and the objects `fs`
 * (fs-module.c) and `net` (net-module.c).
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, fdopendir */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "host-module.h"
#include "crypto-module.h"
#include "errors.h"
#include "event-loop.h"
#include "fs-module.h"
#include "net-module.h"
#include "process-module.h"
#include "random.h"
#include "sha256.h"
#include "signals.h"
#include "_typed-array.h"

static int host_argc;
static char **host_argv;

void elma_qjs_host_set_args(int argc, char **argv) {
  host_argc = argc;
  host_argv = argv;
}

/* Throw Error("<path>: <strerror>") with .code = the errno's name. */
static JSValue throw_errno(JSContext *ctx, const char *path, int e) {
  JSValue err = JS_NewError(ctx);
  char msg[1024];
  snprintf(msg, sizeof msg, "%s: %s", path, strerror(e));
  JS_DefinePropertyValueStr(ctx, err, "message", JS_NewString(ctx, msg), JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE);
  JS_DefinePropertyValueStr(ctx, err, "code", JS_NewString(ctx, elma_errno_name(e)), JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE);
  return JS_Throw(ctx, err);
}

static void free_buffer(JSRuntime *rt, void *opaque, void *ptr) {
  (void)rt; (void)opaque;
  free(ptr);
}

/* readFile(path): the whole file as an ArrayBuffer that owns the malloc'd bytes (no second copy). */
static JSValue js_read_file(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  const char *path = JS_ToCString(ctx, argv[0]);
  if (path == NULL) return JS_EXCEPTION;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) goto fail;
  if (S_ISDIR(st.st_mode)) { errno = EISDIR; goto fail; }
  if (!S_ISREG(st.st_mode)) { errno = EIO; goto fail; }
  size_t len = (size_t)st.st_size, got = 0;
  uint8_t *buf = malloc(len > 0 ? len : 1);
  if (buf == NULL) { errno = ENOMEM; goto fail; }
  while (got < len) {
    ssize_t n = read(fd, buf + got, len - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) { if (n == 0) errno = EIO; free(buf); goto fail; } /* shorter than fstat said: changed under us */
    got += (size_t)n;
  }
  close(fd);
  JS_FreeCString(ctx, path);
  return JS_NewArrayBuffer(ctx, buf, len, free_buffer, NULL, 0);
fail: {
    int e = errno;
    if (fd >= 0) close(fd);
    JSValue r = throw_errno(ctx, path, e);
    JS_FreeCString(ctx, path);
    return r;
  }
}

/* readDir(path): the names in a directory, without "." and "..", in the order the system gives. */
static JSValue js_read_dir(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  const char *path = JS_ToCString(ctx, argv[0]);
  if (path == NULL) return JS_EXCEPTION;
  DIR *d = opendir(path);
  if (d == NULL) {
    JSValue r = throw_errno(ctx, path, errno);
    JS_FreeCString(ctx, path);
    return r;
  }
  JS_FreeCString(ctx, path);
  JSValue names = JS_NewArray(ctx);
  uint32_t i = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    JS_SetPropertyUint32(ctx, names, i++, JS_NewString(ctx, e->d_name));
  }
  closedir(d);
  return names;
}

static JSValue write_to(JSContext *ctx, FILE *f, JSValueConst v) {
  size_t len;
  const char *s = JS_ToCStringLen(ctx, &len, v);
  if (s == NULL) return JS_EXCEPTION;
  fwrite(s, 1, len, f);
  fflush(f); /* one JSON line per answer reaches a reader as it is answered */
  JS_FreeCString(ctx, s);
  return JS_UNDEFINED;
}

static JSValue js_write_stdout(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  return write_to(ctx, stdout, argv[0]);
}

static JSValue js_write_stderr(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  return write_to(ctx, stderr, argv[0]);
}

/* now(): milliseconds on CLOCK_MONOTONIC (never steps with the wall clock), as performance.now(). */
static JSValue js_now(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc; (void)argv;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return JS_NewFloat64(ctx, (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6);
}

/* sha256(bytes): 64 lowercase hex digits (manifest files' hashes, models/bundle/manifest.ts). */
static JSValue js_sha256(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  size_t len = 0;
  const uint8_t *p = elma_qjs_bytes(ctx, argv[0], "sha256 input", &len);
  if (p == NULL) return JS_EXCEPTION;
  char hex[65];
  elma_sha256_hex(p, len, hex);
  return JS_NewString(ctx, hex);
}

/* Whether bytes are strict UTF-8 (RFC 3629 §3: no overlong forms, no surrogates, nothing above
   U+10FFFF), the rule of engine/utf8.ts utf8Decode. */
static int valid_utf8(const uint8_t *p, size_t len) {
  for (size_t i = 0; i < len;) {
    uint8_t b0 = p[i];
    size_t need;
    uint32_t cp;
    if (b0 < 0x80) { i++; continue; }
    if (b0 >= 0xc2 && b0 < 0xe0) { need = 1; cp = b0 & 0x1f; }
    else if (b0 >= 0xe0 && b0 < 0xf0) { need = 2; cp = b0 & 0x0f; }
    else if (b0 >= 0xf0 && b0 < 0xf5) { need = 3; cp = b0 & 0x07; }
    else return 0;
    if (len - i <= need) return 0;
    for (size_t k = 1; k <= need; k++) {
      if ((p[i + k] & 0xc0) != 0x80) return 0;
      cp = cp << 6 | (p[i + k] & 0x3f);
    }
    if (need == 2 && (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000))) return 0;
    if (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) return 0;
    i += need + 1;
  }
  return 1;
}

/* decodeUtf8(bytes): the text, or null when the bytes are not strict UTF-8. In C because the
   same loop in interpreted JavaScript takes half a second on a tokenizer.json (docs/qjs-runtime.md). */
static JSValue js_decode_utf8(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  size_t len = 0;
  const uint8_t *p = elma_qjs_bytes(ctx, argv[0], "decodeUtf8 input", &len);
  if (p == NULL) return JS_EXCEPTION;
  if (!valid_utf8(p, len)) return JS_NULL;
  return JS_NewStringLen(ctx, (const char *)p, len);
}

/* createSha256(): an incremental SHA-256, {update(bytes) -> itself, digest() -> 64 hex digits};
   node-api/crypto.ts's createHash('sha256') on elma-qjs (an OTA archive is hashed in pieces). */
static JSClassID sha256_class;

static void sha256_finalizer(JSRuntime *rt, JSValue val) {
  (void)rt;
  free(JS_GetOpaque(val, sha256_class));
}

static JSValue js_create_sha256(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc; (void)argv;
  elma_sha256_ctx *c = malloc(sizeof *c);
  if (c == NULL) return JS_ThrowOutOfMemory(ctx);
  JSValue obj = JS_NewObjectClass(ctx, (int)sha256_class);
  if (JS_IsException(obj)) {
    free(c);
    return obj;
  }
  elma_sha256_init(c);
  JS_SetOpaque(obj, c);
  return obj;
}

static JSValue js_sha256_update(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)argc;
  elma_sha256_ctx *c = JS_GetOpaque2(ctx, this_val, sha256_class);
  if (c == NULL) return JS_EXCEPTION;
  size_t len = 0;
  const uint8_t *p = elma_qjs_bytes(ctx, argv[0], "sha256 update", &len);
  if (p == NULL) return JS_EXCEPTION;
  elma_sha256_update(c, p, len);
  return JS_DupValue(ctx, this_val);
}

static JSValue js_sha256_digest(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)argc; (void)argv;
  elma_sha256_ctx *c = JS_GetOpaque2(ctx, this_val, sha256_class);
  if (c == NULL) return JS_EXCEPTION;
  uint8_t d[32];
  char hex[65];
  static const char digits[] = "0123456789abcdef";
  elma_sha256_final(c, d);
  elma_sha256_init(c);
  for (int i = 0; i < 32; i++) {
    hex[2 * i] = digits[d[i] >> 4];
    hex[2 * i + 1] = digits[d[i] & 15];
  }
  hex[64] = '\0';
  return JS_NewString(ctx, hex);
}

/* digestBytes(): the 32-byte digest as an ArrayBuffer (for @noble/hashes' API); starts over. */
static JSValue js_sha256_digest_bytes(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)argc; (void)argv;
  elma_sha256_ctx *c = JS_GetOpaque2(ctx, this_val, sha256_class);
  if (c == NULL) return JS_EXCEPTION;
  uint8_t d[32];
  elma_sha256_final(c, d);
  elma_sha256_init(c);
  return JS_NewArrayBufferCopy(ctx, d, sizeof d);
}

/* clone(): an independent hasher in the same state (HMAC keeps its keyed inner state so). */
static JSValue js_sha256_clone(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)argc; (void)argv;
  elma_sha256_ctx *c = JS_GetOpaque2(ctx, this_val, sha256_class);
  if (c == NULL) return JS_EXCEPTION;
  JSValue obj = js_create_sha256(ctx, JS_UNDEFINED, 0, NULL);
  if (JS_IsException(obj)) return obj;
  memcpy(JS_GetOpaque(obj, sha256_class), c, sizeof *c);
  return obj;
}

static const JSCFunctionListEntry sha256_proto[] = {
  JS_CFUNC_DEF("update", 1, js_sha256_update),
  JS_CFUNC_DEF("digest", 0, js_sha256_digest),
  JS_CFUNC_DEF("digestBytes", 0, js_sha256_digest_bytes),
  JS_CFUNC_DEF("clone", 0, js_sha256_clone),
};

/* encodeUtf8(text) -> ArrayBuffer: the UTF-8 bytes of a string (TextEncoder and Buffer.from on
   elma-qjs; a lone surrogate becomes its 3-byte WTF-8 form, where Node writes U+FFFD). */
static JSValue js_encode_utf8(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  size_t len = 0;
  const char *s = JS_ToCStringLen(ctx, &len, argv[0]);
  if (s == NULL) return JS_EXCEPTION;
  JSValue r = JS_NewArrayBufferCopy(ctx, (const uint8_t *)s, len);
  JS_FreeCString(ctx, s);
  return r;
}

/* exit(code): flush and end the process now with that status (0..255). */
static JSValue js_exit(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  int32_t code;
  if (JS_ToInt32(ctx, &code, argv[0]) != 0) return JS_EXCEPTION;
  fflush(stdout);
  fflush(stderr);
  exit(code & 0xff);
}

static const JSCFunctionListEntry host_funcs[] = {
  JS_CFUNC_DEF("readFile", 1, js_read_file),
  JS_CFUNC_DEF("readDir", 1, js_read_dir),
  JS_CFUNC_DEF("writeStdout", 1, js_write_stdout),
  JS_CFUNC_DEF("writeStderr", 1, js_write_stderr),
  JS_CFUNC_DEF("now", 0, js_now),
  JS_CFUNC_DEF("sha256", 1, js_sha256),
  JS_CFUNC_DEF("decodeUtf8", 1, js_decode_utf8),
  JS_CFUNC_DEF("exit", 1, js_exit),
  JS_CFUNC_DEF("createSha256", 0, js_create_sha256),
  JS_CFUNC_DEF("encodeUtf8", 1, js_encode_utf8),
};

/* The flat lists of the other files, exported beside host_funcs. */
static const struct { const JSCFunctionListEntry *tab; const int *len; } lists[] = {
  {elma_loop_funcs, &elma_loop_funcs_count},
  {elma_signal_funcs, &elma_signal_funcs_count},
  {elma_random_funcs, &elma_random_funcs_count},
  {elma_process_funcs, &elma_process_funcs_count},
  {elma_crypto_funcs, &elma_crypto_funcs_count},
};
#define N_LISTS (sizeof lists / sizeof lists[0])

static JSValue object_of(JSContext *ctx, const JSCFunctionListEntry *tab, int len) {
  JSValue o = JS_NewObject(ctx);
  JS_SetPropertyFunctionList(ctx, o, tab, len);
  return o;
}

static int host_init(JSContext *ctx, JSModuleDef *m) {
  JSValue args = JS_NewArray(ctx);
  for (int i = 0; i < host_argc; i++) JS_SetPropertyUint32(ctx, args, (uint32_t)i, JS_NewString(ctx, host_argv[i]));
  if (JS_SetModuleExport(ctx, m, "args", args) != 0) return -1;
  if (JS_SetModuleExport(ctx, m, "fs", object_of(ctx, elma_fs_funcs, elma_fs_funcs_count)) != 0) return -1;
  if (JS_SetModuleExport(ctx, m, "net", object_of(ctx, elma_net_funcs, elma_net_funcs_count)) != 0) return -1;
  for (size_t i = 0; i < N_LISTS; i++) if (JS_SetModuleExportList(ctx, m, lists[i].tab, *lists[i].len) != 0) return -1;
  return JS_SetModuleExportList(ctx, m, host_funcs, sizeof host_funcs / sizeof host_funcs[0]);
}

JSModuleDef *elma_qjs_host_module(JSContext *ctx, const char *name) {
  if (sha256_class == 0) {
    JS_NewClassID(&sha256_class);
    JSClassDef def = {.class_name = "ElmaSha256", .finalizer = sha256_finalizer};
    if (JS_NewClass(JS_GetRuntime(ctx), sha256_class, &def) != 0) return NULL;
    JSValue proto = object_of(ctx, sha256_proto, sizeof sha256_proto / sizeof sha256_proto[0]);
    JS_SetClassProto(ctx, sha256_class, proto);
    if (elma_net_init(ctx) != 0 || elma_crypto_init(ctx) != 0) return NULL;
  }
  JSModuleDef *m = JS_NewCModule(ctx, name, host_init);
  if (m == NULL) return NULL;
  JS_AddModuleExport(ctx, m, "args");
  JS_AddModuleExport(ctx, m, "fs");
  JS_AddModuleExport(ctx, m, "net");
  for (size_t i = 0; i < N_LISTS; i++) JS_AddModuleExportList(ctx, m, lists[i].tab, *lists[i].len);
  JS_AddModuleExportList(ctx, m, host_funcs, sizeof host_funcs / sizeof host_funcs[0]);
  return m;
}
