/**
 * Reading a bundle archive (a POSIX ustar `.tar`, tar-format.ts) in place: an index of its members,
 * then a BundleFiles view that reads each member's bytes straight from the archive, so verification
 * needs no extraction and never writes a name the archive chose.
 *
 * The index refuses (malformed-tar) an archive that is not whole: a length that is not a number of
 * 512-byte blocks, a member whose data runs past the end, no end-of-archive marker (two zero
 * blocks, POSIX pax "ustar Interchange Format"), anything but zeros after it, a member twice (tar
 * extractors keep the last copy; a verifier must not see a different file than an extractor).
 * Platform-neutral: no Node imports.
 */
import { BundleRefusal } from '../errors.ts';
import type { BundleEntry, BundleFiles, RandomAccess } from './bundle-files.ts';
import { BLOCK, END_BLOCKS, decodeHeader, isZeroBlock } from './tar-format.ts';

export interface TarMember {
  readonly name: string;
  readonly size: number;
  /** Where the member's data starts in the archive. */
  readonly offset: number;
}

/** A bundle has a handful of files; an archive listing thousands is refused before it costs anything. */
export const MAX_MEMBERS = 256;

function blocks(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

/** The members of an archive, in archive order, after checking its whole structure. */
export function indexTar(tar: RandomAccess, where: string): TarMember[] {
  const fail = (problem: string): never => { throw new BundleRefusal('malformed-tar', where, problem); };
  const failMember = (name: string, problem: string): never => { throw new BundleRefusal('malformed-tar', `${where}: member ${JSON.stringify(name)}`, problem); };
  if (tar.size % BLOCK !== 0) fail(`is ${tar.size} bytes, not a whole number of ${BLOCK}-byte blocks (truncated?)`);
  const members: TarMember[] = [];
  const seen = new Set<string>();
  let pos = 0;
  for (;;) {
    if (pos + BLOCK > tar.size) fail(`ends at byte ${tar.size} without the end-of-archive marker (truncated)`);
    const block = tar.readAt(pos, BLOCK);
    if (isZeroBlock(block)) break;
    const h = decodeHeader(block, pos, where);
    const end = pos + BLOCK + blocks(h.size);
    if (end > tar.size) failMember(h.name, `needs ${h.size} bytes from byte ${pos + BLOCK}, the archive ends at ${tar.size} (truncated)`);
    if (seen.has(h.name)) failMember(h.name, 'appears twice; refused (extractors keep the last copy)');
    if (members.length === MAX_MEMBERS) fail(`has more than ${MAX_MEMBERS} members`);
    seen.add(h.name);
    members.push({ name: h.name, size: h.size, offset: pos + BLOCK });
    pos = end;
  }
  // pos is the first zero block; the marker is END_BLOCKS of them, and writers may pad the last
  // record (GNU tar: 10240 bytes) with more zeros. Anything else after it is smuggled data.
  if (pos + END_BLOCKS * BLOCK > tar.size) fail(`has one zero block at byte ${pos} but not the two that end an archive (truncated)`);
  for (let at = pos; at < tar.size; at += BLOCK) {
    if (!isZeroBlock(tar.readAt(at, BLOCK))) fail(`has data at byte ${at}, after the end-of-archive marker at byte ${pos}`);
  }
  return members;
}

/** The archive's members as a bundle: entries are files (the index refused anything else). */
export function tarFiles(tar: RandomAccess, where: string): BundleFiles {
  const members = new Map(indexTar(tar, where).map((m) => [m.name, m]));
  const entries: BundleEntry[] = [...members.values()].map((m) => ({ name: m.name, kind: 'file', size: m.size }));
  return {
    where,
    entries: () => entries,
    read(name, offset, length) {
      const m = members.get(name);
      if (m === undefined) throw new RangeError(`${where}: no member ${name}`);
      const from = Math.min(offset, m.size);
      return tar.readAt(m.offset + from, Math.min(length, m.size - from));
    },
  };
}
