/**
 * Node glue: one file as RandomAccess (bundle-files.ts), read with positioned reads on one
 * descriptor, so a `.tar` is verified in place without loading it whole.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { readFully } from '../../../common/node/read-fully.ts';
import type { RandomAccess } from '../bundle-files.ts';

export interface FileAccess extends RandomAccess {
  close(): void;
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
