/* The QuickJS C module "elma:kernels": ELMA's C kernels (kernels/native/include/elma.h), the same
   functions koffi calls under Node, on typed arrays without copies (docs/qjs-runtime.md). */
#ifndef ELMA_QJS_KERNELS_MODULE_H
#define ELMA_QJS_KERNELS_MODULE_H

#include "quickjs.h"

JSModuleDef *elma_qjs_kernels_module(JSContext *ctx, const char *name);

#endif
