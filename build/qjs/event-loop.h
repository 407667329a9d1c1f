/* elma-qjs's event loop (docs/qjs-runtime.md): one thread, poll(2) over the watched descriptors
   (sockets, stdin, the signal pipe) with the nearest timer as its timeout, and QuickJS's job queue
   (promise reactions) drained after every callback, as Node drains its microtasks. The loop ends
   when nothing that keeps it alive is left: no referenced timer, no referenced descriptor. */
#ifndef ELMA_QJS_EVENT_LOOP_H
#define ELMA_QJS_EVENT_LOOP_H

#include "quickjs.h"

typedef struct elma_watch elma_watch;
/* Called with poll's revents for the descriptor (POLLIN, POLLOUT, POLLERR, POLLHUP...). */
typedef void (*elma_watch_fn)(void *opaque, short revents);

/* Watch `fd` for `events`; `ref`: whether it keeps the loop alive. */
elma_watch *elma_loop_watch(int fd, short events, int ref, elma_watch_fn fn, void *opaque);
void elma_loop_watch_events(elma_watch *w, short events);
void elma_loop_watch_ref(elma_watch *w, int ref);
/* Stop watching; safe inside a callback (the watch is freed after the current dispatch). */
void elma_loop_unwatch(elma_watch *w);

/* Call a JavaScript callback from the loop, then run the promise jobs it queued. An exception
   that escapes it is uncaught, as in Node: printed as one line, exit status 1. */
void elma_loop_call(JSContext *ctx, JSValueConst fn, JSValueConst this_val, int argc, JSValueConst *argv);

/* Install the promise-rejection tracker (an unhandled rejection ends the program, as in Node). */
void elma_loop_init(JSRuntime *rt, const char *script);
/* Run until nothing keeps the loop alive; returns the exit status (process.exitCode). */
int elma_loop_run(JSContext *ctx);
/* The status the loop returns when it ends by itself (process.exitCode). */
void elma_loop_set_exit_code(int code);
/* Print the pending exception as one line "elma-qjs: <script>: <Name>: <message>". */
void elma_loop_print_exception(JSContext *ctx, const char *prefix);

/* setTimer(ms, fn) -> id, clearTimer(id), refTimer(id, ref): the timers under setTimeout/setInterval. */
extern const JSCFunctionListEntry elma_loop_funcs[];
extern const int elma_loop_funcs_count;

#endif
