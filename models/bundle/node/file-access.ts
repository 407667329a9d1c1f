/**
 * Node glue: one file as RandomAccess (bundle-files.ts), read with positioned reads on one
 * descriptor, so a `.tar` is verified in place without loading it whole.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { RandomAccess } from '../bundle-files.ts';

export interface FileAccess extends RandomAccess {
  close(): void;
}

/** Fill `buf` from `position`, looping over short reads; returns how many bytes were read. */
export function readFully(fd: number, buf: Uint8Array, position: number): number {
  let got = 0;
  while (got < buf.byteLength) {
    const n = readSync(fd, buf, got, buf.byteLength - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

export function openFileAccess(file: string): FileAccess {
  const fd = openSync(file, 'r');
  const size = fstatSync(fd).size;
  return {
    size,
    readAt(offset, length) {
      const buf = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
      return buf.subarray(0, readFully(fd, buf, offset));
    },
    close: () => closeSync(fd),
  };
}
