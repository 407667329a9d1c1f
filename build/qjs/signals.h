/* Signals for elma-qjs (docs/qjs-runtime.md): a handler for SIGINT, SIGTERM, SIGHUP, SIGUSR1 or
   SIGUSR2 only writes the signal's number to a self-pipe; the event loop reads it and calls the
   JavaScript callback there. JavaScript never runs inside a signal handler. */
#ifndef ELMA_QJS_SIGNALS_H
#define ELMA_QJS_SIGNALS_H

#include "quickjs.h"

/* Ignore SIGPIPE (a write to a closed socket is then EPIPE, as under Node). */
void elma_signals_init(void);

/* signal(name, fn | null): fn is called with the name on each delivery; null restores the default
   action. kill(pid, name): send a signal (the crash points SIGKILL their own process). */
extern const JSCFunctionListEntry elma_signal_funcs[];
extern const int elma_signal_funcs_count;

#endif
