/**
 * Crash-safe files, the one writer every part uses (ARCHITECTURE.md "Slots"): write a temporary
 * sibling, fsync it, move it into place, fsync the directory. After a crash at any point the name
 * holds the old content or the new, never a mix (POSIX rename(2) is atomic). A no-clobber mode
 * uses link(2), which fails with EEXIST instead of replacing, so "refuse to overwrite" holds even
 * against a file created between a check and the write. Leftover temporaries of an interrupted
 * write are recognisable (isAtomicTemp) for whoever scans the directory.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, openSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
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

/** Create or replace `file` with what `write` writes to the descriptor it is given (an archive, piece by piece). */
export function writeStreamAtomic(file: string, write: (fd: number) => void, opts: AtomicOptions = {}): void {
  // Before the temporary is written: rename(2) onto a directory fails only at the end, and its
  // error names the temporary, not the file the caller asked for. (No-clobber: link(2) reports
  // EEXIST for a directory as for any existing name, which is what its callers handle.)
  if (opts.replace !== false && existsSync(file) && statSync(file).isDirectory()) {
    throw Object.assign(new Error('is a directory, not a file'), { code: 'EISDIR', path: file });
  }
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

/** Create or replace `file` with `data` (text is written as UTF-8). */
export function writeFileAtomic(file: string, data: Uint8Array | string, opts: AtomicOptions = {}): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  writeStreamAtomic(file, (fd) => writeAll(fd, bytes), opts);
}

/** Remove a file durably (unlink, then fsync the directory). */
export function removeFileDurable(file: string): void {
  unlinkSync(file);
  fsyncDir(path.dirname(file));
}

/** True for the temporary files an interrupted atomic write leaves behind. */
export function isAtomicTemp(name: string): boolean {
  return name.startsWith('.') && name.includes('.tmp-');
}
