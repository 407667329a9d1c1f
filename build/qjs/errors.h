/* System-call errors as elma:host throws them: shaped like Node's (an Error with `code` "ENOENT",
   `errno` -2, `syscall` "open", `path`/`dest` or `address`/`port`), so the device program's code,
   which reads `code` and words its own messages, runs unchanged on elma-qjs. Always one line. */
#ifndef ELMA_QJS_ERRORS_H
#define ELMA_QJS_ERRORS_H

#include "quickjs.h"

/* "ENOENT", "ECONNREFUSED", ...; "EIO" for a number this table lacks (never an empty code). */
const char *elma_errno_name(int e);

/* Node's fs wording: "ENOENT: no such file or directory, open '/x'" (and " -> '<dest>'" for
   rename and link); `path` and `dest` may be NULL (calls on a descriptor). Returns the Error. */
JSValue elma_fs_error(JSContext *ctx, int e, const char *syscall, const char *path, const char *dest);

/* Node's net wording: "connect ECONNREFUSED 127.0.0.1:7420" (`address` is "host:port" or a Unix
   socket path; NULL leaves it out). Returns the Error. */
JSValue elma_net_error(JSContext *ctx, int e, const char *syscall, const char *address);

/* The same, thrown: JS_EXCEPTION. */
JSValue elma_throw_fs(JSContext *ctx, int e, const char *syscall, const char *path, const char *dest);
JSValue elma_throw_net(JSContext *ctx, int e, const char *syscall, const char *address);

#endif
