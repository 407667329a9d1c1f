/**
 * Reading a text a person points the program at (`elma ask --context-file`): UTF-8 only, and every
 * way it can fail is one line naming the option and the file (missing, a directory, unreadable,
 * too large, not UTF-8 with the byte offset, UTF-16 or binary with NUL bytes).
 */
import { readFileSync, statSync } from 'node:fs';
import { ElmaError } from '../common/elma-error.ts';

export class TextFileError extends ElmaError {}

/** Larger files are refused before they are read: a context is paragraphs, not a corpus. */
export const MAX_TEXT_FILE_BYTES = 4 << 20;

/** The byte offset of the first byte that does not start or continue a valid UTF-8 sequence (RFC 3629 §4), or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length;) {
    const c = b[i]!;
    if (c < 0x80) { i++; continue; }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    // The second byte's narrower ranges rule out overlong forms, surrogates and code points past U+10FFFF.
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || d < (k === 1 ? lo : 0x80) || d > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return -1;
}

/** The text of `file` (a leading byte order mark dropped); `where` names the option, e.g. "--context-file". */
export function readTextFile(file: string, where: string, maxBytes = MAX_TEXT_FILE_BYTES): string {
  const at = `${where} ${file}`;
  let bytes: Buffer;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new TextFileError(at, 'is a directory, not a text file');
    if (!st.isFile()) throw new TextFileError(at, 'is not a regular file');
    if (st.size > maxBytes) throw new TextFileError(at, `is ${st.size} bytes; the most taken is ${maxBytes}`);
    bytes = readFileSync(file);
  } catch (e) {
    if (e instanceof TextFileError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new TextFileError(at, code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `cannot be read (${(e as Error).message})`);
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    const utf16 = bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));
    throw new TextFileError(at, utf16 ? 'is UTF-16 text; save it as UTF-8' : `is not UTF-8 text (byte 0x${bytes[bad]!.toString(16).padStart(2, '0')} at offset ${bad}); save it as UTF-8`);
  }
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  const nul = text.indexOf('\u0000');
  if (nul >= 0) throw new TextFileError(at, `holds a NUL byte at character ${nul + 1}: binary data or UTF-16 text, not UTF-8 text`);
  return text;
}
