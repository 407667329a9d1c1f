/*
 * elma-qjs: ELMA's native QuickJS host (issue 18, docs/qjs-runtime.md).
 *
 *   elma-qjs <script.js> [arguments for the script...]
 *
 * Runs one JavaScript file as an ES module in QuickJS (2021-03-27, from the npm package qjsc) with
 * two native modules to import: "elma:kernels" (ELMA's C kernels, kernels-module.c) and
 * "elma:host" (files, stdout/stderr, clock, SHA-256, exit; host-module.c). Nothing else can be
 * imported: the script is one esbuild bundle (build/quickjs/qjs-core-bundle.ts), so the device
 * never resolves modules from a file system. The script's own errors are its to print; an
 * exception that escapes it is printed here as one line ("elma-qjs: <name>: <message>"), exit 1.
 * Usage errors of the host itself exit 2.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quickjs.h"
#include "host-module.h"
#include "kernels-module.h"
#include "_typed-array.h"

#define USAGE "usage: elma-qjs <script.js> [arguments...]  (the QA core: elma-qjs elma-qjs-core.js --bundle <dir> --questions <file.json>)"

static JSModuleDef *load_module(JSContext *ctx, const char *name, void *opaque) {
  (void)opaque;
  if (strcmp(name, "elma:kernels") == 0) return elma_qjs_kernels_module(ctx, name);
  if (strcmp(name, "elma:host") == 0) return elma_qjs_host_module(ctx, name);
  JS_ThrowReferenceError(ctx, "cannot import \"%s\": elma-qjs provides only elma:host and elma:kernels (bundle the script with esbuild)", name);
  return NULL;
}

/* The pending exception as one line: "Name: message" for an Error, else the value as a string. */
static void print_exception(JSContext *ctx, const char *script) {
  JSValue e = JS_GetException(ctx);
  const char *text = NULL;
  char line[2048];
  if (JS_IsError(ctx, e)) {
    JSValue name = JS_GetPropertyStr(ctx, e, "name"), message = JS_GetPropertyStr(ctx, e, "message");
    const char *n = JS_ToCString(ctx, name), *m = JS_ToCString(ctx, message);
    snprintf(line, sizeof line, "%s: %s", n != NULL ? n : "Error", m != NULL ? m : "");
    JS_FreeCString(ctx, n);
    JS_FreeCString(ctx, m);
    JS_FreeValue(ctx, name);
    JS_FreeValue(ctx, message);
  } else {
    text = JS_ToCString(ctx, e);
    snprintf(line, sizeof line, "uncaught %s", text != NULL ? text : "exception");
    JS_FreeCString(ctx, text);
  }
  for (char *p = line; *p != '\0'; p++) if (*p == '\n' || *p == '\r') *p = ' '; /* one line, always */
  fprintf(stderr, "elma-qjs: %s: %s\n", script, line);
  JS_FreeValue(ctx, e);
}

static char *read_script(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  char *buf = NULL;
  if (fseek(f, 0, SEEK_END) == 0) {
    long n = ftell(f);
    if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
      *len = fread(buf, 1, (size_t)n, f);
      buf[*len] = '\0';
      if (*len != (size_t)n) { free(buf); buf = NULL; errno = EIO; }
    }
  }
  int e = errno;
  fclose(f);
  errno = e;
  return buf;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "elma-qjs: no script given; %s\n", USAGE);
    return 2;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    printf("%s\n", USAGE);
    return 0;
  }
  if (argv[1][0] == '-') {
    fprintf(stderr, "elma-qjs: unknown option %s; %s\n", argv[1], USAGE);
    return 2;
  }
  const char *script = argv[1];
  size_t len = 0;
  char *source = read_script(script, &len);
  if (source == NULL) {
    fprintf(stderr, "elma-qjs: %s: %s\n", script, strerror(errno));
    return 1;
  }
  elma_qjs_host_set_args(argc - 2, argv + 2);

  JSRuntime *rt = JS_NewRuntime();
  JSContext *ctx = rt != NULL ? JS_NewContext(rt) : NULL;
  if (ctx == NULL) {
    fprintf(stderr, "elma-qjs: cannot create the QuickJS runtime (out of memory)\n");
    return 1;
  }
  JS_SetModuleLoaderFunc(rt, NULL, load_module, NULL);
  int status = 0;
  JSValue r = JS_Eval(ctx, source, len, script, JS_EVAL_TYPE_MODULE);
  free(source);
  if (JS_IsException(r)) {
    print_exception(ctx, script);
    status = 1;
  }
  JS_FreeValue(ctx, r);
  /* Promise reactions the script left (none in the QA core; the event loop is a later slice). */
  for (JSContext *jctx; status == 0;) {
    int rc = JS_ExecutePendingJob(rt, &jctx);
    if (rc == 0) break;
    if (rc < 0) {
      print_exception(jctx, script);
      status = 1;
    }
  }
  elma_qjs_typed_array_free(ctx);
  JS_FreeContext(ctx);
  JS_FreeRuntime(rt);
  return status;
}
