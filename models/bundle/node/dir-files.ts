/**
 * Node glue: a bundle directory as BundleFiles (bundle-files.ts). Entries are listed with lstat, so
 * a symbolic link is reported as one (and refused by verification) instead of being followed out
 * of the bundle; reads are positioned reads of one chunk at a time.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, type Stats } from 'node:fs';
import path from 'node:path';
import type { BundleEntry, BundleFiles, EntryKind } from '../bundle-files.ts';
import { readFully } from '../../../common/node/read-fully.ts';

function kindOf(st: Stats): EntryKind {
  return st.isFile() ? 'file' : st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'symlink' : 'other';
}

export function dirFiles(dir: string): BundleFiles {
  return {
    where: dir,
    entries(): BundleEntry[] {
      return readdirSync(dir).sort().map((name) => {
        const st = lstatSync(path.join(dir, name));
        const kind = kindOf(st);
        return { name, kind, size: kind === 'file' ? st.size : 0 };
      });
    },
    read(name, offset, length) {
      // O_NOFOLLOW: a file swapped for a symbolic link after listing is not followed either.
      const fd = openSync(path.join(dir, name), constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
      try {
        const buf = new Uint8Array(Math.max(0, Math.min(length, fstatSync(fd).size - offset)));
        return buf.subarray(0, readFully(fd, buf, offset));
      } finally {
        closeSync(fd);
      }
    },
  };
}
