/* File system calls (fs-module.h). Each function is one system call (readdir: one directory
   walk), EINTR retried, and an error thrown as Node's: "ENOENT: no such file or directory, open
   '/x'" with code, errno, syscall and path. Arguments are checked before the call: a position or
   length outside the buffer is a RangeError, never a read or write past the memory given. */
#define _GNU_SOURCE /* O_CLOEXEC, O_NOFOLLOW, O_DIRECTORY, pread/pwrite, fdatasync */
#include "fs-module.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "_typed-array.h"

/* A path argument; NULL with a TypeError when it is not a string. */
static const char *path_arg(JSContext *ctx, JSValueConst v, const char *what) {
  if (!JS_IsString(v)) {
    JS_ThrowTypeError(ctx, "%s: the path must be a string", what);
    return NULL;
  }
  return JS_ToCString(ctx, v);
}

static int int_arg(JSContext *ctx, JSValueConst v, const char *what, int32_t *out) {
  double d;
  if (JS_ToFloat64(ctx, &d, v) != 0) return -1;
  if (!(d >= INT32_MIN && d <= INT32_MAX) || d != (double)(int32_t)d) {
    JS_ThrowRangeError(ctx, "%s: %g is not an int32", what, d);
    return -1;
  }
  *out = (int32_t)d;
  return 0;
}

/* open(path, flags, mode) -> fd; flags are the host's O_* bits (constants), O_CLOEXEC always added. */
static JSValue js_open(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  int32_t flags, mode;
  if (int_arg(ctx, argv[1], "open flags", &flags) || int_arg(ctx, argv[2], "open mode", &mode)) return JS_EXCEPTION;
  const char *path = path_arg(ctx, argv[0], "open");
  if (path == NULL) return JS_EXCEPTION;
  int fd;
  do fd = open(path, flags | O_CLOEXEC, (mode_t)mode); while (fd < 0 && errno == EINTR);
  JSValue r = fd < 0 ? elma_throw_fs(ctx, errno, "open", path, NULL) : JS_NewInt32(ctx, fd);
  JS_FreeCString(ctx, path);
  return r;
}

static JSValue js_close(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  int32_t fd;
  if (int_arg(ctx, argv[0], "close fd", &fd)) return JS_EXCEPTION;
  /* POSIX leaves the descriptor's state unspecified after EINTR; Linux has closed it: no retry. */
  if (close(fd) != 0 && errno != EINTR) return elma_throw_fs(ctx, errno, "close", NULL, NULL);
  return JS_UNDEFINED;
}

static JSValue js_fsync(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  int32_t fd;
  if (int_arg(ctx, argv[0], "fsync fd", &fd)) return JS_EXCEPTION;
  int rc;
  do rc = fsync(fd); while (rc != 0 && errno == EINTR);
  if (rc != 0) return elma_throw_fs(ctx, errno, "fsync", NULL, NULL);
  return JS_UNDEFINED;
}

static JSValue js_ftruncate(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  int32_t fd;
  double len;
  if (int_arg(ctx, argv[0], "ftruncate fd", &fd) || JS_ToFloat64(ctx, &len, argv[1]) != 0) return JS_EXCEPTION;
  if (!(len >= 0 && len <= 9007199254740991.0)) return JS_ThrowRangeError(ctx, "ftruncate: length %g is not a size", len);
  int rc;
  do rc = ftruncate(fd, (off_t)len); while (rc != 0 && errno == EINTR);
  if (rc != 0) return elma_throw_fs(ctx, errno, "ftruncate", NULL, NULL);
  return JS_UNDEFINED;
}

/* The bytes [offset, offset + length) of a view; a RangeError when they are not all inside it. */
static uint8_t *span(JSContext *ctx, JSValueConst buf, JSValueConst offv, JSValueConst lenv, const char *what, size_t *len_out) {
  size_t size = 0;
  uint8_t *p = elma_qjs_bytes(ctx, buf, what, &size);
  if (p == NULL) return NULL;
  double off, len;
  if (JS_ToFloat64(ctx, &off, offv) != 0 || JS_ToFloat64(ctx, &len, lenv) != 0) return NULL;
  if (!(off >= 0 && len >= 0) || off != (double)(size_t)off || len != (double)(size_t)len || off + len > (double)size) {
    JS_ThrowRangeError(ctx, "%s: offset %g and length %g are outside the buffer of %zu bytes", what, off, len, size);
    return NULL;
  }
  *len_out = (size_t)len;
  return p + (size_t)off;
}

/* position: a number ≥ 0 reads/writes there (pread/pwrite), null or -1 at the current offset. */
static int position_arg(JSContext *ctx, JSValueConst v, const char *what, int64_t *out) {
  if (JS_IsNull(v) || JS_IsUndefined(v)) {
    *out = -1;
    return 0;
  }
  double d;
  if (JS_ToFloat64(ctx, &d, v) != 0) return -1;
  if (d == -1) {
    *out = -1;
    return 0;
  }
  if (!(d >= 0 && d <= 9007199254740991.0) || d != (double)(int64_t)d) {
    JS_ThrowRangeError(ctx, "%s: position %g is not a file offset", what, d);
    return -1;
  }
  *out = (int64_t)d;
  return 0;
}

/* read(fd, view, offset, length, position) -> bytes read (0 at the end of the file). */
static JSValue js_read(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  int32_t fd;
  int64_t pos;
  size_t len;
  if (int_arg(ctx, argv[0], "read fd", &fd) || position_arg(ctx, argv[4], "read", &pos)) return JS_EXCEPTION;
  uint8_t *p = span(ctx, argv[1], argv[2], argv[3], "read", &len);
  if (p == NULL) return JS_EXCEPTION;
  ssize_t n;
  do n = pos < 0 ? read(fd, p, len) : pread(fd, p, len, (off_t)pos); while (n < 0 && errno == EINTR);
  if (n < 0) return elma_throw_fs(ctx, errno, "read", NULL, NULL);
  return JS_NewFloat64(ctx, (double)n);
}

/* write(fd, view, offset, length, position) -> bytes written (may be fewer, as write(2)). */
static JSValue js_write(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  int32_t fd;
  int64_t pos;
  size_t len;
  if (int_arg(ctx, argv[0], "write fd", &fd) || position_arg(ctx, argv[4], "write", &pos)) return JS_EXCEPTION;
  uint8_t *p = span(ctx, argv[1], argv[2], argv[3], "write", &len);
  if (p == NULL) return JS_EXCEPTION;
  ssize_t n;
  do n = pos < 0 ? write(fd, p, len) : pwrite(fd, p, len, (off_t)pos); while (n < 0 && errno == EINTR);
  if (n < 0) return elma_throw_fs(ctx, errno, "write", NULL, NULL);
  return JS_NewFloat64(ctx, (double)n);
}

static void set_num(JSContext *ctx, JSValue o, const char *name, double v) {
  JS_DefinePropertyValueStr(ctx, o, name, JS_NewFloat64(ctx, v), JS_PROP_C_W_E);
}

static double ms_of(struct timespec ts) { return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6; }

/* A stat result as Node's Stats carries it (node-api/fs.ts wraps it with isFile() etc.). */
static JSValue stat_object(JSContext *ctx, const struct stat *st) {
  JSValue o = JS_NewObject(ctx);
  set_num(ctx, o, "dev", (double)st->st_dev);
  set_num(ctx, o, "ino", (double)st->st_ino);
  set_num(ctx, o, "mode", (double)st->st_mode);
  set_num(ctx, o, "nlink", (double)st->st_nlink);
  set_num(ctx, o, "uid", (double)st->st_uid);
  set_num(ctx, o, "gid", (double)st->st_gid);
  set_num(ctx, o, "rdev", (double)st->st_rdev);
  set_num(ctx, o, "size", (double)st->st_size);
  set_num(ctx, o, "blksize", (double)st->st_blksize);
  set_num(ctx, o, "blocks", (double)st->st_blocks);
  set_num(ctx, o, "atimeMs", ms_of(st->st_atim));
  set_num(ctx, o, "mtimeMs", ms_of(st->st_mtim));
  set_num(ctx, o, "ctimeMs", ms_of(st->st_ctim));
  return o;
}

static JSValue stat_path(JSContext *ctx, JSValueConst pathv, const char *syscall, int follow) {
  const char *path = path_arg(ctx, pathv, syscall);
  if (path == NULL) return JS_EXCEPTION;
  struct stat st;
  int rc = follow ? stat(path, &st) : lstat(path, &st);
  JSValue r = rc != 0 ? elma_throw_fs(ctx, errno, syscall, path, NULL) : stat_object(ctx, &st);
  JS_FreeCString(ctx, path);
  return r;
}

static JSValue js_stat(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  return stat_path(ctx, argv[0], "stat", 1);
}

static JSValue js_lstat(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  return stat_path(ctx, argv[0], "lstat", 0);
}

static JSValue js_fstat(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  int32_t fd;
  if (int_arg(ctx, argv[0], "fstat fd", &fd)) return JS_EXCEPTION;
  struct stat st;
  if (fstat(fd, &st) != 0) return elma_throw_fs(ctx, errno, "fstat", NULL, NULL);
  return stat_object(ctx, &st);
}

/* One path, one call: mkdir(path, mode), rmdir, unlink, chmod(path, mode). */
static JSValue path_call(JSContext *ctx, JSValueConst pathv, const char *syscall, int (*call)(const char *, int32_t), int32_t arg) {
  const char *path = path_arg(ctx, pathv, syscall);
  if (path == NULL) return JS_EXCEPTION;
  JSValue r = call(path, arg) != 0 ? elma_throw_fs(ctx, errno, syscall, path, NULL) : JS_UNDEFINED;
  JS_FreeCString(ctx, path);
  return r;
}

static int do_mkdir(const char *p, int32_t mode) { return mkdir(p, (mode_t)mode); }
static int do_rmdir(const char *p, int32_t unused) { (void)unused; return rmdir(p); }
static int do_unlink(const char *p, int32_t unused) { (void)unused; return unlink(p); }
static int do_chmod(const char *p, int32_t mode) { return chmod(p, (mode_t)mode); }

static JSValue js_mkdir(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  int32_t mode;
  if (int_arg(ctx, argv[1], "mkdir mode", &mode)) return JS_EXCEPTION;
  return path_call(ctx, argv[0], "mkdir", do_mkdir, mode);
}

static JSValue js_rmdir(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  return path_call(ctx, argv[0], "rmdir", do_rmdir, 0);
}

static JSValue js_unlink(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  return path_call(ctx, argv[0], "unlink", do_unlink, 0);
}

static JSValue js_chmod(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  int32_t mode;
  if (int_arg(ctx, argv[1], "chmod mode", &mode)) return JS_EXCEPTION;
  return path_call(ctx, argv[0], "chmod", do_chmod, mode);
}

/* Two paths, one call: rename(from, to) (atomic, POSIX), link(from, to) (fails with EEXIST). */
static JSValue two_paths(JSContext *ctx, JSValueConst *argv, const char *syscall, int (*call)(const char *, const char *)) {
  const char *from = path_arg(ctx, argv[0], syscall);
  if (from == NULL) return JS_EXCEPTION;
  const char *to = path_arg(ctx, argv[1], syscall);
  if (to == NULL) {
    JS_FreeCString(ctx, from);
    return JS_EXCEPTION;
  }
  JSValue r = call(from, to) != 0 ? elma_throw_fs(ctx, errno, syscall, from, to) : JS_UNDEFINED;
  JS_FreeCString(ctx, from);
  JS_FreeCString(ctx, to);
  return r;
}

static JSValue js_rename(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  return two_paths(ctx, argv, "rename", rename);
}

static JSValue js_link(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  return two_paths(ctx, argv, "link", link);
}

/* readdir(path) -> names, without "." and "..", in the order the file system gives (as Node). */
static JSValue js_readdir(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  const char *path = path_arg(ctx, argv[0], "scandir");
  if (path == NULL) return JS_EXCEPTION;
  DIR *d = opendir(path);
  if (d == NULL) {
    JSValue r = elma_throw_fs(ctx, errno, "scandir", path, NULL);
    JS_FreeCString(ctx, path);
    return r;
  }
  JSValue names = JS_NewArray(ctx);
  uint32_t i = 0;
  for (;;) {
    errno = 0;
    struct dirent *e = readdir(d);
    if (e == NULL) {
      if (errno != 0) {
        int err = errno;
        closedir(d);
        JS_FreeValue(ctx, names);
        JSValue r = elma_throw_fs(ctx, err, "scandir", path, NULL);
        JS_FreeCString(ctx, path);
        return r;
      }
      break;
    }
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    JS_SetPropertyUint32(ctx, names, i++, JS_NewString(ctx, e->d_name));
  }
  closedir(d);
  JS_FreeCString(ctx, path);
  return names;
}

/* access(path, mode): F_OK / R_OK / W_OK / X_OK as access(2). */
static JSValue js_access(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
  (void)this_val; (void)argc;
  int32_t mode;
  if (int_arg(ctx, argv[1], "access mode", &mode)) return JS_EXCEPTION;
  const char *path = path_arg(ctx, argv[0], "access");
  if (path == NULL) return JS_EXCEPTION;
  JSValue r = access(path, mode) != 0 ? elma_throw_fs(ctx, errno, "access", path, NULL) : JS_UNDEFINED;
  JS_FreeCString(ctx, path);
  return r;
}

static const JSCFunctionListEntry constants[] = {
  JS_PROP_INT32_DEF("O_RDONLY", O_RDONLY, JS_PROP_ENUMERABLE),
  JS_PROP_INT32_DEF("O_WRONLY", O_WRONLY, JS_PROP_ENUMERABLE),
  JS_PROP_INT32_DEF("O_RDWR", O_RDWR, JS_PROP_ENUMERABLE),
  JS_PROP_INT32_DEF("O_CREAT", O_CREAT, JS_PROP_ENUMERABLE),
  JS_PROP_INT32_DEF("O_EXCL", O_EXCL, JS_PROP_ENUMERABLE),
  JS_PROP_INT32_DEF("O_TRUNC", O_TRUNC, JS_PROP_ENUMERABLE),
  JS_PROP_INT32_DEF("O_APPEND", O_APPEND, JS_PROP_ENUMERABLE),
  JS_PROP_INT32_DEF("O_NOFOLLOW", O_NOFOLLOW, JS_PROP_ENUMERABLE),
  JS_PROP_INT32_DEF("O_DIRECTORY", O_DIRECTORY, JS_PROP_ENUMERABLE),
  JS_PROP_INT32_DEF("O_SYNC", O_SYNC, JS_PROP_ENUMERABLE),
  JS_PROP_INT32_DEF("S_IFMT", S_IFMT, JS_PROP_ENUMERABLE),
  JS_PROP_INT32_DEF("S_IFREG", S_IFREG, JS_PROP_ENUMERABLE),
  JS_PROP_INT32_DEF("S_IFDIR", S_IFDIR, JS_PROP_ENUMERABLE),
  JS_PROP_INT32_DEF("S_IFLNK", S_IFLNK, JS_PROP_ENUMERABLE),
  JS_PROP_INT32_DEF("S_IFCHR", S_IFCHR, JS_PROP_ENUMERABLE),
  JS_PROP_INT32_DEF("S_IFBLK", S_IFBLK, JS_PROP_ENUMERABLE),
  JS_PROP_INT32_DEF("S_IFIFO", S_IFIFO, JS_PROP_ENUMERABLE),
  JS_PROP_INT32_DEF("S_IFSOCK", S_IFSOCK, JS_PROP_ENUMERABLE),
  JS_PROP_INT32_DEF("F_OK", F_OK, JS_PROP_ENUMERABLE),
  JS_PROP_INT32_DEF("R_OK", R_OK, JS_PROP_ENUMERABLE),
  JS_PROP_INT32_DEF("W_OK", W_OK, JS_PROP_ENUMERABLE),
  JS_PROP_INT32_DEF("X_OK", X_OK, JS_PROP_ENUMERABLE),
};

const JSCFunctionListEntry elma_fs_funcs[] = {
  JS_CFUNC_DEF("open", 3, js_open),
  JS_CFUNC_DEF("close", 1, js_close),
  JS_CFUNC_DEF("fsync", 1, js_fsync),
  JS_CFUNC_DEF("ftruncate", 2, js_ftruncate),
  JS_CFUNC_DEF("read", 5, js_read),
  JS_CFUNC_DEF("write", 5, js_write),
  JS_CFUNC_DEF("stat", 1, js_stat),
  JS_CFUNC_DEF("lstat", 1, js_lstat),
  JS_CFUNC_DEF("fstat", 1, js_fstat),
  JS_CFUNC_DEF("mkdir", 2, js_mkdir),
  JS_CFUNC_DEF("rmdir", 1, js_rmdir),
  JS_CFUNC_DEF("unlink", 1, js_unlink),
  JS_CFUNC_DEF("chmod", 2, js_chmod),
  JS_CFUNC_DEF("rename", 2, js_rename),
  JS_CFUNC_DEF("link", 2, js_link),
  JS_CFUNC_DEF("readdir", 1, js_readdir),
  JS_CFUNC_DEF("access", 2, js_access),
  JS_OBJECT_DEF("constants", constants, sizeof constants / sizeof constants[0], JS_PROP_CONFIGURABLE),
};
const int elma_fs_funcs_count = sizeof elma_fs_funcs / sizeof elma_fs_funcs[0];
