/**
 * Fetching a bundle archive chunk by chunk, each checked against the signed chunk index before it is
 * handed on to be written (docs/ota.md "Download"). A chunk (1 MiB by default) is fetched as pieces
 * of at most MAX_CHUNK_LEN (what one `chunk-req` may ask for), `window` pieces in flight so the link
 * stays busy; pieces are consumed in order, so the chunks asked for are written in that order (not
 * necessarily a prefix: those the device rebuilt from its slots are skipped, reuse-slots.ts).
 * Platform-neutral: the fetching and the writing come from the caller.
 *
 *   - a piece shorter than asked: refused `truncated` (the server's archive ends before the index says)
 *   - a chunk whose sha256 is not the index's: refused `chunk-hash`; nothing of it is written
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes } from '@noble/hashes/utils.js';
import { BundleRefusal } from '../../models/errors.ts';
import { chunkSpan, type ChunkIndex } from '../../models/bundle/chunk-index.ts';
import { MAX_CHUNK_LEN } from '../../transport/constants.ts';

/** `length` bytes of the archive from `offset` (fewer only if the server has fewer). */
export type FetchRange = (offset: number, length: number) => Promise<Uint8Array>;

export interface ChunkSink {
  /** Chunk `i`, whose hash matched; durable when this returns. */
  write(i: number, bytes: Uint8Array): void;
}

export interface ChunkDownloadOptions {
  /** Pieces requested ahead (default 8, within the link's window). */
  readonly window?: number;
  /** Bytes per request (default and maximum MAX_CHUNK_LEN). */
  readonly pieceSize?: number;
  /** After each chunk written. */
  readonly onChunk?: (i: number, fetchedBytes: number) => void;
  /** sha256 as hex (default @noble/hashes; Node passes OpenSSL's, about 10× faster). */
  readonly sha256Hex?: (bytes: Uint8Array) => string;
}

interface Piece {
  readonly chunk: number;
  readonly offset: number;
  readonly length: number;
}

function* piecesOf(ix: ChunkIndex, chunks: readonly number[], pieceSize: number): Generator<Piece> {
  for (const i of chunks) {
    const span = chunkSpan(ix, i);
    for (let at = 0; at < span.length; at += pieceSize) yield { chunk: i, offset: span.offset + at, length: Math.min(pieceSize, span.length - at) };
  }
}

/** Download `chunks` of `ix` (in that order) into `sink`; returns the bytes fetched. `where` names the offer in refusals. */
export async function downloadChunks(ix: ChunkIndex, chunks: readonly number[], fetch: FetchRange, sink: ChunkSink, where: string, o: ChunkDownloadOptions = {}): Promise<number> {
  const pieceSize = Math.min(o.pieceSize ?? MAX_CHUNK_LEN, MAX_CHUNK_LEN);
  const window = Math.max(1, o.window ?? 8);
  const hashHex = o.sha256Hex ?? ((b: Uint8Array): string => bytesToHex(sha256(b)));
  const pieces = piecesOf(ix, chunks, pieceSize);
  const inflight: { piece: Piece; data: Promise<Uint8Array> }[] = [];
  const refill = (): void => {
    while (inflight.length < window) {
      const next = pieces.next();
      if (next.done === true) return;
      const data = fetch(next.value.offset, next.value.length);
      data.catch(() => { /* seen when awaited; an abandoned one must not be an unhandled rejection */ });
      inflight.push({ piece: next.value, data });
    }
  };
  let fetched = 0;
  let chunk = -1;
  let parts: Uint8Array[] = [];
  refill();
  while (inflight.length > 0) {
    const { piece, data } = inflight.shift()!;
    const bytes = await data;
    fetched += bytes.byteLength;
    if (bytes.byteLength < piece.length) {
      throw new BundleRefusal('truncated', `${where}: chunk ${piece.chunk}`,
        `the server sent ${bytes.byteLength} bytes at offset ${piece.offset}, not ${piece.length}: its archive is shorter than the ${ix.size} bytes the index signs`);
    }
    if (bytes.byteLength > piece.length) {
      throw new BundleRefusal('chunk-hash', `${where}: chunk ${piece.chunk}`, `the server sent ${bytes.byteLength} bytes at offset ${piece.offset} when asked for ${piece.length}`);
    }
    if (piece.chunk !== chunk) {
      chunk = piece.chunk;
      parts = [];
    }
    parts.push(bytes);
    const span = chunkSpan(ix, chunk);
    if (piece.offset + piece.length === span.offset + span.length) {
      const whole = parts.length === 1 ? parts[0]! : concatBytes(...parts);
      const got = hashHex(whole);
      if (got !== ix.chunks[chunk]) {
        throw new BundleRefusal('chunk-hash', `${where}: chunk ${chunk}`,
          `bytes ${span.offset}..${span.offset + span.length} have sha256 ${got.slice(0, 16)}…, the signed index says ${ix.chunks[chunk]!.slice(0, 16)}…; not written`);
      }
      sink.write(chunk, whole);
      o.onChunk?.(chunk, fetched);
    }
    refill();
  }
  return fetched;
}

