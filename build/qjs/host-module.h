/* The QuickJS C module "elma:host": the few system services the device program's core needs
   from its host in this slice of issue 18 (docs/qjs-runtime.md): its command-line arguments, files
   read whole, a directory's names, stdout and stderr, a monotonic clock, SHA-256, UTF-8 decoding,
   the exit code. */
#ifndef ELMA_QJS_HOST_MODULE_H
#define ELMA_QJS_HOST_MODULE_H

#include "quickjs.h"

/* The arguments after the script's path, exported as `args`; kept, not copied. */
void elma_qjs_host_set_args(int argc, char **argv);
JSModuleDef *elma_qjs_host_module(JSContext *ctx, const char *name);

#endif
