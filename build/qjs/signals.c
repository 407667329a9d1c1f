/* Signals through a self-pipe (signals.h): the classic way to turn an asynchronous signal into an
   event a poll(2) loop can take (the handler may only call async-signal-safe functions; write(2)
   is one, POSIX.1-2017 §2.4.3). A signal's listener does not keep the loop alive, as in Node. */
#define _POSIX_C_SOURCE 200809L
#include "signals.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <poll.h>
#include <stdio.h>
#include <unistd.h>

#include "errors.h"
#include "event-loop.h"

static const struct { int sig; const char *name; } known[] = {
  {SIGINT, "SIGINT"}, {SIGTERM, "SIGTERM"}, {SIGHUP, "SIGHUP"}, {SIGUSR1, "SIGUSR1"}, {SIGUSR2, "SIGUSR2"},
};
#define N_KNOWN (sizeof known / sizeof known[0])
#define KNOWN_LIST "SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2"

static int pipe_fds[2] = {-1, -1};
static elma_watch *pipe_watch;
static JSContext *signal_ctx;
static JSValue callbacks[N_KNOWN];
static int have_callback[N_KNOWN];

void elma_signals_init(void) {
  signal(SIGPIPE, SIG_IGN);
}

static void on_signal(int sig) {
  int saved = errno;
  unsigned char b = (unsigned char)sig;
  ssize_t r = write(pipe_fds[1], &b, 1); /* a full pipe drops it: many are pending already */
  (void)r;
  errno = saved;
}

static void on_pipe(void *opaque, short revents) {
  (void)opaque; (void)revents;
  unsigned char buf[64];
  ssize_t n = read(pipe_fds[0], buf, sizeof buf);
  for (ssize_t i = 0; i < n; i++) {
    for (size_t k = 0; k < N_KNOWN; k++) {
      if (known[k].sig != buf[i] || !have_callback[k]) continue;
      JSValue fn = JS_DupValue(signal_ctx, callbacks[k]);
      JSValue name = JS_NewString(signal_ctx, known[k].name);
      elma_loop_call(signal_ctx, fn, JS_UNDEFINED, 1, &name);
      JS_FreeValue(signal_ctx, name);
      JS_FreeValue(signal_ctx, fn);
    }
  }
}

static int open_pipe(JSContext *ctx) {
  if (pipe_fds[0] >= 0) return 0;
  if (pipe(pipe_fds) != 0) return -1;
  for (int i = 0; i < 2; i++) {
    fcntl(pipe_fds[i], F_SETFD, FD_CLOEXEC);
    fcntl(pipe_fds[i], F_SETFL, fcntl(pipe_fds[i], F_GETFL) | O_NONBLOCK);
  }
  signal_ctx = ctx;
  pipe_watch = elma_loop_watch(pipe_fds[0], POLLIN, 0, on_pipe, NULL);
  return pipe_watch == NULL ? -1 : 0;
}

static int index_of(const char *name) {
  for (size_t k = 0; k < N_KNOWN; k++) if (strcmp(known[k].name, name) == 0) return (int)k;
  return -1;
}

static JSValue js_signal(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  const char *name = JS_ToCString(ctx, argv[0]);
  if (name == NULL) return JS_EXCEPTION;
  int k = index_of(name);
  if (k < 0) {
    JS_ThrowTypeError(ctx, "signal: unknown signal \"%s\" (elma-qjs handles " KNOWN_LIST ")", name);
    JS_FreeCString(ctx, name);
    return JS_EXCEPTION;
  }
  JS_FreeCString(ctx, name);
  int on = !JS_IsNull(argv[1]) && !JS_IsUndefined(argv[1]);
  if (on && !JS_IsFunction(ctx, argv[1])) return JS_ThrowTypeError(ctx, "signal: the callback must be a function or null");
  if (on && open_pipe(ctx) != 0) return elma_throw_fs(ctx, errno, "pipe", NULL, NULL);
  if (have_callback[k]) JS_FreeValue(ctx, callbacks[k]);
  have_callback[k] = on;
  if (on) callbacks[k] = JS_DupValue(ctx, argv[1]);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = on ? on_signal : SIG_DFL;
  sa.sa_flags = on ? SA_RESTART : 0;
  if (sigaction(known[k].sig, &sa, NULL) != 0) return elma_throw_fs(ctx, errno, "sigaction", NULL, NULL);
  return JS_UNDEFINED;
}

static int signal_number(const char *name) {
  if (strcmp(name, "SIGKILL") == 0) return SIGKILL;
  if (strcmp(name, "SIGSTOP") == 0) return SIGSTOP;
  if (strcmp(name, "SIGCONT") == 0) return SIGCONT;
  int k = index_of(name);
  return k < 0 ? -1 : known[k].sig;
}

static JSValue js_kill(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  int32_t pid;
  if (JS_ToInt32(ctx, &pid, argv[0]) != 0) return JS_EXCEPTION;
  const char *name = JS_ToCString(ctx, argv[1]);
  if (name == NULL) return JS_EXCEPTION;
  int sig = signal_number(name);
  if (sig < 0) {
    JS_ThrowTypeError(ctx, "kill: unknown signal \"%s\" (elma-qjs sends SIGKILL, SIGSTOP, SIGCONT, " KNOWN_LIST ")", name);
    JS_FreeCString(ctx, name);
    return JS_EXCEPTION;
  }
  JS_FreeCString(ctx, name);
  if (kill(pid, sig) != 0) return elma_throw_fs(ctx, errno, "kill", NULL, NULL);
  return JS_UNDEFINED;
}

const JSCFunctionListEntry elma_signal_funcs[] = {
  JS_CFUNC_DEF("signal", 2, js_signal),
  JS_CFUNC_DEF("kill", 2, js_kill),
};
const int elma_signal_funcs_count = sizeof elma_signal_funcs / sizeof elma_signal_funcs[0];
