/*
 * elma-qjs: ELMA's native QuickJS host (issue 18, docs/qjs-runtime.md).
 *
 *   elma-qjs <script.js> [arguments for the script...]
 *
 * Runs one JavaScript file as an ES module in QuickJS (2021-03-27, from the npm package qjsc) with
 * two native modules to import: "elma:kernels" (ELMA's C kernels, kernels-module.c) and
 * "elma:host" (files, sockets, timers, signals, random bytes, the process, SHA-256; host-module.c
 * and the files it names). Nothing else can be imported: the script is one esbuild bundle
 * (build/quickjs/qjs-core-bundle.ts, qjs-edge-bundle.ts), so the device never resolves modules
 * from a file system. After the script's top level the event loop runs (event-loop.c) until
 * nothing keeps it alive, as Node's does. The script's own errors are its to print; an exception
 * that escapes it (or a promise rejected with no handler) is printed here as one line
 * ("elma-qjs: <script>: <Name>: <message>"), exit 1. Usage errors of the host itself exit 2.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quickjs.h"
#include "event-loop.h"
#include "host-module.h"
#include "signals.h"
#include "kernels-module.h"

#define USAGE "usage: elma-qjs <script.js> [arguments...]  (the QA core: elma-qjs elma-qjs-core.js --bundle <dir> --questions <file.json>)"

static JSModuleDef *load_module(JSContext *ctx, const char *name, void *opaque) {
  (void)opaque;
  if (strcmp(name, "elma:kernels") == 0) return elma_qjs_kernels_module(ctx, name);
  if (strcmp(name, "elma:host") == 0) return elma_qjs_host_module(ctx, name);
  JS_ThrowReferenceError(ctx, "cannot import \"%s\": elma-qjs provides only elma:host and elma:kernels (bundle the script with esbuild)", name);
  return NULL;
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
  elma_loop_init(rt, script);
  elma_signals_init();
  int status = 0;
  JSValue r = JS_Eval(ctx, source, len, script, JS_EVAL_TYPE_MODULE);
  free(source);
  if (JS_IsException(r)) {
    elma_loop_print_exception(ctx, "");
    status = 1;
  }
  JS_FreeValue(ctx, r);
  if (status == 0) status = elma_loop_run(ctx);
  /* The runtime is not torn down: an async function still suspended when the loop ran out stays
     pinned (quickjs-patch.cmake), and JS_FreeRuntime asserts that nothing is left. The process
     ends here and the system takes its memory back, as it does from Node. */
  fflush(stdout);
  fflush(stderr);
  return status;
}
