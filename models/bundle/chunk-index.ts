/**
 * The signed chunk index of a bundle archive (docs/ota.md "Download"): the `.tar`'s size and sha256
 * and the sha256 of every `chunk_size` bytes of it, signed with the same Ed25519 release key as the
 * bundle's manifest. The cloud offers a bundle by sending this index; the device checks the
 * signature before it asks for a single byte, then checks each chunk against its hash before writing
 * it. A lying or broken cloud therefore cannot make a device store even one unauthentic chunk, and
 * a resumed download needs no trust in what is already on disk beyond re-hashing it.
 *
 * Why the release key signs it, and not the link: the link authenticates the *server*, but the
 * server is not trusted with models (TUF 1.0 "Goals": a compromised repository must not be able to
 * install arbitrary software). The index is made next to the bundle (`elma bundle pack --out`), on
 * the machine that holds the release key; the server only relays it. This is TUF's targets metadata
 * (length + hashes of a target, §4.5) at chunk granularity, as casync/RAUC's chunk indexes (.caibx)
 * do for streamed installs, except that ours is signed itself instead of riding in a signed bundle,
 * because the device needs it before the bundle's signed manifest has arrived.
 *
 * Domain separation: the signed bytes are the canonical JSON of an object whose `format` is
 * `elma-chunk-index`, while a manifest's is `elma-bundle`; a signature over one never verifies as the
 * other. Platform-neutral: no Node imports.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { BundleRefusal } from '../errors.ts';
import type { RandomAccess } from './bundle-files.ts';
import { isIsoInstant } from './manifest.ts';
import { keyId, signManifest, signatureValid, SIGNATURE_ALGORITHM, SIGNATURE_BYTES, SIGNATURE_TYPE, type SignatureDoc } from './signature.ts';

export const CHUNK_INDEX_FORMAT = 'elma-chunk-index';
export const CHUNK_INDEX_FORMAT_VERSION = 1;
/**
 * The default chunk size is the smallest power of two from 64 KiB to 1 MiB that cuts the archive
 * into at most DEFAULT_CHUNKS chunks. Small chunks make updates smaller: a device rebuilds the
 * chunks of members it already holds (runtime/ota/node/reuse-slots.ts), and each boundary between
 * a member it holds and one that changed costs at most one chunk; the default model's archive
 * (3.9 MB) gets 64 KiB chunks, and its int8 update then fetches 0.24× of the fp32 archive instead
 * of all of its 0.46× (docs/ota.md "Reusing what the device has"). Large ones keep the per-chunk
 * cost bounded: the device syncs each fetched chunk and its progress record (three fsyncs), so
 * archives up to 64 MiB have at most 64 chunks; a 50 MiB bundle keeps 1 MiB chunks (50 hashes,
 * 1.6 KB of index; a resume loses at most 1 MiB).
 */
export const MIN_DEFAULT_CHUNK_SIZE = 64 << 10;
export const MAX_DEFAULT_CHUNK_SIZE = 1 << 20;
export const DEFAULT_CHUNKS = 64;
export const MIN_CHUNK_SIZE = 4096;
/** A chunk is held in memory until its hash checks out; bound it. */
export const MAX_CHUNK_SIZE = 16 << 20;
/** The hashes travel in one link message (≤ 1 MiB, transport/constants.ts MAX_MESSAGE_LEN). */
export const MAX_CHUNKS = 16_384;
const HASH_BYTES = 32;

export interface ChunkIndex {
  /** The bundle's model id and version, as in its manifest (checked after the download). */
  readonly model: string;
  readonly version: number;
  /** The manifest's `expires`: a device refuses an expired bundle before downloading it. */
  readonly expires: string;
  /** Size and sha256 (hex) of the whole `.tar`. */
  readonly size: number;
  readonly sha256: string;
  readonly chunk_size: number;
  /** sha256 (hex) of each chunk: bytes [i·chunk_size, min(size, (i+1)·chunk_size)). */
  readonly chunks: readonly string[];
}

export interface SignedChunkIndex {
  readonly index: ChunkIndex;
  readonly signature: SignatureDoc;
}

/** The compact form the link carries in an `offer` (transport/schema.ts): hashes as bytes. */
export interface PackedChunkIndex {
  readonly model: string;
  readonly version: number;
  readonly expires: string;
  readonly size: number;
  readonly sha256: Uint8Array;
  readonly chunk_size: number;
  /** The chunk hashes, 32 bytes each, concatenated. */
  readonly chunks: Uint8Array;
  readonly key_id: string;
  readonly signature: Uint8Array;
}

/** The object whose canonical JSON the signature covers. */
function signedObject(ix: ChunkIndex): unknown {
  return { format: CHUNK_INDEX_FORMAT, format_version: CHUNK_INDEX_FORMAT_VERSION, ...ix };
}

/** The chunk size `elma bundle pack --out` uses for an archive of `size` bytes unless told (above). */
export function defaultChunkSize(size: number): number {
  let c = MIN_DEFAULT_CHUNK_SIZE;
  while (c < MAX_DEFAULT_CHUNK_SIZE && c * DEFAULT_CHUNKS < size) c *= 2;
  return c;
}

export function chunkCount(size: number, chunkSize: number): number {
  return Math.max(1, Math.ceil(size / chunkSize));
}

/** Where chunk `i` lies in the archive. */
export function chunkSpan(ix: ChunkIndex, i: number): { offset: number; length: number } {
  const offset = i * ix.chunk_size;
  return { offset, length: Math.min(ix.chunk_size, ix.size - offset) };
}

/** Hash an archive into its index (the publisher's side; `elma bundle pack --out`). */
export function buildChunkIndex(tar: RandomAccess, fields: { model: string; version: number; expires: string }, chunkSize = defaultChunkSize(tar.size)): ChunkIndex {
  if (!Number.isSafeInteger(chunkSize) || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
    throw new RangeError(`chunk size must be an integer in ${MIN_CHUNK_SIZE}..${MAX_CHUNK_SIZE}, got ${chunkSize}`);
  }
  if (chunkCount(tar.size, chunkSize) > MAX_CHUNKS) throw new RangeError(`${tar.size} bytes in ${chunkSize}-byte chunks is more than ${MAX_CHUNKS} chunks; use larger chunks`);
  const whole = sha256.create();
  const chunks: string[] = [];
  for (let at = 0; at < tar.size || chunks.length === 0; at += chunkSize) {
    const bytes = tar.readAt(at, Math.min(chunkSize, tar.size - at));
    whole.update(bytes);
    chunks.push(bytesToHex(sha256(bytes)));
  }
  return { model: fields.model, version: fields.version, expires: fields.expires, size: tar.size, sha256: bytesToHex(whole.digest()), chunk_size: chunkSize, chunks };
}

/** Sign an index with the release key (the caller owns `secretKey` and zeroes it). */
export function signChunkIndex(ix: ChunkIndex, secretKey: Uint8Array): SignedChunkIndex {
  return { index: ix, signature: signManifest(signedObject(ix), secretKey) };
}

/**
 * Authenticate, then validate, an index (TUF 1.0 §5.6.3: nothing in metadata is acted on before its
 * signature checks out). Refusals: unknown-key, bad-signature, malformed-offer; `where` names the
 * offer or file in the message.
 */
export function verifyChunkIndex(s: SignedChunkIndex, trustedKeys: readonly Uint8Array[], where: string): ChunkIndex {
  const key = trustedKeys.find((k) => keyId(k) === s.signature.key_id);
  if (key === undefined) {
    throw new BundleRefusal('unknown-key', `${where}: key_id`, `signed by key ${s.signature.key_id}; this device trusts ${trustedKeys.map(keyId).join(', ') || 'no key'}`);
  }
  if (!signatureValid(s.signature, signedObject(s.index), key)) {
    throw new BundleRefusal('bad-signature', `${where}: signature`, `does not verify over the chunk index with key ${s.signature.key_id} (the offer was altered or signed by another key)`);
  }
  return checkChunkIndex(s.index, where);
}

/** The index's own consistency (a signing mistake is refused rather than half-trusted). */
export function checkChunkIndex(ix: ChunkIndex, where: string): ChunkIndex {
  const bad = (field: string, problem: string): never => { throw new BundleRefusal('malformed-offer', `${where}: ${field}`, problem); };
  if (typeof ix.model !== 'string' || ix.model === '') bad('model', 'must be a non-empty text');
  if (!Number.isSafeInteger(ix.version) || ix.version < 1) bad('version', `must be a positive integer, got ${ix.version}`);
  if (typeof ix.expires !== 'string' || !isIsoInstant(ix.expires)) bad('expires', `must be an ISO 8601 UTC instant, got ${JSON.stringify(ix.expires)}`);
  if (!Number.isSafeInteger(ix.size) || ix.size < 1) bad('size', `must be a positive integer, got ${ix.size}`);
  if (!/^[0-9a-f]{64}$/.test(ix.sha256)) bad('sha256', 'must be 64 lower-case hex digits');
  if (!Number.isSafeInteger(ix.chunk_size) || ix.chunk_size < MIN_CHUNK_SIZE || ix.chunk_size > MAX_CHUNK_SIZE) {
    bad('chunk_size', `must be in ${MIN_CHUNK_SIZE}..${MAX_CHUNK_SIZE}, got ${ix.chunk_size}`);
  }
  const n = chunkCount(ix.size, ix.chunk_size);
  if (!Array.isArray(ix.chunks) || ix.chunks.length !== n) {
    bad('chunks', `has ${Array.isArray(ix.chunks) ? ix.chunks.length : 'no'} hashes; ${ix.size} bytes in ${ix.chunk_size}-byte chunks need ${n}`);
  }
  ix.chunks.forEach((h, i) => { if (typeof h !== 'string' || !/^[0-9a-f]{64}$/.test(h)) bad(`chunks[${i}]`, 'must be 64 lower-case hex digits'); });
  return ix;
}

export function packChunkIndex(s: SignedChunkIndex): PackedChunkIndex {
  const ix = s.index;
  const chunks = new Uint8Array(ix.chunks.length * HASH_BYTES);
  ix.chunks.forEach((h, i) => chunks.set(hexToBytes(h), i * HASH_BYTES));
  return {
    model: ix.model, version: ix.version, expires: ix.expires, size: ix.size, sha256: hexToBytes(ix.sha256),
    chunk_size: ix.chunk_size, chunks, key_id: s.signature.key_id, signature: hexToBytes(s.signature.signature),
  };
}

/** The wire form back to the signed index; the caller then verifies it (verifyChunkIndex). */
export function unpackChunkIndex(p: PackedChunkIndex, where: string): SignedChunkIndex {
  if (p.chunks.byteLength % HASH_BYTES !== 0) throw new BundleRefusal('malformed-offer', `${where}: chunks`, `is ${p.chunks.byteLength} bytes, not a whole number of ${HASH_BYTES}-byte hashes`);
  if (p.signature.byteLength !== SIGNATURE_BYTES) throw new BundleRefusal('malformed-offer', `${where}: signature`, `must be ${SIGNATURE_BYTES} bytes`);
  if (!/^[0-9a-f]{16}$/.test(p.key_id)) throw new BundleRefusal('malformed-offer', `${where}: key_id`, 'must be 16 lower-case hex digits');
  const chunks: string[] = [];
  for (let at = 0; at < p.chunks.byteLength; at += HASH_BYTES) chunks.push(bytesToHex(p.chunks.subarray(at, at + HASH_BYTES)));
  return {
    index: { model: p.model, version: p.version, expires: p.expires, size: p.size, sha256: bytesToHex(p.sha256), chunk_size: p.chunk_size, chunks },
    signature: { type: SIGNATURE_TYPE, algorithm: SIGNATURE_ALGORITHM, key_id: p.key_id, signature: bytesToHex(p.signature) },
  };
}

/** The index file written next to the archive (`<bundle>.tar.index.json`). */
export function encodeSignedIndex(s: SignedChunkIndex): string {
  return `${JSON.stringify({ type: CHUNK_INDEX_FORMAT, format_version: CHUNK_INDEX_FORMAT_VERSION, index: s.index, signature: s.signature }, null, 2)}\n`;
}

/** Parse an index file; refuses (malformed-offer) anything but the shape encodeSignedIndex writes. */
export function parseSignedIndex(text: string, where: string): SignedChunkIndex {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new BundleRefusal('malformed-offer', where, `is not valid JSON (${(e as Error).message})`);
  }
  const d = (doc ?? {}) as Record<string, unknown>;
  if (d.type !== CHUNK_INDEX_FORMAT) throw new BundleRefusal('malformed-offer', `${where}: type`, `is ${JSON.stringify(d.type)}, not "${CHUNK_INDEX_FORMAT}"`);
  if (d.format_version !== CHUNK_INDEX_FORMAT_VERSION) throw new BundleRefusal('malformed-offer', `${where}: format_version`, `is ${JSON.stringify(d.format_version)}; this runtime reads ${CHUNK_INDEX_FORMAT_VERSION}`);
  const sig = (d.signature ?? {}) as Record<string, unknown>;
  if (sig.type !== SIGNATURE_TYPE || sig.algorithm !== SIGNATURE_ALGORITHM || typeof sig.key_id !== 'string' || typeof sig.signature !== 'string') {
    throw new BundleRefusal('malformed-offer', `${where}: signature`, `must be an ${SIGNATURE_TYPE} object`);
  }
  const ix = (d.index ?? {}) as ChunkIndex;
  return { index: checkChunkIndex(ix, `${where}: index`), signature: sig as unknown as SignatureDoc };
}
