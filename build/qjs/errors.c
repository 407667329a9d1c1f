/* Node-shaped system errors (errors.h). The texts are libuv's (uv_strerror, which Node's fs
   messages quote), so an fs error reads the same on elma-qjs as under Node; an errno this table
   lacks gets the C library's text, lower-cased as libuv's are. */
#define _POSIX_C_SOURCE 200809L
#include "errors.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

struct errno_entry { int e; const char *name; const char *text; };

static const struct errno_entry table[] = {
  {EPERM, "EPERM", "operation not permitted"},
  {ENOENT, "ENOENT", "no such file or directory"},
  {EINTR, "EINTR", "interrupted system call"},
  {EIO, "EIO", "i/o error"},
  {ENXIO, "ENXIO", "no such device or address"},
  {E2BIG, "E2BIG", "argument list too long"},
  {EBADF, "EBADF", "bad file descriptor"},
  {EAGAIN, "EAGAIN", "resource temporarily unavailable"},
  {ENOMEM, "ENOMEM", "not enough memory"},
  {EACCES, "EACCES", "permission denied"},
  {EFAULT, "EFAULT", "bad address in system call argument"},
  {EBUSY, "EBUSY", "resource busy or locked"},
  {EEXIST, "EEXIST", "file already exists"},
  {EXDEV, "EXDEV", "cross-device link not permitted"},
  {ENODEV, "ENODEV", "no such device"},
  {ENOTDIR, "ENOTDIR", "not a directory"},
  {EISDIR, "EISDIR", "illegal operation on a directory"},
  {EINVAL, "EINVAL", "invalid argument"},
  {ENFILE, "ENFILE", "file table overflow"},
  {EMFILE, "EMFILE", "too many open files"},
  {ENOTTY, "ENOTTY", "inappropriate ioctl for device"},
  {ETXTBSY, "ETXTBSY", "text file is busy"},
  {EFBIG, "EFBIG", "file too large"},
  {ENOSPC, "ENOSPC", "no space left on device"},
  {ESPIPE, "ESPIPE", "invalid seek"},
  {EROFS, "EROFS", "read-only file system"},
  {EMLINK, "EMLINK", "too many links"},
  {EPIPE, "EPIPE", "broken pipe"},
  {ERANGE, "ERANGE", "result too large"},
  {ENAMETOOLONG, "ENAMETOOLONG", "name too long"},
  {ENOSYS, "ENOSYS", "function not implemented"},
  {ENOTEMPTY, "ENOTEMPTY", "directory not empty"},
  {ELOOP, "ELOOP", "too many symbolic links encountered"},
  {ENOTSOCK, "ENOTSOCK", "socket operation on non-socket"},
  {EDESTADDRREQ, "EDESTADDRREQ", "destination address required"},
  {EMSGSIZE, "EMSGSIZE", "message too long"},
  {EPROTOTYPE, "EPROTOTYPE", "protocol wrong type for socket"},
  {ENOPROTOOPT, "ENOPROTOOPT", "protocol not available"},
  {EPROTONOSUPPORT, "EPROTONOSUPPORT", "protocol not supported"},
  {EOPNOTSUPP, "ENOTSUP", "operation not supported on socket"},
  {EAFNOSUPPORT, "EAFNOSUPPORT", "address family not supported"},
  {EADDRINUSE, "EADDRINUSE", "address already in use"},
  {EADDRNOTAVAIL, "EADDRNOTAVAIL", "address not available"},
  {ENETDOWN, "ENETDOWN", "network is down"},
  {ENETUNREACH, "ENETUNREACH", "network is unreachable"},
  {ECONNABORTED, "ECONNABORTED", "software caused connection abort"},
  {ECONNRESET, "ECONNRESET", "connection reset by peer"},
  {ENOBUFS, "ENOBUFS", "no buffer space available"},
  {EISCONN, "EISCONN", "socket is already connected"},
  {ENOTCONN, "ENOTCONN", "socket is not connected"},
  {ETIMEDOUT, "ETIMEDOUT", "connection timed out"},
  {ECONNREFUSED, "ECONNREFUSED", "connection refused"},
  {EHOSTDOWN, "EHOSTDOWN", "host is down"},
  {EHOSTUNREACH, "EHOSTUNREACH", "host is unreachable"},
  {EALREADY, "EALREADY", "connection already in progress"},
  {EINPROGRESS, "EINPROGRESS", "operation in progress"},
  {ECANCELED, "ECANCELED", "operation canceled"},
  {EDQUOT, "EDQUOT", "disk quota exceeded"},
};

static const struct errno_entry *find(int e) {
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) if (table[i].e == e) return &table[i];
  return NULL;
}

const char *elma_errno_name(int e) {
  const struct errno_entry *t = find(e);
  return t != NULL ? t->name : "EIO";
}

static void text_of(int e, char *out, size_t n) {
  const struct errno_entry *t = find(e);
  if (t != NULL) {
    snprintf(out, n, "%s", t->text);
    return;
  }
  snprintf(out, n, "%s", strerror(e));
  if (out[0] != '\0') out[0] = (char)tolower((unsigned char)out[0]);
}

static void set_str(JSContext *ctx, JSValue obj, const char *name, const char *value) {
  JS_DefinePropertyValueStr(ctx, obj, name, JS_NewString(ctx, value), JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE | JS_PROP_ENUMERABLE);
}

/* One line always: a path holding a newline would otherwise split the message. */
static void one_line(char *s) {
  for (; *s != '\0'; s++) if (*s == '\n' || *s == '\r') *s = ' ';
}

static JSValue make(JSContext *ctx, int e, const char *syscall, const char *message) {
  JSValue err = JS_NewError(ctx);
  JS_DefinePropertyValueStr(ctx, err, "message", JS_NewString(ctx, message), JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE);
  /* Node's errno is the negated number (libuv's convention), code the name, syscall the call. */
  JS_DefinePropertyValueStr(ctx, err, "errno", JS_NewInt32(ctx, -e), JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE | JS_PROP_ENUMERABLE);
  set_str(ctx, err, "code", elma_errno_name(e));
  set_str(ctx, err, "syscall", syscall);
  return err;
}

JSValue elma_fs_error(JSContext *ctx, int e, const char *syscall, const char *path, const char *dest) {
  char text[128], msg[2048];
  text_of(e, text, sizeof text);
  if (path != NULL && dest != NULL) snprintf(msg, sizeof msg, "%s: %s, %s '%s' -> '%s'", elma_errno_name(e), text, syscall, path, dest);
  else if (path != NULL) snprintf(msg, sizeof msg, "%s: %s, %s '%s'", elma_errno_name(e), text, syscall, path);
  else snprintf(msg, sizeof msg, "%s: %s, %s", elma_errno_name(e), text, syscall);
  one_line(msg);
  JSValue err = make(ctx, e, syscall, msg);
  if (path != NULL) set_str(ctx, err, "path", path);
  if (dest != NULL) set_str(ctx, err, "dest", dest);
  return err;
}

JSValue elma_net_error(JSContext *ctx, int e, const char *syscall, const char *address) {
  char msg[1024];
  if (address != NULL) snprintf(msg, sizeof msg, "%s %s %s", syscall, elma_errno_name(e), address);
  else snprintf(msg, sizeof msg, "%s %s", syscall, elma_errno_name(e));
  one_line(msg);
  JSValue err = make(ctx, e, syscall, msg);
  if (address != NULL) set_str(ctx, err, "address", address);
  return err;
}

JSValue elma_throw_fs(JSContext *ctx, int e, const char *syscall, const char *path, const char *dest) {
  return JS_Throw(ctx, elma_fs_error(ctx, e, syscall, path, dest));
}

JSValue elma_throw_net(JSContext *ctx, int e, const char *syscall, const char *address) {
  return JS_Throw(ctx, elma_net_error(ctx, e, syscall, address));
}
