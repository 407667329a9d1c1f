/**
 * Predicting the bytes of an offered archive from files the device already holds (docs/ota.md
 * "Reusing what the device has"). A bundle archive is a function of its members' names, sizes and
 * contents (tar-write.ts: fixed order, headers that carry nothing else, zero padding), and its
 * manifest, the first member, names every other member with its size and sha256. So once the
 * head (manifest and signature, which change with every release) is downloaded, the layout of the
 * rest is known, and every member whose sha256 is that of a file in a slot can be laid into it.
 *
 * Nothing here is trusted. The manifest is read before its signature is checked, only to guess
 * bytes; a rebuilt chunk counts only if its sha256 is the signed index's, exactly as a fetched
 * one must. A lying manifest, a damaged slot file or an archive written by another tool therefore
 * costs the chunks it spoils, which are then fetched, and never a byte that is not authentic.
 * Platform-neutral: no Node imports.
 */
import { utf8Decode } from '../../engine/utf8.ts';
import { chunkSpan, type ChunkIndex } from '../../models/bundle/chunk-index.ts';
import { MANIFEST_FILE, parseManifest, type FileEntry } from '../../models/bundle/manifest.ts';
import { MAX_SIGNATURE_FILE_BYTES, SIGNATURE_FILE } from '../../models/bundle/signature.ts';
import { MAX_MANIFEST_BYTES } from '../../models/bundle/signed-manifest.ts';
import { BLOCK, decodeHeader, type TarHeader } from '../../models/bundle/tar-format.ts';
import { tarLayout, type PlacedPiece } from '../../models/bundle/tar-write.ts';

/** Bytes of a member's data in the archive, padded to whole blocks. */
export function paddedSize(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

/** The header at the start of `block`, or null when it is not one `elma bundle pack` writes. */
export function memberHeader(block: Uint8Array): TarHeader | null {
  try {
    return decodeHeader(block, 0, 'prediction');
  } catch {
    return null;
  }
}

/** The head's header checks: what the first two members must be for a prediction to be tried. */
export function headMember(h: TarHeader | null, name: typeof MANIFEST_FILE | typeof SIGNATURE_FILE): TarHeader | null {
  const max = name === MANIFEST_FILE ? MAX_MANIFEST_BYTES : MAX_SIGNATURE_FILE_BYTES;
  return h !== null && h.name === name && h.size <= max ? h : null;
}

/** The archive as predicted: where each piece lies, and the members the manifest lists. */
export interface ArchivePrediction {
  readonly pieces: readonly PlacedPiece[];
  readonly files: Readonly<Record<string, FileEntry>>;
}

/**
 * The layout of the archive whose head holds `manifestBytes` and a signature of `signatureSize`
 * bytes, or why there is none (the manifest does not parse, or its members do not add up to the
 * size the index signs: an archive not laid out by our writer).
 */
export function predictArchive(manifestBytes: Uint8Array, signatureSize: number, ix: ChunkIndex): ArchivePrediction | string {
  const text = utf8Decode(manifestBytes);
  if (text === null) return 'its manifest is not UTF-8';
  let files: Readonly<Record<string, FileEntry>>;
  try {
    files = parseManifest(JSON.parse(text), MANIFEST_FILE, null).manifest.files;
  } catch (e) {
    return `its manifest does not parse (${(e as Error).message})`;
  }
  let layout: ReturnType<typeof tarLayout>;
  try {
    layout = tarLayout([
      { name: MANIFEST_FILE, size: manifestBytes.byteLength }, { name: SIGNATURE_FILE, size: signatureSize },
      ...Object.entries(files).map(([name, e]) => ({ name, size: e.size })),
    ]);
  } catch (e) {
    return `its manifest lists a member no archive can hold (${(e as Error).message})`;
  }
  if (layout.size !== ix.size) return `its manifest's members make an archive of ${layout.size} bytes, the index signs ${ix.size}`;
  return { pieces: layout.pieces, files };
}

/** The members the device holds, and their bytes. */
export interface MemberBytes {
  holds(member: string): boolean;
  /** `length` bytes of a held member's data from `offset` (fewer only if the file is shorter). */
  read(member: string, offset: number, length: number): Uint8Array;
}

/**
 * Chunk `i` of the predicted archive, assembled from its headers and padding and the members
 * `m` holds; null when some byte of it belongs to a member the device does not hold (or a read
 * came back short). The caller hashes it against the index before it counts.
 */
export function rebuildChunk(ix: ChunkIndex, p: ArchivePrediction, i: number, m: MemberBytes): Uint8Array | null {
  const { offset, length } = chunkSpan(ix, i);
  const end = offset + length;
  const overlapping = p.pieces.filter((piece) => piece.offset < end && piece.offset + ('bytes' in piece ? piece.bytes.byteLength : piece.size) > offset);
  if (overlapping.some((piece) => 'member' in piece && !m.holds(piece.member))) return null;
  const out = new Uint8Array(length);
  for (const piece of overlapping) {
    const size = 'bytes' in piece ? piece.bytes.byteLength : piece.size;
    const from = Math.max(offset, piece.offset), to = Math.min(end, piece.offset + size);
    if ('bytes' in piece) {
      out.set(piece.bytes.subarray(from - piece.offset, to - piece.offset), from - offset);
      continue;
    }
    const bytes = m.read(piece.member, from - piece.offset, to - from);
    if (bytes.byteLength !== to - from) return null;
    out.set(bytes, from - offset);
  }
  return out;
}
