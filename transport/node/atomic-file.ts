/**
 * Crash-safe file replacement (ARCHITECTURE.md "Slots"): write a temporary file in the same
 * directory, fsync it, rename it over the target, fsync the directory. After a crash at any point
 * the target holds either the old or the new content, never a mix (POSIX rename(2) is atomic).
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

/** fsync a directory so that a rename or unlink in it is durable (Linux ext4/xfs semantics). */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function writeFileAtomic(file: string, data: Uint8Array | string, mode = 0o644): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, file);
  fsyncDir(dir);
}

/** Remove a file durably (unlink, then fsync the directory). */
export function removeFileDurable(file: string): void {
  unlinkSync(file);
  fsyncDir(path.dirname(file));
}

/** True for the temporary files writeFileAtomic leaves behind when a crash interrupts it. */
export function isAtomicTemp(name: string): boolean {
  return name.startsWith('.') && name.includes('.tmp-');
}
