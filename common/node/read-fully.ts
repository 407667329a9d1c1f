/**
 * Positioned reads that do not stop short: readSync may return fewer bytes than asked (POSIX
 * pread(2)), so every reader of a file at an offset (bundles, downloads, WAV files, language
 * models) loops through this one function.
 */
import { readSync } from 'node:fs';

/** Fill `buf` from `position`, looping over short reads; returns how many bytes were read (fewer only at end of file). */
export function readFully(fd: number, buf: Uint8Array, position: number): number {
  let got = 0;
  while (got < buf.byteLength) {
    const n = readSync(fd, buf, got, buf.byteLength - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/** `length` bytes at `position` as a Buffer, shorter only where the file ends. */
export function readAt(fd: number, length: number, position: number): Buffer {
  const b = Buffer.alloc(length);
  return b.subarray(0, readFully(fd, b, position));
}
