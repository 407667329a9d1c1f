/**
 * The durable download area of an update over the link (docs/ota.md "Download"):
 *
 *   <slots>/.download/offer.json      the signed chunk index being downloaded (models/bundle/chunk-index.ts)
 *   <slots>/.download/bundle.tar.part chunks written at their offsets, each fsynced
 *   <slots>/.download/progress.json   how many chunks from the start are written and synced
 *   <slots>/.download/bundle.tar      the finished archive (renamed from .part once its sha256 checks out)
 *
 * The order of every chunk is: hash checked in memory (chunk-download.ts), written, fsynced, and only
 * then counted in progress.json (writeFileAtomic: temp, fsync, rename, fsync dir). So after a power
 * cut the record never claims a chunk that is not on disk; at worst the chunk written last is
 * fetched again. On resume the claimed prefix is hashed again against the signed index before it is
 * trusted (cheap next to the download, and it also catches a file system that lost a write it had
 * acknowledged); the download goes on from the first chunk that does not check out. The record
 * therefore needs no checksum of its own: a wrong count can only cost re-downloading.
 *
 * Mender keeps no progress across reboots of the client and RAUC's streaming install starts over;
 * a device on a metered or flaky link should not, which is why the partial file survives here. It
 * lives beside the slots, never inside the active one, and is removed once the bundle is installed
 * or refused.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { chunkCount, chunkSpan, encodeSignedIndex, parseSignedIndex, type ChunkIndex, type SignedChunkIndex } from '../../../models/bundle/chunk-index.ts';
import { readFully } from '../../../common/node/read-fully.ts';
import { BundleRefusal } from '../../../models/errors.ts';
import { fsyncDir, writeFileAtomic } from '../../../common/node/atomic-file.ts';
import { crashPoint } from '../../slots/node/crash-point.ts';
import type { ChunkSink } from '../chunk-download.ts';

export const DOWNLOAD_DIR = '.download';
const OFFER_FILE = 'offer.json';
const PART_FILE = 'bundle.tar.part';
const DONE_FILE = 'bundle.tar';
const PROGRESS_FILE = 'progress.json';
const PROGRESS_TYPE = 'elma-download-progress';

interface Progress {
  readonly type: typeof PROGRESS_TYPE;
  readonly version: number;
  /** The archive's sha256 (from the index): progress of another download is never taken for this one. */
  readonly sha256: string;
  readonly chunks_done: number;
}

const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

export class DownloadStore implements ChunkSink {
  readonly dir: string;
  readonly index: ChunkIndex;
  readonly #slots: string;

  private constructor(slots: string, index: ChunkIndex) {
    this.#slots = slots;
    this.dir = path.join(slots, DOWNLOAD_DIR);
    this.index = index;
  }

  /**
   * The download of `signed` (already verified by the caller): the one on disk if it is for the same
   * archive, else a fresh one (whatever was there, another version's partial download, is removed).
   */
  static open(slots: string, signed: SignedChunkIndex): { store: DownloadStore; resumed: boolean } {
    const store = new DownloadStore(slots, signed.index);
    const held = DownloadStore.heldIndex(slots);
    if (held !== null && held.version === signed.index.version && held.sha256 === signed.index.sha256) return { store, resumed: true };
    store.remove();
    mkdirSync(store.dir);
    writeFileAtomic(path.join(store.dir, OFFER_FILE), encodeSignedIndex(signed));
    fsyncDir(slots);
    crashPoint('download-begun');
    return { store, resumed: false };
  }

  /** The index of the download on disk, or null when there is none (or it is unreadable). */
  static heldIndex(slots: string): ChunkIndex | null {
    const file = path.join(slots, DOWNLOAD_DIR, OFFER_FILE);
    if (!existsSync(file)) return null;
    try {
      return parseSignedIndex(readFileSync(file, 'utf8'), file).index;
    } catch {
      return null;
    }
  }

  /** Remove a download left on disk for a version the device no longer wants (≤ its version floor). */
  static discardStale(slots: string, versionFloor: number): boolean {
    const dir = path.join(slots, DOWNLOAD_DIR);
    if (!existsSync(dir)) return false;
    const held = DownloadStore.heldIndex(slots);
    if (held !== null && held.version > versionFloor) return false;
    rmSync(dir, { recursive: true, force: true });
    fsyncDir(slots);
    return true;
  }

  /** The finished archive, when the download completed before (a restart after it). */
  get finishedFile(): string | null {
    const f = path.join(this.dir, DONE_FILE);
    return existsSync(f) ? f : null;
  }

  /**
   * The chunks from the start that are on disk and match the signed index: where the download goes
   * on. Only the prefix progress.json claims is considered, and each of its chunks is hashed again.
   */
  verifiedChunks(): number {
    let claimed = 0;
    try {
      const p = JSON.parse(readFileSync(path.join(this.dir, PROGRESS_FILE), 'utf8')) as Partial<Progress>;
      if (p.type === PROGRESS_TYPE && p.version === this.index.version && p.sha256 === this.index.sha256 && Number.isSafeInteger(p.chunks_done)) {
        claimed = Math.min(p.chunks_done!, this.index.chunks.length);
      }
    } catch {
      return 0; // no record yet (or unreadable): start from the first chunk
    }
    const part = path.join(this.dir, PART_FILE);
    if (claimed === 0 || !existsSync(part)) return 0;
    const fd = openSync(part, 'r');
    try {
      for (let i = 0; i < claimed; i++) {
        const { offset, length } = chunkSpan(this.index, i);
        const buf = new Uint8Array(length);
        if (readFully(fd, buf, offset) !== length || sha256Hex(buf) !== this.index.chunks[i]) return i;
      }
    } finally {
      closeSync(fd);
    }
    return claimed;
  }

  /** Write chunk `i` (its hash already checked), sync it, then count it in progress.json. */
  write(i: number, bytes: Uint8Array): void {
    const fd = openSync(path.join(this.dir, PART_FILE), existsSync(path.join(this.dir, PART_FILE)) ? 'r+' : 'w');
    try {
      writeAllAt(fd, bytes, chunkSpan(this.index, i).offset);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    crashPoint(`chunk-written:${i}`);
    const progress: Progress = { type: PROGRESS_TYPE, version: this.index.version, sha256: this.index.sha256, chunks_done: i + 1 };
    writeFileAtomic(path.join(this.dir, PROGRESS_FILE), `${JSON.stringify(progress)}\n`);
    crashPoint(`progress-written:${i}`);
  }

  /**
   * All chunks are in: check the whole file against the index's size and sha256 (a signed index whose
   * chunk hashes and whole hash disagree is refused here, `index-mismatch`), then rename it to
   * bundle.tar. Returns its path.
   */
  finish(): string {
    const part = path.join(this.dir, PART_FILE);
    const done = path.join(this.dir, DONE_FILE);
    const fd = openSync(part, 'r');
    const h = createHash('sha256');
    let size = 0;
    try {
      const buf = new Uint8Array(1 << 20);
      for (;;) {
        const n = readFully(fd, buf, size);
        if (n === 0) break;
        h.update(buf.subarray(0, n));
        size += n;
      }
    } finally {
      closeSync(fd);
    }
    const ix = this.index;
    if (size !== ix.size || h.digest('hex') !== ix.sha256) {
      this.remove();
      throw new BundleRefusal('index-mismatch', `${path.join(this.dir, OFFER_FILE)}: sha256`,
        `the ${chunkCount(ix.size, ix.chunk_size)} chunks that match their hashes make ${size} bytes whose sha256 is not the index's; the signed index contradicts itself`);
    }
    renameSync(part, done);
    fsyncDir(this.dir);
    crashPoint('download-complete');
    return done;
  }

  /** Forget the download (installed, refused, or superseded). */
  remove(): void {
    if (!existsSync(this.dir)) return;
    rmSync(this.dir, { recursive: true, force: true });
    fsyncDir(this.#slots);
  }
}

/** Write all of `bytes` at `position` (positioned writes may be short, like writeSync's). */
function writeAllAt(fd: number, bytes: Uint8Array, position: number): void {
  for (let at = 0; at < bytes.byteLength;) at += writeSync(fd, bytes, at, bytes.byteLength - at, position + at);
}
