/* The process (process-module.h). `arch` is the architecture this binary was compiled for, in
   Node's names, so a bundle's target check (models/bundle/target.ts) reads it as it reads
   process.arch under Node. */
#define _POSIX_C_SOURCE 200809L
#include "process-module.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "event-loop.h"

extern char **environ;

#if defined(__x86_64__)
#define ELMA_ARCH "x64"
#elif defined(__aarch64__)
#define ELMA_ARCH "arm64"
#elif defined(__arm__)
#define ELMA_ARCH "arm"
#else
#error "elma-qjs: an architecture without a Node name (add it here)"
#endif

static JSValue js_pid(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc; (void)argv;
  return JS_NewInt32(ctx, (int32_t)getpid());
}

/* env(): a fresh object of the environment's NAME=value pairs (a pair without "=" is skipped). */
static JSValue js_env(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc; (void)argv;
  JSValue o = JS_NewObject(ctx);
  for (char **e = environ; e != NULL && *e != NULL; e++) {
    const char *eq = strchr(*e, '=');
    if (eq == NULL || eq == *e) continue;
    JSAtom name = JS_NewAtomLen(ctx, *e, (size_t)(eq - *e));
    JS_DefinePropertyValue(ctx, o, name, JS_NewString(ctx, eq + 1), JS_PROP_C_W_E);
    JS_FreeAtom(ctx, name);
  }
  return o;
}

static JSValue js_cwd(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc; (void)argv;
  char buf[PATH_MAX];
  if (getcwd(buf, sizeof buf) == NULL) return elma_throw_fs(ctx, errno, "uv_cwd", NULL, NULL);
  return JS_NewString(ctx, buf);
}

static JSValue js_isatty(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  int32_t fd;
  if (JS_ToInt32(ctx, &fd, argv[0]) != 0) return JS_EXCEPTION;
  return JS_NewBool(ctx, isatty(fd));
}

static JSValue js_set_exit_code(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  int32_t code;
  if (JS_ToInt32(ctx, &code, argv[0]) != 0) return JS_EXCEPTION;
  elma_loop_set_exit_code(code & 0xff);
  return JS_UNDEFINED;
}

const JSCFunctionListEntry elma_process_funcs[] = {
  JS_CFUNC_DEF("pid", 0, js_pid),
  JS_CFUNC_DEF("env", 0, js_env),
  JS_CFUNC_DEF("cwd", 0, js_cwd),
  JS_CFUNC_DEF("isatty", 1, js_isatty),
  JS_CFUNC_DEF("setExitCode", 1, js_set_exit_code),
  JS_PROP_STRING_DEF("arch", ELMA_ARCH, JS_PROP_ENUMERABLE),
  JS_PROP_STRING_DEF("platform", "linux", JS_PROP_ENUMERABLE),
};
const int elma_process_funcs_count = sizeof elma_process_funcs / sizeof elma_process_funcs[0];
