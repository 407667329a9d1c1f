/**
 * The POSIX ustar header (POSIX.1-2017, pax utility, "ustar Interchange Format"): field layout,
 * encoding for the writer and strict decoding for the reader. Only what a bundle needs: flat
 * regular files with portable names. Everything else a tar can hold (links, directories, device
 * files, pax or GNU extensions, base-256 numbers) is recognised and refused with its name, since a
 * bundle that holds one was not written by `elma bundle pack` and extracting it could escape the
 * slot (links, `../`, absolute paths). Platform-neutral: no Node imports.
 */
import { BundleRefusal } from '../errors.ts';

/** Every header and every member's data padding is one 512-byte block; the archive ends with two zero blocks. */
export const BLOCK = 512;
export const END_BLOCKS = 2;

/** Offsets and lengths of the header fields, in the order of the standard's table. */
const FIELD = {
  name: [0, 100], mode: [100, 8], uid: [108, 8], gid: [116, 8], size: [124, 12], mtime: [136, 12],
  chksum: [148, 8], typeflag: [156, 1], linkname: [157, 100], magic: [257, 6], version: [263, 2],
  uname: [265, 32], gname: [297, 32], devmajor: [329, 8], devminor: [337, 8], prefix: [345, 155],
} as const satisfies Record<string, readonly [number, number]>;

const MAGIC = 'ustar\0';
const VERSION = '00';
/** typeflag values (the standard's REGTYPE, AREGTYPE, ... ; `x`/`g` are pax extended headers). */
const TYPE_NAMES: Readonly<Record<string, string>> = {
  '1': 'a hard link', '2': 'a symbolic link', '3': 'a character device', '4': 'a block device', '5': 'a directory',
  '6': 'a FIFO', '7': 'a contiguous file', x: 'a pax extended header', g: 'a pax global header',
  L: 'a GNU long name', K: 'a GNU long link name',
};
/** 11 octal digits and a NUL: the largest size a ustar header can state (8 GiB - 1). */
export const MAX_MEMBER_SIZE = 0o77777777777;
/** The standard's portable filename character set: what a member of a bundle archive may be called. */
export const PORTABLE_NAME = /^[A-Za-z0-9._-]+$/;

export interface TarHeader {
  readonly name: string;
  readonly size: number;
}

function ascii(s: string, out: Uint8Array, at: number, len: number): void {
  if (s.length > len) throw new RangeError(`tar field value too long: ${JSON.stringify(s)}`);
  for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i) & 0x7f;
}

/** An octal number field: zero-padded digits followed by a NUL, as GNU and BSD tar write them. */
function octal(n: number, out: Uint8Array, field: readonly [number, number]): void {
  ascii(`${n.toString(8).padStart(field[1] - 1, '0')}\0`, out, field[0], field[1]);
}

function checksum(block: Uint8Array): number {
  // The sum of all header bytes as unsigned values, the chksum field counted as eight spaces.
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= FIELD.chksum[0] && i < FIELD.chksum[0] + FIELD.chksum[1] ? 0x20 : block[i]!;
  return sum;
}

/**
 * The header of one regular file. mtime, uid and gid are 0 and the names empty, so an archive's
 * bytes depend on its content only (reproducible, like SOURCE_DATE_EPOCH builds).
 */
export function encodeHeader(name: string, size: number): Uint8Array {
  if (!PORTABLE_NAME.test(name) || name === '.' || name === '..' || name.length > FIELD.name[1]) {
    throw new RangeError(`tar member name ${JSON.stringify(name)} is not a portable file name of at most ${FIELD.name[1]} characters`);
  }
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_MEMBER_SIZE) throw new RangeError(`tar member size ${size} out of range`);
  const h = new Uint8Array(BLOCK);
  ascii(name, h, ...FIELD.name);
  octal(0o644, h, FIELD.mode);
  octal(0, h, FIELD.uid);
  octal(0, h, FIELD.gid);
  octal(size, h, FIELD.size);
  octal(0, h, FIELD.mtime);
  ascii('0', h, ...FIELD.typeflag);
  ascii(MAGIC, h, ...FIELD.magic);
  ascii(VERSION, h, ...FIELD.version);
  octal(0, h, FIELD.devmajor);
  octal(0, h, FIELD.devminor);
  // chksum: six octal digits, NUL, space (the traditional layout every reader accepts).
  ascii(`${checksum(h).toString(8).padStart(6, '0')}\0 `, h, ...FIELD.chksum);
  return h;
}

export function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < block.byteLength; i++) if (block[i] !== 0) return false;
  return true;
}

/** A NUL-terminated (or full-width) text field; null when it holds a byte outside printable ASCII. */
function text(block: Uint8Array, [at, len]: readonly [number, number]): string | null {
  let s = '';
  for (let i = at; i < at + len; i++) {
    const c = block[i]!;
    if (c === 0) break;
    if (c < 0x20 || c > 0x7e) return null;
    s += String.fromCharCode(c);
  }
  return s;
}

/** An octal field: optional leading spaces, octal digits, then NULs/spaces; null when not that. */
function readOctal(block: Uint8Array, field: readonly [number, number]): number | null {
  if ((block[field[0]]! & 0x80) !== 0) return null; // GNU base-256 numbers are not ustar
  const s = text(block, field);
  const m = s === null ? null : /^ *([0-7]+)[ ]*$/.exec(s);
  return m === null ? null : parseInt(m[1]!, 8);
}

/** Decode and check one header block at `offset`; refuses (malformed-tar) anything but a flat regular file. */
export function decodeHeader(block: Uint8Array, offset: number, where: string): TarHeader {
  const fail = (who: string, problem: string): never => { throw new BundleRefusal('malformed-tar', `${where}: ${who}`, problem); };
  const at = `header at byte ${offset}`;
  if (text(block, FIELD.magic) !== MAGIC.slice(0, 5) || block[FIELD.magic[0] + 5] !== 0 || text(block, FIELD.version) !== VERSION) {
    fail(at, 'is not a POSIX ustar header (GNU or v7 tar? write the archive with --format=ustar)');
  }
  const sum = readOctal(block, FIELD.chksum);
  if (sum === null || sum !== checksum(block)) fail(at, 'checksum does not match (damaged archive)');
  const base = text(block, FIELD.name), prefix = text(block, FIELD.prefix);
  if (base === null || prefix === null || base === '') fail(at, 'has an empty or non-ASCII member name');
  const name = prefix === '' ? base! : `${prefix}/${base}`;
  const member = `member ${JSON.stringify(name)}`;
  if (name.startsWith('/')) fail(member, 'is an absolute path; refused');
  if (name.split('/').includes('..')) fail(member, 'climbs out of the bundle with ".." (path traversal); refused');
  if (name.includes('/')) fail(member, 'is in a subdirectory; bundle archives are flat');
  if (!PORTABLE_NAME.test(name) || name === '.') fail(member, 'is not a portable file name (A-Z a-z 0-9 . _ -)');
  const type = String.fromCharCode(block[FIELD.typeflag[0]]!);
  if (type !== '0' && type !== '\0') fail(member, `is ${TYPE_NAMES[type] ?? `an entry of type ${JSON.stringify(type)}`}; bundles hold regular files only`);
  const size = readOctal(block, FIELD.size);
  if (size === null) fail(member, 'size field is not an octal number');
  return { name, size: size! };
}
