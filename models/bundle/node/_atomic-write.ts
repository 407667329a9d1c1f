/**
 * Crash-safe file creation for bundle outputs (manifest, signature, archive, key file): write a
 * temporary sibling, fsync it, move it into place, fsync the directory (ARCHITECTURE.md "Slots":
 * after a crash the name holds the old content or the new, never a mix; POSIX rename(2) is atomic).
 * Like transport/node/atomic-file.ts, but streaming (an archive is written piece by piece) and with
 * a no-clobber mode: link(2) fails with EEXIST instead of replacing, so "refuse to overwrite" holds
 * even against a file created between our check and our write.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Write all of `bytes` to `fd` (writeSync may write less than asked). */
export function writeAll(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.byteLength;) at += writeSync(fd, bytes, at, bytes.byteLength - at);
}

export interface AtomicOptions {
  /** Permission bits of the new file (default 0644; 0600 for secrets). */
  readonly mode?: number;
  /** Replace an existing file (default); false: fail with EEXIST if `file` exists. */
  readonly replace?: boolean;
}

/** Create or replace `file` with what `write` writes to the descriptor it is given. */
export function writeFileAtomic(file: string, write: (fd: number) => void, opts: AtomicOptions = {}): void {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const fd = openSync(tmp, 'wx', opts.mode ?? 0o644);
  try {
    write(fd);
    fsyncSync(fd);
    closeSync(fd);
    if (opts.replace === false) {
      linkSync(tmp, file);
      unlinkSync(tmp);
    } else {
      renameSync(tmp, file);
    }
  } catch (e) {
    try { closeSync(fd); } catch { /* already closed */ }
    rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDir(dir);
}

/** writeFileAtomic for bytes already in memory. */
export function writeBytesAtomic(file: string, bytes: Uint8Array, opts: AtomicOptions = {}): void {
  writeFileAtomic(file, (fd) => writeAll(fd, bytes), opts);
}
