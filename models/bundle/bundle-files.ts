/**
 * How the platform-neutral bundle code sees a bundle's files, wherever they are: a directory on a
 * Node file system (node/dir-files.ts), the members of a `.tar` (tar-read.ts), memory in tests, a
 * slot on a QuickJS device. Verification reads through this and nothing else (ARCHITECTURE.md:
 * "I/O goes through small interfaces").
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

export type EntryKind = 'file' | 'directory' | 'symlink' | 'other';

export interface BundleEntry {
  readonly name: string;
  readonly kind: EntryKind;
  /** Bytes, for files; 0 otherwise. */
  readonly size: number;
}

export interface BundleFiles {
  /** The directory or archive, for messages (`model.tar: weights.safetensors: ...`). */
  readonly where: string;
  /** Every entry at the top level of the bundle, whatever its kind (symbolic links not followed). */
  entries(): readonly BundleEntry[];
  /** `length` bytes of the file `name` from `offset`; fewer only at its end. */
  read(name: string, offset: number, length: number): Uint8Array;
}

/** Random access to one byte string (a `.tar` file, a download): the reader of tar-read.ts. */
export interface RandomAccess {
  readonly size: number;
  /** `length` bytes from `offset`; fewer only at the end. */
  readAt(offset: number, length: number): Uint8Array;
}

/** Hashing reads this much at a time, so a 50 MiB weights file never sits in memory twice. */
export const READ_CHUNK = 1 << 20;

/**
 * sha256 (hex) and byte count of a file, read in chunks. The count is what was read, not what the
 * entry claimed, so a file that shrinks or grows under us is caught by the caller's size check.
 */
export function digestFile(files: BundleFiles, name: string, expectedSize: number): { sha256: string; size: number } {
  const h = sha256.create();
  let size = 0;
  for (;;) {
    // One byte past the expected end tells "longer than expected" apart from "exactly as expected".
    const want = Math.min(READ_CHUNK, Math.max(expectedSize + 1 - size, 1));
    const chunk = files.read(name, size, want);
    if (chunk.byteLength === 0) break;
    h.update(chunk);
    size += chunk.byteLength;
    if (size > expectedSize) break;
  }
  return { sha256: bytesToHex(h.digest()), size };
}

/** A whole small file (manifest, signature), refusing more than `max` bytes; null when it is larger. */
export function readSmallFile(files: BundleFiles, name: string, max: number): Uint8Array | null {
  const bytes = files.read(name, 0, max + 1);
  return bytes.byteLength > max ? null : bytes;
}
