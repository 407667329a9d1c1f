/* Streams and servers (net-module.h).
 *
 * A stream is one descriptor with a write queue: write() sends at once what the socket takes and
 * queues the rest (copied: the caller may reuse its buffer), which goes out as poll reports room.
 * end() shuts the write side down once the queue is empty (a TCP FIN after the last byte). Reads
 * are up to 64 KiB per readiness report, handed to JavaScript as an ArrayBuffer that owns the
 * bytes (no copy). Callbacks go to the `handlers` object a stream is started with:
 *
 *   connect()        the connection is established (connect only)
 *   data(buffer)     bytes arrived
 *   end()            the peer finished sending (EOF)
 *   error(err)       a system error; the stream is closed right after, then close() follows
 *   close()          the stream closed on its own: after error(), or once both directions ended
 *
 * destroy() from JavaScript closes at once and calls nothing (node-api/net.ts emits Node's
 * 'close' itself). While open, a stream holds a reference to its own object and its handlers, so
 * neither is collected under the event loop's feet.
 *
 * Names: numeric IPv4/IPv6 addresses and "localhost" only. elma-qjs is linked statically, and a
 * static glibc's getaddrinfo needs the NSS modules of its own version at run time, which a device
 * does not have (docs/qjs-runtime.md); a name is refused with ENOTFOUND saying so.
 */
#define _GNU_SOURCE /* accept4, SOCK_NONBLOCK, SOCK_CLOEXEC */
#include "net-module.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "errors.h"
#include "event-loop.h"
#include "_typed-array.h"

#define READ_SIZE 65536

typedef struct chunk {
  struct chunk *next;
  size_t len, off;
  uint8_t data[];
} chunk;

typedef struct stream {
  JSContext *ctx;
  JSValue self;     /* held while open */
  JSValue handlers; /* JS_UNDEFINED until started */
  int fd;           /* -1 once closed */
  int is_stdin;
  elma_watch *watch;
  int connecting, started, paused, read_eof, want_end, shut, closed, ref;
  int pending_error; /* a write failed synchronously: reported on the next turn, as Node does */
  chunk *head, *tail;
  size_t queued;
  char where[160];
} stream;

typedef struct server {
  JSContext *ctx;
  JSValue self, handlers;
  int fd;
  elma_watch *watch;
  int port;
  char where[160];
} server;

static JSClassID stream_class, server_class;
static int stdin_taken;

/* ---- addresses -------------------------------------------------------------------------------- */

typedef struct {
  struct sockaddr_storage sa;
  socklen_t len;
  char where[160];
} address;

static JSValue not_found(JSContext *ctx, const char *host) {
  JSValue err = JS_NewError(ctx);
  char msg[400];
  snprintf(msg, sizeof msg, "getaddrinfo ENOTFOUND %s (elma-qjs resolves numeric addresses and localhost only: it is linked statically, without NSS)", host);
  for (char *p = msg; *p != '\0'; p++) if (*p == '\n' || *p == '\r') *p = ' ';
  JS_DefinePropertyValueStr(ctx, err, "message", JS_NewString(ctx, msg), JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE);
  JS_DefinePropertyValueStr(ctx, err, "code", JS_NewString(ctx, "ENOTFOUND"), JS_PROP_C_W_E);
  JS_DefinePropertyValueStr(ctx, err, "syscall", JS_NewString(ctx, "getaddrinfo"), JS_PROP_C_W_E);
  JS_DefinePropertyValueStr(ctx, err, "hostname", JS_NewString(ctx, host), JS_PROP_C_W_E);
  return JS_Throw(ctx, err);
}

/* {path} or {host, port} to a socket address; throws (TypeError / RangeError / ENOTFOUND). */
static int parse_address(JSContext *ctx, JSValueConst spec, const char *what, address *a) {
  memset(a, 0, sizeof *a);
  if (!JS_IsObject(spec)) {
    JS_ThrowTypeError(ctx, "%s: the address must be {host, port} or {path}", what);
    return -1;
  }
  JSValue pathv = JS_GetPropertyStr(ctx, spec, "path");
  if (!JS_IsUndefined(pathv)) {
    const char *path = JS_ToCString(ctx, pathv);
    JS_FreeValue(ctx, pathv);
    if (path == NULL) return -1;
    struct sockaddr_un *un = (struct sockaddr_un *)&a->sa;
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof un->sun_path) {
      JS_ThrowRangeError(ctx, "%s: a Unix socket path must be 1..%zu bytes, got %zu (%s)", what, sizeof un->sun_path - 1, n, path);
      JS_FreeCString(ctx, path);
      return -1;
    }
    un->sun_family = AF_UNIX;
    memcpy(un->sun_path, path, n + 1);
    a->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
    snprintf(a->where, sizeof a->where, "%s", path);
    JS_FreeCString(ctx, path);
    return 0;
  }
  JSValue hostv = JS_GetPropertyStr(ctx, spec, "host"), portv = JS_GetPropertyStr(ctx, spec, "port");
  const char *host = JS_IsUndefined(hostv) ? NULL : JS_ToCString(ctx, hostv);
  JS_FreeValue(ctx, hostv);
  double port = -1;
  int bad_port = JS_ToFloat64(ctx, &port, portv) != 0;
  JS_FreeValue(ctx, portv);
  if (bad_port || !(port >= 0 && port <= 65535) || port != (double)(int)port) {
    if (!bad_port) JS_ThrowRangeError(ctx, "%s: port must be an integer 0..65535, got %g", what, port);
    JS_FreeCString(ctx, host);
    return -1;
  }
  const char *h = host == NULL || host[0] == '\0' || strcmp(host, "localhost") == 0 ? "127.0.0.1" : host;
  struct sockaddr_in *in4 = (struct sockaddr_in *)&a->sa;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->sa;
  if (inet_pton(AF_INET, h, &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons((uint16_t)port);
    a->len = sizeof *in4;
  } else if (inet_pton(AF_INET6, h, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((uint16_t)port);
    a->len = sizeof *in6;
  } else {
    not_found(ctx, h);
    JS_FreeCString(ctx, host);
    return -1;
  }
  snprintf(a->where, sizeof a->where, "%s:%d", h, (int)port);
  JS_FreeCString(ctx, host);
  return 0;
}

/* ---- streams ---------------------------------------------------------------------------------- */

static void free_bytes(JSRuntime *rt, void *opaque, void *ptr) {
  (void)rt; (void)opaque;
  free(ptr);
}

static void update_watch(stream *s) {
  if (s->closed || s->watch == NULL) return;
  short ev = 0;
  if (s->connecting) ev = POLLOUT;
  else {
    if (s->started && !s->paused && !s->read_eof) ev |= POLLIN;
    if (s->queued > 0 || s->pending_error != 0) ev |= POLLOUT;
  }
  elma_loop_watch_events(s->watch, ev);
  elma_loop_watch_ref(s->watch, s->ref);
}

static void free_queue(stream *s) {
  for (chunk *c = s->head, *n; c != NULL; c = n) {
    n = c->next;
    free(c);
  }
  s->head = s->tail = NULL;
  s->queued = 0;
}

/* Close the descriptor and drop the self references; nothing is called. */
static void close_stream(stream *s) {
  if (s->closed) return;
  s->closed = 1;
  elma_loop_unwatch(s->watch);
  s->watch = NULL;
  if (s->fd >= 0 && !s->is_stdin) close(s->fd);
  s->fd = -1;
  free_queue(s);
}

/* Drop what the open stream held (after its last callback). */
static void release(stream *s) {
  JSContext *ctx = s->ctx;
  JSValue handlers = s->handlers, self = s->self;
  s->handlers = JS_UNDEFINED;
  s->self = JS_UNDEFINED;
  JS_FreeValue(ctx, handlers);
  JS_FreeValue(ctx, self); /* may finalize the object (and free s): last */
}

/* Call handlers[name](args...) if the stream has handlers; the stream may close meanwhile. */
static void emit(stream *s, const char *name, int argc, JSValueConst *argv) {
  if (!s->started || JS_IsUndefined(s->handlers)) return;
  JSContext *ctx = s->ctx;
  JSValue handlers = JS_DupValue(ctx, s->handlers);
  JSValue fn = JS_GetPropertyStr(ctx, handlers, name);
  if (JS_IsFunction(ctx, fn)) elma_loop_call(ctx, fn, handlers, argc, argv);
  JS_FreeValue(ctx, fn);
  JS_FreeValue(ctx, handlers);
}

/* The stream closed on its own: close(), then let go. */
static void finish(stream *s) {
  close_stream(s);
  JSValue self = JS_DupValue(s->ctx, s->self); /* keep s alive through the callback */
  emit(s, "close", 0, NULL);
  release(s);
  JS_FreeValue(s->ctx, self);
}

static void fail(stream *s, int e, const char *syscall) {
  if (s->closed) return;
  JSValue self = JS_DupValue(s->ctx, s->self);
  JSValue err = elma_net_error(s->ctx, e, syscall, s->where);
  close_stream(s); /* closed before error(): a handler that writes or ends finds it closed */
  emit(s, "error", 1, (JSValueConst *)&err);
  JS_FreeValue(s->ctx, err);
  emit(s, "close", 0, NULL);
  release(s);
  JS_FreeValue(s->ctx, self);
}

static void maybe_finish(stream *s) {
  if (!s->closed && s->read_eof && (s->shut || s->is_stdin)) finish(s);
}

static void do_shutdown(stream *s) {
  if (s->shut || s->closed || s->queued > 0 || !s->want_end || s->connecting) return;
  s->shut = 1;
  if (!s->is_stdin && shutdown(s->fd, SHUT_WR) != 0 && errno != ENOTCONN) {
    fail(s, errno, "shutdown");
    return;
  }
  maybe_finish(s);
}

/* Send from the queue while the socket takes it; 0, or -1 when the stream failed (and closed). */
static int flush(stream *s) {
  while (s->head != NULL) {
    chunk *c = s->head;
    ssize_t n = send(s->fd, c->data + c->off, c->len - c->off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      fail(s, errno, "write");
      return -1;
    }
    c->off += (size_t)n;
    s->queued -= (size_t)n;
    if (c->off == c->len) {
      s->head = c->next;
      if (s->head == NULL) s->tail = NULL;
      free(c);
    }
  }
  update_watch(s);
  do_shutdown(s);
  return 0;
}

static void do_read(stream *s) {
  uint8_t *buf = malloc(READ_SIZE);
  if (buf == NULL) {
    fail(s, ENOMEM, "read");
    return;
  }
  ssize_t n;
  do n = read(s->fd, buf, READ_SIZE); while (n < 0 && errno == EINTR);
  if (n < 0) {
    free(buf);
    if (errno != EAGAIN && errno != EWOULDBLOCK) fail(s, errno, "read");
    return;
  }
  if (n == 0) {
    free(buf);
    s->read_eof = 1;
    update_watch(s);
    JSValue self = JS_DupValue(s->ctx, s->self);
    emit(s, "end", 0, NULL);
    if (!s->closed) {
      update_watch(s);
      maybe_finish(s);
    }
    JS_FreeValue(s->ctx, self);
    return;
  }
  uint8_t *shrunk = (size_t)n < READ_SIZE / 2 ? realloc(buf, (size_t)n) : NULL;
  if (shrunk != NULL) buf = shrunk;
  JSValue ab = JS_NewArrayBuffer(s->ctx, buf, (size_t)n, free_bytes, NULL, 0);
  JSValue self = JS_DupValue(s->ctx, s->self);
  emit(s, "data", 1, (JSValueConst *)&ab);
  JS_FreeValue(s->ctx, ab);
  JS_FreeValue(s->ctx, self);
}

static void on_stream(void *opaque, short revents) {
  stream *s = opaque;
  JSValue self = JS_DupValue(s->ctx, s->self);
  if (s->connecting) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err != 0) {
      fail(s, err, "connect");
    } else {
      s->connecting = 0;
      update_watch(s);
      emit(s, "connect", 0, NULL);
      if (!s->closed) flush(s); /* what was written while connecting */
    }
  } else if (s->pending_error != 0) {
    fail(s, s->pending_error, "write");
  } else {
    if (!s->closed && (revents & (POLLIN | POLLHUP | POLLERR)) && s->started && !s->paused && !s->read_eof) do_read(s);
    if (!s->closed && (revents & POLLOUT)) flush(s);
    if (!s->closed && (revents & POLLERR)) {
      int err = 0;
      socklen_t len = sizeof err;
      if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err != 0) fail(s, err, "read");
    }
  }
  JS_FreeValue(s->ctx, self);
}

static JSValue new_stream(JSContext *ctx, int fd, const char *where, int connecting, int is_stdin) {
  JSValue obj = JS_NewObjectClass(ctx, (int)stream_class);
  if (JS_IsException(obj)) return obj;
  stream *s = calloc(1, sizeof *s);
  if (s == NULL) {
    JS_FreeValue(ctx, obj);
    return JS_ThrowOutOfMemory(ctx);
  }
  s->ctx = ctx;
  s->fd = fd;
  s->is_stdin = is_stdin;
  s->connecting = connecting;
  s->ref = 1;
  s->handlers = JS_UNDEFINED;
  snprintf(s->where, sizeof s->where, "%s", where);
  s->watch = elma_loop_watch(fd, 0, 1, on_stream, s);
  if (s->watch == NULL) {
    free(s);
    JS_FreeValue(ctx, obj);
    return JS_ThrowOutOfMemory(ctx);
  }
  JS_SetOpaque(obj, s);
  s->self = JS_DupValue(ctx, obj);
  update_watch(s);
  return obj;
}

static stream *this_stream(JSContext *ctx, JSValueConst v) {
  stream *s = JS_GetOpaque(v, stream_class);
  if (s == NULL) JS_ThrowTypeError(ctx, "not an elma-qjs stream");
  return s;
}

static int set_handlers(JSContext *ctx, stream *s, JSValueConst handlers) {
  if (!JS_IsObject(handlers)) {
    JS_ThrowTypeError(ctx, "a stream's handlers must be an object {connect, data, end, error, close}");
    return -1;
  }
  JS_FreeValue(ctx, s->handlers);
  s->handlers = JS_DupValue(ctx, handlers);
  s->started = 1;
  return 0;
}

/* start(handlers): deliver this stream's events (accepted streams and stdin start here). */
static JSValue js_stream_start(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)argc;
  stream *s = this_stream(ctx, this_val);
  if (s == NULL) return JS_EXCEPTION;
  if (s->closed) return JS_UNDEFINED;
  if (set_handlers(ctx, s, argv[0]) != 0) return JS_EXCEPTION;
  update_watch(s);
  return JS_UNDEFINED;
}

/* write(bytes) -> the bytes still queued after trying to send them now. */
static JSValue js_stream_write(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)argc;
  stream *s = this_stream(ctx, this_val);
  if (s == NULL) return JS_EXCEPTION;
  size_t len = 0;
  const uint8_t *p = elma_qjs_bytes(ctx, argv[0], "write: data", &len);
  if (p == NULL) return JS_EXCEPTION;
  if (s->is_stdin) return JS_ThrowTypeError(ctx, "write: stdin is read only");
  if (s->closed || s->want_end) return JS_ThrowTypeError(ctx, "write: the stream is %s (%s)", s->closed ? "closed" : "ended", s->where);
  if (len == 0) return JS_NewFloat64(ctx, (double)s->queued);
  size_t at = 0;
  if (s->head == NULL && !s->connecting && s->pending_error == 0) {
    while (at < len) {
      ssize_t n = send(s->fd, p + at, len - at, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) s->pending_error = errno;
        break;
      }
      at += (size_t)n;
    }
  }
  if (at < len && s->pending_error == 0) {
    chunk *c = malloc(sizeof *c + (len - at));
    if (c == NULL) return JS_ThrowOutOfMemory(ctx);
    c->next = NULL;
    c->len = len - at;
    c->off = 0;
    memcpy(c->data, p + at, len - at);
    if (s->tail != NULL) s->tail->next = c;
    else s->head = c;
    s->tail = c;
    s->queued += len - at;
  }
  update_watch(s);
  return JS_NewFloat64(ctx, (double)s->queued);
}

/* end(): half-close once everything queued has been sent. */
static JSValue js_stream_end(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)argc; (void)argv;
  stream *s = this_stream(ctx, this_val);
  if (s == NULL) return JS_EXCEPTION;
  if (s->closed || s->want_end) return JS_UNDEFINED;
  s->want_end = 1;
  JSValue self = JS_DupValue(ctx, s->self);
  do_shutdown(s);
  JS_FreeValue(ctx, self);
  return JS_UNDEFINED;
}

/* destroy(): close now; queued bytes are dropped; no callback follows. */
static JSValue js_stream_destroy(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)argc; (void)argv;
  stream *s = this_stream(ctx, this_val);
  if (s == NULL) return JS_EXCEPTION;
  if (s->closed) return JS_UNDEFINED;
  JSValue self = JS_DupValue(ctx, s->self);
  close_stream(s);
  release(s);
  JS_FreeValue(ctx, self);
  return JS_UNDEFINED;
}

static JSValue js_stream_pause(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)argc; (void)argv;
  stream *s = this_stream(ctx, this_val);
  if (s == NULL) return JS_EXCEPTION;
  s->paused = 1;
  update_watch(s);
  return JS_UNDEFINED;
}

static JSValue js_stream_resume(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)argc; (void)argv;
  stream *s = this_stream(ctx, this_val);
  if (s == NULL) return JS_EXCEPTION;
  s->paused = 0;
  update_watch(s);
  return JS_UNDEFINED;
}

/* ref(on): whether this stream keeps the event loop alive. */
static JSValue js_stream_ref(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)argc;
  stream *s = this_stream(ctx, this_val);
  if (s == NULL) return JS_EXCEPTION;
  s->ref = JS_ToBool(ctx, argv[0]);
  update_watch(s);
  return JS_UNDEFINED;
}

/* setNoDelay(on): TCP_NODELAY (Nagle off); nothing on Unix sockets and stdin. */
static JSValue js_stream_set_no_delay(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)argc;
  stream *s = this_stream(ctx, this_val);
  if (s == NULL) return JS_EXCEPTION;
  if (s->closed || s->is_stdin) return JS_UNDEFINED;
  int on = JS_ToBool(ctx, argv[0]);
  struct sockaddr_storage sa;
  socklen_t len = sizeof sa;
  if (getsockname(s->fd, (struct sockaddr *)&sa, &len) == 0 && (sa.ss_family == AF_INET || sa.ss_family == AF_INET6)) {
    setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  }
  return JS_UNDEFINED;
}

static JSValue js_stream_queued(JSContext *ctx, JSValueConst this_val) {
  stream *s = this_stream(ctx, this_val);
  if (s == NULL) return JS_EXCEPTION;
  return JS_NewFloat64(ctx, (double)s->queued);
}

static JSValue js_stream_where(JSContext *ctx, JSValueConst this_val) {
  stream *s = this_stream(ctx, this_val);
  if (s == NULL) return JS_EXCEPTION;
  return JS_NewString(ctx, s->where);
}

static void stream_finalizer(JSRuntime *rt, JSValue val) {
  (void)rt;
  stream *s = JS_GetOpaque(val, stream_class);
  if (s == NULL) return;
  /* Only reached once closed: an open stream holds itself. */
  if (!s->closed) close_stream(s);
  free(s);
}

static const JSCFunctionListEntry stream_proto[] = {
  JS_CFUNC_DEF("start", 1, js_stream_start),
  JS_CFUNC_DEF("write", 1, js_stream_write),
  JS_CFUNC_DEF("end", 0, js_stream_end),
  JS_CFUNC_DEF("destroy", 0, js_stream_destroy),
  JS_CFUNC_DEF("pause", 0, js_stream_pause),
  JS_CFUNC_DEF("resume", 0, js_stream_resume),
  JS_CFUNC_DEF("ref", 1, js_stream_ref),
  JS_CFUNC_DEF("setNoDelay", 1, js_stream_set_no_delay),
  JS_CGETSET_DEF("queued", js_stream_queued, NULL),
  JS_CGETSET_DEF("where", js_stream_where, NULL),
};

/* connect({host, port} | {path}, handlers) -> stream; errors of the first step throw. */
static JSValue js_connect(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  address a;
  if (parse_address(ctx, argv[0], "connect", &a) != 0) return JS_EXCEPTION;
  if (!JS_IsObject(argv[1])) return JS_ThrowTypeError(ctx, "connect: the handlers must be an object {connect, data, end, error, close}");
  int fd = socket(a.sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return elma_throw_net(ctx, errno, "socket", a.where);
  int rc;
  do rc = connect(fd, (struct sockaddr *)&a.sa, a.len); while (rc != 0 && errno == EINTR);
  if (rc != 0 && errno != EINPROGRESS && errno != EAGAIN) {
    int e = errno;
    close(fd);
    return elma_throw_net(ctx, e, "connect", a.where);
  }
  /* Connected or not, the outcome is taken from SO_ERROR when poll reports the socket writable. */
  JSValue obj = new_stream(ctx, fd, a.where, 1, 0);
  if (JS_IsException(obj)) {
    close(fd);
    return obj;
  }
  stream *s = JS_GetOpaque(obj, stream_class);
  if (set_handlers(ctx, s, argv[1]) != 0) {
    close_stream(s);
    release(s);
    JS_FreeValue(ctx, obj);
    return JS_EXCEPTION;
  }
  update_watch(s);
  return obj;
}

/* stdin() -> the stream of descriptor 0 (once). Its mode is left as it is: it is read only after
   poll reports it readable, so a blocking descriptor never blocks the loop. */
static JSValue js_stdin(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc; (void)argv;
  if (stdin_taken) return JS_ThrowTypeError(ctx, "stdin: already opened");
  stdin_taken = 1;
  return new_stream(ctx, 0, "stdin", 0, 1);
}

/* ---- servers ---------------------------------------------------------------------------------- */

static void close_server(server *v) {
  if (v->fd < 0) return;
  elma_loop_unwatch(v->watch);
  v->watch = NULL;
  close(v->fd);
  v->fd = -1;
}

static void release_server(server *v) {
  JSContext *ctx = v->ctx;
  JSValue handlers = v->handlers, self = v->self;
  v->handlers = JS_UNDEFINED;
  v->self = JS_UNDEFINED;
  JS_FreeValue(ctx, handlers);
  JS_FreeValue(ctx, self);
}

static void on_server(void *opaque, short revents) {
  (void)revents;
  server *v = opaque;
  JSContext *ctx = v->ctx;
  JSValue self = JS_DupValue(ctx, v->self);
  while (v->fd >= 0) {
    struct sockaddr_storage sa;
    socklen_t len = sizeof sa;
    int fd = accept4(v->fd, (struct sockaddr *)&sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        JSValue err = elma_net_error(ctx, errno, "accept", v->where);
        JSValue fn = JS_GetPropertyStr(ctx, v->handlers, "error");
        if (JS_IsFunction(ctx, fn)) elma_loop_call(ctx, fn, v->handlers, 1, (JSValueConst *)&err);
        JS_FreeValue(ctx, fn);
        JS_FreeValue(ctx, err);
      }
      break;
    }
    char where[160];
    if (sa.ss_family == AF_INET || sa.ss_family == AF_INET6) {
      char host[INET6_ADDRSTRLEN] = "?";
      int port = 0;
      if (sa.ss_family == AF_INET) {
        inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr, host, sizeof host);
        port = ntohs(((struct sockaddr_in *)&sa)->sin_port);
      } else {
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&sa)->sin6_addr, host, sizeof host);
        port = ntohs(((struct sockaddr_in6 *)&sa)->sin6_port);
      }
      snprintf(where, sizeof where, "%s:%d", host, port);
    } else {
      snprintf(where, sizeof where, "%s", v->where);
    }
    JSValue obj = new_stream(ctx, fd, where, 0, 0);
    if (JS_IsException(obj)) { /* out of memory: as any uncaught exception */
      close(fd);
      elma_loop_print_exception(ctx, "uncaught ");
      exit(1);
    }
    JSValue fn = JS_GetPropertyStr(ctx, v->handlers, "connection");
    if (JS_IsFunction(ctx, fn)) elma_loop_call(ctx, fn, v->handlers, 1, (JSValueConst *)&obj);
    JS_FreeValue(ctx, fn);
    JS_FreeValue(ctx, obj);
  }
  JS_FreeValue(ctx, self);
}

/* listen({host, port} | {path}, {connection(stream), error(err)}) -> server */
static JSValue js_listen(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  address a;
  if (parse_address(ctx, argv[0], "listen", &a) != 0) return JS_EXCEPTION;
  if (!JS_IsObject(argv[1])) return JS_ThrowTypeError(ctx, "listen: the handlers must be an object {connection, error}");
  int fd = socket(a.sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return elma_throw_net(ctx, errno, "socket", a.where);
  int one = 1;
  /* As Node: a restarted server may bind while old connections linger in TIME_WAIT. */
  if (a.sa.ss_family != AF_UNIX) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&a.sa, a.len) != 0 || listen(fd, 511) != 0) {
    int e = errno;
    close(fd);
    return elma_throw_net(ctx, e, "listen", a.where);
  }
  int port = 0;
  if (a.sa.ss_family != AF_UNIX) {
    struct sockaddr_storage bound;
    socklen_t len = sizeof bound;
    if (getsockname(fd, (struct sockaddr *)&bound, &len) == 0) {
      port = bound.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&bound)->sin_port) : ntohs(((struct sockaddr_in6 *)&bound)->sin6_port);
    }
    char *colon = strrchr(a.where, ':');
    if (colon != NULL) snprintf(colon + 1, sizeof a.where - (size_t)(colon + 1 - a.where), "%d", port);
  }
  JSValue obj = JS_NewObjectClass(ctx, (int)server_class);
  server *v = calloc(1, sizeof *v);
  if (JS_IsException(obj) || v == NULL) {
    close(fd);
    free(v);
    JS_FreeValue(ctx, obj);
    return JS_ThrowOutOfMemory(ctx);
  }
  v->ctx = ctx;
  v->fd = fd;
  v->port = port;
  snprintf(v->where, sizeof v->where, "%s", a.where);
  v->handlers = JS_DupValue(ctx, argv[1]);
  v->watch = elma_loop_watch(fd, POLLIN, 1, on_server, v);
  JS_SetOpaque(obj, v);
  v->self = JS_DupValue(ctx, obj);
  return obj;
}

static server *this_server(JSContext *ctx, JSValueConst v) {
  server *s = JS_GetOpaque(v, server_class);
  if (s == NULL) JS_ThrowTypeError(ctx, "not an elma-qjs server");
  return s;
}

/* close(): stop listening (a Unix socket's file stays, as with Node). */
static JSValue js_server_close(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)argc; (void)argv;
  server *v = this_server(ctx, this_val);
  if (v == NULL) return JS_EXCEPTION;
  if (v->fd < 0) return JS_UNDEFINED;
  JSValue self = JS_DupValue(ctx, v->self);
  close_server(v);
  release_server(v);
  JS_FreeValue(ctx, self);
  return JS_UNDEFINED;
}

static JSValue js_server_ref(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)argc;
  server *v = this_server(ctx, this_val);
  if (v == NULL) return JS_EXCEPTION;
  if (v->watch != NULL) elma_loop_watch_ref(v->watch, JS_ToBool(ctx, argv[0]));
  return JS_UNDEFINED;
}

static JSValue js_server_port(JSContext *ctx, JSValueConst this_val) {
  server *v = this_server(ctx, this_val);
  return v == NULL ? JS_EXCEPTION : JS_NewInt32(ctx, v->port);
}

static void server_finalizer(JSRuntime *rt, JSValue val) {
  (void)rt;
  server *v = JS_GetOpaque(val, server_class);
  if (v == NULL) return;
  close_server(v);
  free(v);
}

static const JSCFunctionListEntry server_proto[] = {
  JS_CFUNC_DEF("close", 0, js_server_close),
  JS_CFUNC_DEF("ref", 1, js_server_ref),
  JS_CGETSET_DEF("port", js_server_port, NULL),
};

/* ---- the module ------------------------------------------------------------------------------- */

int elma_net_init(JSContext *ctx) {
  JSRuntime *rt = JS_GetRuntime(ctx);
  JS_NewClassID(&stream_class);
  JS_NewClassID(&server_class);
  JSClassDef stream_def = {.class_name = "ElmaStream", .finalizer = stream_finalizer};
  JSClassDef server_def = {.class_name = "ElmaServer", .finalizer = server_finalizer};
  if (JS_NewClass(rt, stream_class, &stream_def) != 0 || JS_NewClass(rt, server_class, &server_def) != 0) return -1;
  JSValue sp = JS_NewObject(ctx), vp = JS_NewObject(ctx);
  JS_SetPropertyFunctionList(ctx, sp, stream_proto, sizeof stream_proto / sizeof stream_proto[0]);
  JS_SetPropertyFunctionList(ctx, vp, server_proto, sizeof server_proto / sizeof server_proto[0]);
  JS_SetClassProto(ctx, stream_class, sp);
  JS_SetClassProto(ctx, server_class, vp);
  return 0;
}

const JSCFunctionListEntry elma_net_funcs[] = {
  JS_CFUNC_DEF("connect", 2, js_connect),
  JS_CFUNC_DEF("listen", 2, js_listen),
  JS_CFUNC_DEF("stdin", 0, js_stdin),
};
const int elma_net_funcs_count = sizeof elma_net_funcs / sizeof elma_net_funcs[0];
