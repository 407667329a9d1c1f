/**
 * Writing a bundle archive: POSIX ustar (tar-format.ts) with the members in the order a streaming
 * reader wants them, manifest first, then the signature, then the files by name. So a device
 * receiving the archive in chunks can check the signature before a single model byte arrives, and
 * the same bundle always gives the same archive bytes. The writer is a list of pieces (headers,
 * padding, the end marker) around the members' data, which the caller streams from wherever it is.
 * Platform-neutral: no Node imports.
 */
import { MANIFEST_FILE } from './manifest.ts';
import { SIGNATURE_FILE } from './signature.ts';
import { BLOCK, END_BLOCKS, encodeHeader } from './tar-format.ts';

export interface TarInput {
  readonly name: string;
  readonly size: number;
}

/** One piece of the archive: bytes to write as they are, or the data of the named member. */
export type TarPiece = { readonly bytes: Uint8Array } | { readonly member: string };

/** Manifest, signature, then the rest in code-point order of their names. */
export function archiveOrder<T extends TarInput>(members: readonly T[]): T[] {
  const rank = (n: string): number => (n === MANIFEST_FILE ? 0 : n === SIGNATURE_FILE ? 1 : 2);
  return [...members].sort((a, b) => rank(a.name) - rank(b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The pieces of an archive holding `members` in archiveOrder. */
export function tarPieces(members: readonly TarInput[]): TarPiece[] {
  const pieces: TarPiece[] = [];
  for (const m of archiveOrder(members)) {
    pieces.push({ bytes: encodeHeader(m.name, m.size) }, { member: m.name });
    const pad = (BLOCK - (m.size % BLOCK)) % BLOCK;
    if (pad > 0) pieces.push({ bytes: new Uint8Array(pad) });
  }
  pieces.push({ bytes: new Uint8Array(END_BLOCKS * BLOCK) });
  return pieces;
}

/** One piece of the archive at its byte offset: bytes as they are, or `size` bytes of the named member's data. */
export type PlacedPiece =
  | { readonly offset: number; readonly bytes: Uint8Array }
  | { readonly offset: number; readonly member: string; readonly size: number };

/**
 * Where every byte of the archive of `members` lies: tarPieces with offsets, and the archive's size.
 * The writer is a function of the members' names, sizes and contents only (order, headers with
 * zero mtime/uid/gid, zero padding, the two-block end marker and no record padding), so a receiver
 * that knows them predicts the archive byte for byte (docs/ota.md "Reusing what the device has").
 */
export function tarLayout(members: readonly TarInput[]): { pieces: PlacedPiece[]; size: number } {
  const sizes = new Map(members.map((m) => [m.name, m.size]));
  const pieces: PlacedPiece[] = [];
  let offset = 0;
  for (const p of tarPieces(members)) {
    if ('bytes' in p) {
      pieces.push({ offset, bytes: p.bytes });
      offset += p.bytes.byteLength;
    } else {
      const size = sizes.get(p.member)!;
      pieces.push({ offset, member: p.member, size });
      offset += size;
    }
  }
  return { pieces, size: offset };
}

/** A whole archive in memory, for small bundles and tests. */
export function tarBytes(files: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const pieces = tarPieces([...files].map(([name, b]) => ({ name, size: b.byteLength })));
  const parts = pieces.map((p) => ('bytes' in p ? p.bytes : files.get(p.member)!));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
