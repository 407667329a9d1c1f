/**
 * TextEncoder and TextDecoder (UTF-8 only: the device program uses nothing else) on elma-qjs,
 * which has neither (QuickJS 2021-03-27). Valid input is converted in C (elma:host); invalid
 * input, for a decoder that is not `fatal`, is decoded by the WHATWG Encoding Standard's UTF-8
 * decoder (§9.1.1), which turns each maximal ill-formed subsequence into one U+FFFD, as Node does.
 */
import * as host from 'elma:host';

/** WHATWG Encoding §9.1.1 "UTF-8 decoder", with replacement. */
export function decodeUtf8Lossy(bytes: Uint8Array): string {
  const parts: string[] = [];
  let units: number[] = [];
  const push = (cp: number): void => {
    if (cp > 0xffff) {
      cp -= 0x10000;
      units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else units.push(cp);
    if (units.length >= 8192) {
      parts.push(String.fromCharCode(...units));
      units = [];
    }
  };
  let cp = 0, needed = 0, seen = 0, lower = 0x80, upper = 0xbf;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (needed === 0) {
      if (b <= 0x7f) push(b);
      else if (b >= 0xc2 && b <= 0xdf) { needed = 1; cp = b & 0x1f; }
      else if (b >= 0xe0 && b <= 0xef) { if (b === 0xe0) lower = 0xa0; if (b === 0xed) upper = 0x9f; needed = 2; cp = b & 0xf; }
      else if (b >= 0xf0 && b <= 0xf4) { if (b === 0xf0) lower = 0x90; if (b === 0xf4) upper = 0x8f; needed = 3; cp = b & 0x7; }
      else push(0xfffd);
      continue;
    }
    if (b < lower || b > upper) {
      // The sequence so far is replaced; this byte is read again as a possible start.
      cp = needed = seen = 0;
      lower = 0x80;
      upper = 0xbf;
      push(0xfffd);
      i--;
      continue;
    }
    lower = 0x80;
    upper = 0xbf;
    cp = (cp << 6) | (b & 0x3f);
    if (++seen === needed) {
      push(cp);
      cp = needed = seen = 0;
    }
  }
  if (needed !== 0) push(0xfffd);
  parts.push(String.fromCharCode(...units));
  return parts.join('');
}

export class TextEncoder {
  readonly encoding = 'utf-8';

  encode(text = ''): Uint8Array {
    return new Uint8Array(host.encodeUtf8(String(text)));
  }

  encodeInto(text: string, dest: Uint8Array): { read: number; written: number } {
    const bytes = this.encode(text);
    if (bytes.length <= dest.length) {
      dest.set(bytes);
      return { read: text.length, written: bytes.length };
    }
    // Only whole characters: stop before the first one that does not fit.
    let read = 0, written = 0;
    for (const ch of text) {
      const b = this.encode(ch);
      if (written + b.length > dest.length) break;
      dest.set(b, written);
      written += b.length;
      read += ch.length;
    }
    return { read, written };
  }
}

export class TextDecoder {
  readonly encoding = 'utf-8';
  readonly fatal: boolean;
  readonly ignoreBOM: boolean;

  constructor(label = 'utf-8', options: { fatal?: boolean; ignoreBOM?: boolean } = {}) {
    if (!/^(utf-?8|unicode-1-1-utf-8)$/i.test(label.trim())) throw new RangeError(`elma-qjs: TextDecoder supports utf-8 only, not "${label}"`);
    this.fatal = options.fatal === true;
    this.ignoreBOM = options.ignoreBOM === true;
  }

  decode(input?: ArrayBuffer | ArrayBufferView): string {
    if (input === undefined) return '';
    let bytes = input instanceof ArrayBuffer ? new Uint8Array(input) : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    if (!this.ignoreBOM && bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    const text = host.decodeUtf8(bytes);
    if (text !== null) return text;
    if (this.fatal) throw Object.assign(new TypeError('The encoded data was not valid for encoding utf-8'), { code: 'ERR_ENCODING_INVALID_ENCODED_DATA' });
    return decodeUtf8Lossy(bytes);
  }
}
