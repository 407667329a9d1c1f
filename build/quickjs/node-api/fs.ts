/**
 * node:fs on elma-qjs: the synchronous calls the device program makes (the slots, the outbox, the
 * download area, the bundles, its config and keys), each one or a few system calls of
 * build/qjs/fs-module.c with Node's errors ("ENOENT: no such file or directory, open '/x'",
 * `code`, `errno`, `syscall`, `path`). Flags and modes mean what they mean in Node ('r', 'r+',
 * 'w', 'wx', 'a', or O_* bits); readFileSync gives a Buffer, or text with an encoding.
 * esbuild refuses the bundle if the device program imports a name this module does not export.
 */
import * as host from 'elma:host';
import { Buffer, type BufferEncoding } from './buffer.ts';
import { join } from './path.ts';

const C = host.fs.constants;

export const constants = {
  O_RDONLY: C.O_RDONLY, O_WRONLY: C.O_WRONLY, O_RDWR: C.O_RDWR, O_CREAT: C.O_CREAT, O_EXCL: C.O_EXCL, O_TRUNC: C.O_TRUNC,
  O_APPEND: C.O_APPEND, O_NOFOLLOW: C.O_NOFOLLOW, O_DIRECTORY: C.O_DIRECTORY, O_SYNC: C.O_SYNC,
  S_IFMT: C.S_IFMT, S_IFREG: C.S_IFREG, S_IFDIR: C.S_IFDIR, S_IFLNK: C.S_IFLNK,
  F_OK: C.F_OK, R_OK: C.R_OK, W_OK: C.W_OK, X_OK: C.X_OK,
} as const;

type Flags = string | number;

/** Node's string flags (lib/internal/fs/utils.js stringToFlags) as O_* bits. */
function flagBits(flags: Flags | undefined, fallback: string): number {
  if (typeof flags === 'number') return flags;
  switch (flags ?? fallback) {
    case 'r': return C.O_RDONLY;
    case 'rs': case 'sr': return C.O_RDONLY | C.O_SYNC;
    case 'r+': return C.O_RDWR;
    case 'rs+': case 'sr+': return C.O_RDWR | C.O_SYNC;
    case 'w': return C.O_TRUNC | C.O_CREAT | C.O_WRONLY;
    case 'wx': case 'xw': return C.O_TRUNC | C.O_CREAT | C.O_WRONLY | C.O_EXCL;
    case 'w+': return C.O_TRUNC | C.O_CREAT | C.O_RDWR;
    case 'wx+': case 'xw+': return C.O_TRUNC | C.O_CREAT | C.O_RDWR | C.O_EXCL;
    case 'a': return C.O_APPEND | C.O_CREAT | C.O_WRONLY;
    case 'ax': case 'xa': return C.O_APPEND | C.O_CREAT | C.O_WRONLY | C.O_EXCL;
    case 'a+': return C.O_APPEND | C.O_CREAT | C.O_RDWR;
    case 'ax+': case 'xa+': return C.O_APPEND | C.O_CREAT | C.O_RDWR | C.O_EXCL;
    default: throw Object.assign(new TypeError(`The value "${String(flags)}" is invalid for option "flags"`), { code: 'ERR_INVALID_ARG_VALUE' });
  }
}

export class Stats {
  readonly dev: number; readonly ino: number; readonly mode: number; readonly nlink: number; readonly uid: number; readonly gid: number;
  readonly rdev: number; readonly size: number; readonly blksize: number; readonly blocks: number;
  readonly atimeMs: number; readonly mtimeMs: number; readonly ctimeMs: number;

  constructor(s: host.StatResult) {
    this.dev = s.dev; this.ino = s.ino; this.mode = s.mode; this.nlink = s.nlink; this.uid = s.uid; this.gid = s.gid;
    this.rdev = s.rdev; this.size = s.size; this.blksize = s.blksize; this.blocks = s.blocks;
    this.atimeMs = s.atimeMs; this.mtimeMs = s.mtimeMs; this.ctimeMs = s.ctimeMs;
  }

  get mtime(): Date { return new Date(this.mtimeMs); }
  isFile(): boolean { return (this.mode & C.S_IFMT) === C.S_IFREG; }
  isDirectory(): boolean { return (this.mode & C.S_IFMT) === C.S_IFDIR; }
  isSymbolicLink(): boolean { return (this.mode & C.S_IFMT) === C.S_IFLNK; }
  isCharacterDevice(): boolean { return (this.mode & C.S_IFMT) === C.S_IFCHR; }
  isBlockDevice(): boolean { return (this.mode & C.S_IFMT) === C.S_IFBLK; }
  isFIFO(): boolean { return (this.mode & C.S_IFMT) === C.S_IFIFO; }
  isSocket(): boolean { return (this.mode & C.S_IFMT) === C.S_IFSOCK; }
}

export function openSync(path: string, flags?: Flags, mode = 0o666): number {
  return host.fs.open(path, flagBits(flags, 'r'), mode);
}

export function closeSync(fd: number): void {
  host.fs.close(fd);
}

export function fsyncSync(fd: number): void {
  host.fs.fsync(fd);
}

export function ftruncateSync(fd: number, len = 0): void {
  host.fs.ftruncate(fd, len);
}

/** readSync(fd, buffer, offset, length, position) and readSync(fd, buffer, {offset, length, position}). */
export function readSync(fd: number, buffer: ArrayBufferView, offsetOrOptions?: number | { offset?: number; length?: number; position?: number | null },
  length?: number, position?: number | null): number {
  let offset = 0;
  if (typeof offsetOrOptions === 'object' && offsetOrOptions !== null) {
    offset = offsetOrOptions.offset ?? 0;
    length = offsetOrOptions.length;
    position = offsetOrOptions.position;
  } else if (offsetOrOptions !== undefined) offset = offsetOrOptions;
  return host.fs.read(fd, buffer, offset, length ?? buffer.byteLength - offset, position ?? null);
}

/** writeSync(fd, buffer, offset?, length?, position?) and writeSync(fd, string, position?). */
export function writeSync(fd: number, data: ArrayBufferView | string, offset?: number | null, length?: number, position?: number | null): number {
  if (typeof data === 'string') {
    const b = Buffer.from(data, 'utf8');
    return host.fs.write(fd, b, 0, b.byteLength, offset ?? null);
  }
  const off = offset ?? 0;
  return host.fs.write(fd, data, off, length ?? data.byteLength - off, position ?? null);
}

function writeAllFd(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.byteLength;) at += host.fs.write(fd, bytes, at, bytes.byteLength - at, null);
}

function toBytes(data: string | ArrayBufferView): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

type ReadOptions = BufferEncoding | { encoding?: BufferEncoding | null; flag?: Flags } | null | undefined;

export function readFileSync(path: string, options: BufferEncoding | { encoding: BufferEncoding; flag?: Flags }): string;
export function readFileSync(path: string, options?: { encoding?: null; flag?: Flags } | null): Buffer;
export function readFileSync(path: string, options?: ReadOptions): string | Buffer {
  const encoding = typeof options === 'string' ? options : options?.encoding ?? null;
  const fd = host.fs.open(path, flagBits(typeof options === 'object' ? options?.flag : undefined, 'r'), 0o666);
  let buf: Buffer;
  try {
    const st = host.fs.fstat(fd);
    if ((st.mode & C.S_IFMT) === C.S_IFDIR) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read`), { code: 'EISDIR', errno: -21, syscall: 'read' });
    // A regular file is read to its size; anything else (a pipe, /proc) to its end, growing.
    buf = Buffer.alloc(st.size > 0 ? st.size : 65536);
    let got = 0;
    for (;;) {
      if (got === buf.length) {
        if (st.size > 0 && (st.mode & C.S_IFMT) === C.S_IFREG) {
          const probe = new Uint8Array(1);
          if (host.fs.read(fd, probe, 0, 1, null) === 0) break;
          const grown = Buffer.alloc(buf.length * 2);
          grown.set(buf);
          grown[got++] = probe[0]!;
          buf = grown;
          continue;
        }
        const grown = Buffer.alloc(buf.length * 2);
        grown.set(buf);
        buf = grown;
      }
      const n = host.fs.read(fd, buf, got, buf.length - got, null);
      if (n === 0) break;
      got += n;
    }
    buf = buf.subarray(0, got) as Buffer;
  } finally {
    host.fs.close(fd);
  }
  return encoding === null ? buf : buf.toString(encoding);
}

type WriteOptions = BufferEncoding | { encoding?: BufferEncoding; mode?: number; flag?: Flags } | undefined;

export function writeFileSync(path: string, data: string | ArrayBufferView, options?: WriteOptions): void {
  const o = typeof options === 'string' ? { encoding: options } : options ?? {};
  const bytes = typeof data === 'string' ? Buffer.from(data, o.encoding ?? 'utf8') : toBytes(data);
  const fd = host.fs.open(path, flagBits(o.flag, 'w'), o.mode ?? 0o666);
  try {
    writeAllFd(fd, bytes);
  } finally {
    host.fs.close(fd);
  }
}

export function appendFileSync(path: string, data: string | ArrayBufferView, options?: WriteOptions): void {
  const o = typeof options === 'string' ? { encoding: options } : options ?? {};
  writeFileSync(path, data, { ...o, flag: o.flag ?? 'a' });
}

export function existsSync(path: string): boolean {
  try {
    host.fs.stat(path);
    return true;
  } catch {
    return false;
  }
}

export function statSync(path: string): Stats {
  return new Stats(host.fs.stat(path));
}

export function lstatSync(path: string): Stats {
  return new Stats(host.fs.lstat(path));
}

export function fstatSync(fd: number): Stats {
  return new Stats(host.fs.fstat(fd));
}

export function accessSync(path: string, mode: number = C.F_OK): void {
  host.fs.access(path, mode);
}

export function readdirSync(path: string): string[] {
  return host.fs.readdir(path);
}

/** mkdirSync(path, {recursive, mode}): recursive creates the missing parents and is quiet when
 *  the directory exists; returns the first directory created (recursive), as Node. */
export function mkdirSync(path: string, options?: number | { recursive?: boolean; mode?: number }): string | undefined {
  const o = typeof options === 'number' ? { mode: options } : options ?? {};
  const mode = o.mode ?? 0o777;
  if (o.recursive !== true) {
    host.fs.mkdir(path, mode);
    return undefined;
  }
  const abs = path.startsWith('/') ? path : join(host.cwd(), path);
  const parts = abs.split('/').filter((p) => p !== '');
  let first: string | undefined;
  let at = '';
  for (const part of parts) {
    at += `/${part}`;
    try {
      host.fs.mkdir(at, mode);
      first ??= at;
    } catch (e) {
      if ((e as { code?: string }).code !== 'EEXIST') throw e;
      if ((host.fs.stat(at).mode & C.S_IFMT) !== C.S_IFDIR) {
        throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${path}'`), { code: 'ENOTDIR', errno: -20, syscall: 'mkdir', path });
      }
    }
  }
  return first;
}

export function renameSync(from: string, to: string): void {
  host.fs.rename(from, to);
}

export function linkSync(existing: string, newPath: string): void {
  host.fs.link(existing, newPath);
}

export function unlinkSync(path: string): void {
  host.fs.unlink(path);
}

export function rmdirSync(path: string): void {
  host.fs.rmdir(path);
}

export function chmodSync(path: string, mode: number): void {
  host.fs.chmod(path, mode);
}

/** rmSync(path, {recursive, force}): a symbolic link is removed, never followed, as Node. */
export function rmSync(path: string, options: { recursive?: boolean; force?: boolean } = {}): void {
  let st: host.StatResult;
  try {
    st = host.fs.lstat(path);
  } catch (e) {
    if (options.force === true && (e as { code?: string }).code === 'ENOENT') return;
    throw e;
  }
  if ((st.mode & C.S_IFMT) !== C.S_IFDIR) {
    host.fs.unlink(path);
    return;
  }
  if (options.recursive !== true) {
    throw Object.assign(new Error(`Path is a directory: rm returned EISDIR (is a directory) ${path}`), { code: 'ERR_FS_EISDIR', errno: 21, syscall: 'rm', path });
  }
  for (const name of host.fs.readdir(path)) rmSync(join(path, name), { recursive: true, force: options.force ?? false });
  host.fs.rmdir(path);
}
