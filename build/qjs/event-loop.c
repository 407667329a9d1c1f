/* The event loop (event-loop.h). Timers are few (a device has a handful: keepalive ticks, retry
   back-offs, offload time-outs), so they live in an array scanned for the earliest; due timers
   run in the order (deadline, creation), which is Node's order for timers of equal delay. */
#define _POSIX_C_SOURCE 200809L
#include "event-loop.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct elma_watch {
  int fd;
  short events;
  int ref;
  int dead;
  elma_watch_fn fn;
  void *opaque;
};

typedef struct {
  double id;
  double when; /* CLOCK_MONOTONIC ms */
  JSValue fn;
  int ref;
} timer;

static elma_watch **watches;
static size_t n_watches, cap_watches;
static timer *timers;
static size_t n_timers, cap_timers;
static double next_timer_id = 1;
static int exit_code;
static const char *script_name = "elma-qjs";

/* Unhandled rejections: a rejected promise with no handler yet; dropped when one is attached. */
typedef struct { JSValue promise, reason; } rejection;
static rejection *rejections;
static size_t n_rejections, cap_rejections;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void *grow(void *p, size_t *cap, size_t need, size_t size) {
  if (need <= *cap) return p;
  size_t c = *cap == 0 ? 8 : *cap * 2;
  while (c < need) c *= 2;
  void *q = realloc(p, c * size);
  if (q == NULL) {
    fprintf(stderr, "elma-qjs: out of memory in the event loop\n");
    exit(1);
  }
  *cap = c;
  return q;
}

void elma_loop_set_exit_code(int code) { exit_code = code; }

/* ---- descriptors ------------------------------------------------------------------------------ */

elma_watch *elma_loop_watch(int fd, short events, int ref, elma_watch_fn fn, void *opaque) {
  elma_watch *w = calloc(1, sizeof *w);
  if (w == NULL) return NULL;
  *w = (elma_watch){fd, events, ref, 0, fn, opaque};
  watches = grow(watches, &cap_watches, n_watches + 1, sizeof *watches);
  watches[n_watches++] = w;
  return w;
}

void elma_loop_watch_events(elma_watch *w, short events) { w->events = events; }
void elma_loop_watch_ref(elma_watch *w, int ref) { w->ref = ref; }
void elma_loop_unwatch(elma_watch *w) { if (w != NULL) w->dead = 1; }

static void sweep_watches(void) {
  size_t k = 0;
  for (size_t i = 0; i < n_watches; i++) {
    if (watches[i]->dead) free(watches[i]);
    else watches[k++] = watches[i];
  }
  n_watches = k;
}

/* ---- exceptions and jobs ---------------------------------------------------------------------- */

void elma_loop_print_exception(JSContext *ctx, const char *prefix) {
  JSValue e = JS_GetException(ctx);
  char line[2048];
  if (JS_IsError(ctx, e)) {
    JSValue name = JS_GetPropertyStr(ctx, e, "name"), message = JS_GetPropertyStr(ctx, e, "message");
    const char *n = JS_ToCString(ctx, name), *m = JS_ToCString(ctx, message);
    snprintf(line, sizeof line, "%s: %s", n != NULL ? n : "Error", m != NULL ? m : "");
    JS_FreeCString(ctx, n);
    JS_FreeCString(ctx, m);
    JS_FreeValue(ctx, name);
    JS_FreeValue(ctx, message);
  } else {
    const char *text = JS_ToCString(ctx, e);
    snprintf(line, sizeof line, "uncaught %s", text != NULL ? text : "exception");
    JS_FreeCString(ctx, text);
  }
  for (char *p = line; *p != '\0'; p++) if (*p == '\n' || *p == '\r') *p = ' ';
  fflush(stdout);
  fprintf(stderr, "elma-qjs: %s: %s%s\n", script_name, prefix, line);
  /* ELMA_DEBUG=1 (as for the Node programs): the stack too, for whoever debugs the bundle. */
  const char *debug = getenv("ELMA_DEBUG");
  if (debug != NULL && strcmp(debug, "1") == 0 && JS_IsObject(e)) {
    JSValue stack = JS_GetPropertyStr(ctx, e, "stack");
    const char *st = JS_IsUndefined(stack) ? NULL : JS_ToCString(ctx, stack);
    if (st != NULL) fprintf(stderr, "%s", st);
    JS_FreeCString(ctx, st);
    JS_FreeValue(ctx, stack);
  }
  fflush(stderr);
  JS_FreeValue(ctx, e);
}

static void die_uncaught(JSContext *ctx, const char *prefix) {
  elma_loop_print_exception(ctx, prefix);
  exit(1);
}

static void tracker(JSContext *ctx, JSValueConst promise, JSValueConst reason, JS_BOOL is_handled, void *opaque) {
  (void)opaque;
  if (!is_handled) {
    rejections = grow(rejections, &cap_rejections, n_rejections + 1, sizeof *rejections);
    rejections[n_rejections++] = (rejection){JS_DupValue(ctx, promise), JS_DupValue(ctx, reason)};
    return;
  }
  for (size_t i = 0; i < n_rejections; i++) {
    if (JS_VALUE_GET_PTR(rejections[i].promise) == JS_VALUE_GET_PTR(promise)) {
      JS_FreeValue(ctx, rejections[i].promise);
      JS_FreeValue(ctx, rejections[i].reason);
      rejections[i] = rejections[--n_rejections];
      return;
    }
  }
}

/* Drain the job queue; then a rejection still without a handler ends the program (Node ≥ 15). */
static void run_jobs(JSContext *ctx) {
  JSRuntime *rt = JS_GetRuntime(ctx);
  for (;;) {
    JSContext *jctx;
    int rc = JS_ExecutePendingJob(rt, &jctx);
    if (rc == 0) break;
    if (rc < 0) die_uncaught(jctx, "uncaught ");
  }
  if (n_rejections > 0) {
    JS_Throw(ctx, JS_DupValue(ctx, rejections[0].reason));
    die_uncaught(ctx, "unhandled promise rejection: ");
  }
}

void elma_loop_call(JSContext *ctx, JSValueConst fn, JSValueConst this_val, int argc, JSValueConst *argv) {
  JSValue r = JS_Call(ctx, fn, this_val, argc, (JSValue *)argv);
  if (JS_IsException(r)) die_uncaught(ctx, "uncaught ");
  JS_FreeValue(ctx, r);
  run_jobs(ctx);
}

void elma_loop_init(JSRuntime *rt, const char *script) {
  script_name = script;
  JS_SetHostPromiseRejectionTracker(rt, tracker, NULL);
}

/* ---- timers ----------------------------------------------------------------------------------- */

/* setTimer(ms, fn) -> id: run fn once after ms milliseconds (at least 1, as Node clamps). */
static JSValue js_set_timer(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  double ms;
  if (JS_ToFloat64(ctx, &ms, argv[0]) != 0) return JS_EXCEPTION;
  if (!JS_IsFunction(ctx, argv[1])) return JS_ThrowTypeError(ctx, "setTimer: the callback must be a function");
  if (!(ms >= 1) || ms > 2147483647.0) ms = 1; /* Node: a delay outside 1..2^31-1 becomes 1 */
  timers = grow(timers, &cap_timers, n_timers + 1, sizeof *timers);
  double id = next_timer_id++;
  timers[n_timers++] = (timer){id, now_ms() + ms, JS_DupValue(ctx, argv[1]), 1};
  return JS_NewFloat64(ctx, id);
}

static timer *find_timer(double id) {
  for (size_t i = 0; i < n_timers; i++) if (timers[i].id == id) return &timers[i];
  return NULL;
}

static void remove_timer(JSContext *ctx, timer *t) {
  JS_FreeValue(ctx, t->fn);
  *t = timers[--n_timers];
}

static JSValue js_clear_timer(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  double id;
  if (JS_ToFloat64(ctx, &id, argv[0]) != 0) return JS_EXCEPTION;
  timer *t = find_timer(id);
  if (t != NULL) remove_timer(ctx, t);
  return JS_UNDEFINED;
}

static JSValue js_ref_timer(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  double id;
  if (JS_ToFloat64(ctx, &id, argv[0]) != 0) return JS_EXCEPTION;
  timer *t = find_timer(id);
  if (t != NULL) t->ref = JS_ToBool(ctx, argv[1]);
  return JS_UNDEFINED;
}

/* The due timer that comes first, or NULL. */
static timer *earliest(double upto) {
  timer *best = NULL;
  for (size_t i = 0; i < n_timers; i++) {
    timer *t = &timers[i];
    if (t->when > upto) continue;
    if (best == NULL || t->when < best->when || (t->when == best->when && t->id < best->id)) best = t;
  }
  return best;
}

static void run_timers(JSContext *ctx) {
  /* Only timers due now: one armed by a callback waits for the next turn (no starvation). */
  double upto = now_ms();
  for (timer *t; (t = earliest(upto)) != NULL;) {
    JSValue fn = t->fn; /* owned by this turn now */
    *t = timers[--n_timers];
    elma_loop_call(ctx, fn, JS_UNDEFINED, 0, NULL);
    JS_FreeValue(ctx, fn);
  }
}

/* ---- the loop --------------------------------------------------------------------------------- */

static int alive(void) {
  for (size_t i = 0; i < n_timers; i++) if (timers[i].ref) return 1;
  for (size_t i = 0; i < n_watches; i++) if (!watches[i]->dead && watches[i]->ref && watches[i]->events != 0) return 1;
  return 0;
}

int elma_loop_run(JSContext *ctx) {
  struct pollfd *pfds = NULL;
  elma_watch **polled = NULL;
  size_t cap_pfds = 0, cap_polled = 0;
  run_jobs(ctx);
  for (;;) {
    run_timers(ctx);
    sweep_watches();
    if (!alive()) break;
    double timeout = -1;
    for (size_t i = 0; i < n_timers; i++) {
      double d = timers[i].when - now_ms();
      if (d < 0) d = 0;
      if (timeout < 0 || d < timeout) timeout = d;
    }
    pfds = grow(pfds, &cap_pfds, n_watches + 1, sizeof *pfds);
    polled = grow(polled, &cap_polled, n_watches + 1, sizeof *polled);
    size_t n = 0;
    for (size_t i = 0; i < n_watches; i++) {
      if (watches[i]->dead || watches[i]->events == 0) continue; /* idle: not even POLLHUP wanted */
      pfds[n] = (struct pollfd){watches[i]->fd, watches[i]->events, 0};
      polled[n++] = watches[i];
    }
    int ms = timeout < 0 ? -1 : timeout > 2147483647.0 ? 2147483647 : (int)(timeout + 0.999);
    int rc = poll(pfds, (nfds_t)n, ms);
    if (rc < 0) {
      if (errno == EINTR) continue; /* a signal: its byte is in the self-pipe, read next turn */
      fprintf(stderr, "elma-qjs: poll: %s\n", strerror(errno));
      return 1;
    }
    for (size_t i = 0; i < n && rc > 0; i++) {
      if (pfds[i].revents == 0) continue;
      rc--;
      /* A callback may have stopped this watch (closed its socket) before its turn came. */
      if (polled[i]->dead) continue;
      polled[i]->fn(polled[i]->opaque, pfds[i].revents);
    }
  }
  free(pfds);
  free(polled);
  return exit_code;
}

const JSCFunctionListEntry elma_loop_funcs[] = {
  JS_CFUNC_DEF("setTimer", 2, js_set_timer),
  JS_CFUNC_DEF("clearTimer", 1, js_clear_timer),
  JS_CFUNC_DEF("refTimer", 2, js_ref_timer),
};
const int elma_loop_funcs_count = sizeof elma_loop_funcs / sizeof elma_loop_funcs[0];
