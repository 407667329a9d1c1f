/* Byte streams over file descriptors for elma-qjs (docs/qjs-runtime.md): TCP and Unix-domain
   sockets (nonblocking connect, listen, accept, read, write, half-close, close) and stdin, driven
   by the event loop (event-loop.h). build/quickjs/node-api/net.ts builds node:net's Socket and
   Server on them; errors are Node's ("connect ECONNREFUSED 127.0.0.1:7420", code, errno, syscall). */
#ifndef ELMA_QJS_NET_MODULE_H
#define ELMA_QJS_NET_MODULE_H

#include "quickjs.h"

/* Register the stream and server classes (once, before the module is used). */
int elma_net_init(JSContext *ctx);

/* The `net` object of elma:host: connect, listen, stdin. */
extern const JSCFunctionListEntry elma_net_funcs[];
extern const int elma_net_funcs_count;

#endif
