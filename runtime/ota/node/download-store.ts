/**
 * The durable download area of an update over the link (docs/ota.md "Download"):
 *
 *   <slots>/.download/offer.json      the signed chunk index being downloaded (models/bundle/chunk-index.ts)
 *   <slots>/.download/bundle.tar.part chunks written at their offsets, each fsynced
 *   <slots>/.download/progress.json   which chunks are written and synced (a bitmap, chunk-set.ts)
 *   <slots>/.download/bundle.tar      the finished archive (renamed from .part once its sha256 checks out)
 *
 * The order of every chunk is: hash checked in memory (chunk-download.ts, or reuse-slots.ts for a
 * chunk rebuilt from the slots), written, fsynced, and only then counted in progress.json
 * (writeFileAtomic: temp, fsync, rename, fsync dir). So after a power cut the record never claims a
 * chunk that is not on disk; at worst the chunks written last are fetched (or rebuilt) again. The
 * record is a bitmap, not a count, because chunks rebuilt from the slots are written before the
 * ones fetched, wherever they lie. On resume every chunk it claims is hashed again against the
 * signed index before it is trusted (cheap next to the download, and it also catches a file
 * system that lost a write it had acknowledged); a chunk that does not check out is simply missing
 * again. The record therefore needs no checksum of its own: a wrong bit can only cost re-downloading.
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
import { ChunkSet } from '../chunk-set.ts';

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
  /** The chunks written and synced, as ChunkSet's hex bitmap. */
  readonly present: string;
  /** How many they are (for a reader; `present` is what counts). */
  readonly chunks: number;
}

const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

export class DownloadStore implements ChunkSink {
  readonly dir: string;
  readonly index: ChunkIndex;
  readonly #slots: string;
  /** The chunks counted in progress.json (after verifiedChunks(), those that re-hashed). */
  #present: ChunkSet;
  /** Chunks written by writeUnsynced(), counted at the next commit(). */
  #pending: number[] = [];

  private constructor(slots: string, index: ChunkIndex) {
    this.#slots = slots;
    this.dir = path.join(slots, DOWNLOAD_DIR);
    this.index = index;
    this.#present = new ChunkSet(index.chunks.length);
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
   * The chunks that are on disk and match the signed index: what the download need not fetch again.
   * Only chunks progress.json claims are considered, and each of them is hashed again. A record of
   * the earlier format (`chunks_done`: a prefix) is read as that prefix.
   */
  verifiedChunks(): ChunkSet {
    const n = this.index.chunks.length;
    this.#present = new ChunkSet(n);
    let claimed: ChunkSet | null = null;
    try {
      const p = JSON.parse(readFileSync(path.join(this.dir, PROGRESS_FILE), 'utf8')) as Partial<Progress> & { chunks_done?: unknown };
      if (p.type === PROGRESS_TYPE && p.version === this.index.version && p.sha256 === this.index.sha256) {
        claimed = p.present !== undefined ? ChunkSet.fromHex(p.present, n)
          : Number.isSafeInteger(p.chunks_done) ? ChunkSet.prefix(p.chunks_done as number, n) : null;
      }
    } catch {
      // no record yet (or unreadable): nothing is present
    }
    const part = path.join(this.dir, PART_FILE);
    if (claimed === null || claimed.count === 0 || !existsSync(part)) return this.#present;
    const fd = openSync(part, 'r');
    try {
      for (let i = 0; i < n; i++) {
        if (!claimed.has(i)) continue;
        const { offset, length } = chunkSpan(this.index, i);
        const buf = new Uint8Array(length);
        if (readFully(fd, buf, offset) === length && sha256Hex(buf) === this.index.chunks[i]) this.#present.add(i);
      }
    } finally {
      closeSync(fd);
    }
    return this.#present;
  }

  /** The chunks counted so far (a copy). */
  get present(): ChunkSet {
    return ChunkSet.fromHex(this.#present.toHex(), this.#present.size)!;
  }

  /** `length` bytes of the partial archive from `offset` (only meaningful within present chunks). */
  readAt(offset: number, length: number): Uint8Array {
    const fd = openSync(path.join(this.dir, PART_FILE), 'r');
    try {
      const buf = new Uint8Array(length);
      return buf.subarray(0, readFully(fd, buf, offset));
    } finally {
      closeSync(fd);
    }
  }

  /** Write chunk `i` (its hash already checked), sync it, then count it in progress.json. */
  write(i: number, bytes: Uint8Array): void {
    this.#writeAt(i, bytes, true);
    crashPoint(`chunk-written:${i}`);
    this.#present.add(i);
    this.#record();
    crashPoint(`progress-written:${i}`);
  }

  /**
   * Write chunk `i` (its hash already checked) without syncing or counting it: for the many chunks
   * rebuilt from the slots at once, which commit() then syncs with one fsync and counts with one record.
   */
  writeUnsynced(i: number, bytes: Uint8Array): void {
    this.#writeAt(i, bytes, false);
    this.#pending.push(i);
  }

  /** Sync the chunks of writeUnsynced(), then count them (crash points `reused-written`, `reused-counted`). */
  commit(): void {
    if (this.#pending.length === 0) return;
    const fd = openSync(path.join(this.dir, PART_FILE), 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    crashPoint('reused-written');
    for (const i of this.#pending) this.#present.add(i);
    this.#pending = [];
    this.#record();
    crashPoint('reused-counted');
  }

  #writeAt(i: number, bytes: Uint8Array, sync: boolean): void {
    const part = path.join(this.dir, PART_FILE);
    const fd = openSync(part, existsSync(part) ? 'r+' : 'w');
    try {
      writeAllAt(fd, bytes, chunkSpan(this.index, i).offset);
      if (sync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  #record(): void {
    const progress: Progress = { type: PROGRESS_TYPE, version: this.index.version, sha256: this.index.sha256, present: this.#present.toHex(), chunks: this.#present.count };
    writeFileAtomic(path.join(this.dir, PROGRESS_FILE), `${JSON.stringify(progress)}\n`);
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
