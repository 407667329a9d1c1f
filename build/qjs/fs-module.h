/* File system calls for elma-qjs (docs/qjs-runtime.md): the synchronous POSIX calls the device
   program makes through node:fs (open, read and write at a position, fsync, rename, link, mkdir,
   rmdir, unlink, chmod, stat, lstat, fstat, readdir), with Node's errors (errors.h). The device's
   crash-safe writes (common/node/atomic-file.ts: temp, fsync, rename, fsync the directory) are the
   same calls in the same order as under Node. build/quickjs/node-api/fs.ts is node:fs on these. */
#ifndef ELMA_QJS_FS_MODULE_H
#define ELMA_QJS_FS_MODULE_H

#include "quickjs.h"

/* The `fs` object of elma:host, its functions and `constants` (O_*, S_IF*: the host's values,
   which differ between x86-64 and AArch64). */
extern const JSCFunctionListEntry elma_fs_funcs[];
extern const int elma_fs_funcs_count;

#endif
