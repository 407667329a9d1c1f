/* The process for elma-qjs: its id, environment, working directory, terminal, architecture and
   exit status: what build/quickjs/node-api/process.ts gives the device program as Node's process. */
#ifndef ELMA_QJS_PROCESS_MODULE_H
#define ELMA_QJS_PROCESS_MODULE_H

#include "quickjs.h"

/* pid(), env() -> {NAME: value}, cwd(), isatty(fd), setExitCode(n); arch ("x64" | "arm64"),
   platform ("linux"). */
extern const JSCFunctionListEntry elma_process_funcs[];
extern const int elma_process_funcs_count;

#endif
