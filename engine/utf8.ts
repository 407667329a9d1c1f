/**
 * UTF-8 without TextEncoder/TextDecoder (QuickJS has neither): the byte length of a code point,
 * its bytes, and a strict decoder. SentencePiece's charsmap trie is keyed by UTF-8 bytes
 * (sentencepiece normalizer.cc), so lookups need the bytes of code points.
 */

/** Bytes of `cp` in UTF-8 (RFC 3629 §3). Lone surrogates count 3, as WTF-8 would write them. */
export function utf8Length(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/** Writes the UTF-8 bytes of `cp` into `out` from `at`; returns the number written. */
export function utf8Encode(cp: number, out: Uint8Array | number[], at: number): number {
  if (cp < 0x80) {
    out[at] = cp;
    return 1;
  }
  if (cp < 0x800) {
    out[at] = 0xc0 | (cp >> 6);
    out[at + 1] = 0x80 | (cp & 0x3f);
    return 2;
  }
  if (cp < 0x10000) {
    out[at] = 0xe0 | (cp >> 12);
    out[at + 1] = 0x80 | ((cp >> 6) & 0x3f);
    out[at + 2] = 0x80 | (cp & 0x3f);
    return 3;
  }
  out[at] = 0xf0 | (cp >> 18);
  out[at + 1] = 0x80 | ((cp >> 12) & 0x3f);
  out[at + 2] = 0x80 | ((cp >> 6) & 0x3f);
  out[at + 3] = 0x80 | (cp & 0x3f);
  return 4;
}

/**
 * Decodes `bytes[from, to)` as strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
 * Returns null when the bytes are not valid UTF-8, so the caller can name its own field.
 */
export function utf8Decode(bytes: Uint8Array, from = 0, to = bytes.length): string | null {
  let out = '';
  const parts: string[] = [];
  let i = from;
  while (i < to) {
    const b0 = bytes[i] as number;
    let cp: number;
    let need: number;
    if (b0 < 0x80) {
      cp = b0;
      need = 0;
    } else if (b0 >= 0xc2 && b0 < 0xe0) {
      cp = b0 & 0x1f;
      need = 1;
    } else if (b0 >= 0xe0 && b0 < 0xf0) {
      cp = b0 & 0x0f;
      need = 2;
    } else if (b0 >= 0xf0 && b0 < 0xf5) {
      cp = b0 & 0x07;
      need = 3;
    } else {
      return null;
    }
    for (let k = 1; k <= need; k++) {
      const b = bytes[i + k];
      if (b === undefined || i + k >= to || (b & 0xc0) !== 0x80) return null;
      cp = (cp << 6) | (b & 0x3f);
    }
    if ((need === 2 && (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000))) || (need === 3 && (cp < 0x10000 || cp > 0x10ffff))) return null;
    out += String.fromCodePoint(cp);
    if (out.length > 4096) {
      parts.push(out);
      out = '';
    }
    i += need + 1;
  }
  parts.push(out);
  return parts.join('');
}

/** The UTF-8 bytes of a string (lone surrogates as U+FFFD, as TextEncoder does). */
export function utf8Bytes(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    let cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    utf8Encode(cp, out, out.length);
  }
  return Uint8Array.from(out);
}
