/**
 * Node's Buffer on elma-qjs (docs/qjs-runtime.md, "The device program"): a Uint8Array subclass
 * with the members the device program uses — from/alloc/concat/byteLength/isBuffer, toString and
 * from in utf8, hex, base64, base64url and latin1, equals, indexOf/includes, slice (a view, as
 * Node's), copy and the 8/16/32-bit integer reads. UTF-8 runs in C (elma:host encodeUtf8 and
 * decodeUtf8): a tokenizer.json is half a megabyte. Invalid UTF-8 decodes as Node does, each bad
 * sequence to U+FFFD (the WHATWG decoder's rule, text-codec.ts).
 */
import * as host from 'elma:host';
import { decodeUtf8Lossy } from './text-codec.ts';

export type BufferEncoding = 'utf8' | 'utf-8' | 'hex' | 'base64' | 'base64url' | 'latin1' | 'binary' | 'ascii';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_VALUE = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_VALUE[B64.charCodeAt(i)] = i;
B64_VALUE['-'.charCodeAt(0)] = 62; // base64url (RFC 4648 §5); Node's base64 decoder takes both
B64_VALUE['_'.charCodeAt(0)] = 63;

function encodingOf(e: string | undefined): BufferEncoding {
  const n = (e ?? 'utf8').toLowerCase();
  if (n === 'utf8' || n === 'utf-8' || n === 'hex' || n === 'base64' || n === 'base64url' || n === 'latin1' || n === 'binary' || n === 'ascii') return n;
  throw new TypeError(`Unknown encoding: ${e}`);
}

function hexBytes(s: string): Uint8Array {
  // Node stops at the first pair that is not hex.
  const out = new Uint8Array(s.length >>> 1);
  let n = 0;
  for (; n < out.length; n++) {
    const v = parseInt(s.substr(2 * n, 2), 16);
    if (!/^[0-9a-fA-F]{2}$/.test(s.substr(2 * n, 2))) break;
    out[n] = v;
  }
  return n === out.length ? out : out.subarray(0, n);
}

function base64Bytes(s: string): Uint8Array {
  const out = new Uint8Array(Math.ceil((s.length * 3) / 4));
  let acc = 0, bits = 0, o = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x3d) break; // '=' ends the data
    const v = c < 128 ? B64_VALUE[c]! : -1;
    if (v < 0) continue; // Node skips whitespace and other characters
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, o);
}

function base64Text(b: Uint8Array, url: boolean): string {
  const alphabet = url ? `${B64.slice(0, 62)}-_` : B64;
  let s = '';
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    s += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + alphabet[(n >> 6) & 63]! + alphabet[n & 63]!;
  }
  if (i < b.length) {
    const n = (b[i]! << 16) | ((b[i + 1] ?? 0) << 8);
    s += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]!;
    if (i + 1 < b.length) s += alphabet[(n >> 6) & 63]!;
    if (!url) s += i + 1 < b.length ? '=' : '==';
  }
  return s;
}

function stringBytes(s: string, enc: BufferEncoding): Uint8Array {
  switch (enc) {
    case 'utf8': case 'utf-8': return new Uint8Array(host.encodeUtf8(s));
    case 'hex': return hexBytes(s);
    case 'base64': case 'base64url': return base64Bytes(s);
    default: return Uint8Array.from(s, (c) => c.charCodeAt(0) & (enc === 'ascii' ? 0x7f : 0xff));
  }
}

/** Uint8Array's constructor without its static side: Buffer.from's signature is Node's, not Uint8Array.from's. */
const ByteArray = Uint8Array as unknown as new (...args: [number] | [ArrayBufferLike, number?, number?]) => Uint8Array;

export class Buffer extends ByteArray {
  static from(value: string | ArrayBuffer | ArrayLike<number> | Iterable<number>, encodingOrOffset?: string | number, length?: number): Buffer {
    if (typeof value === 'string') {
      const b = stringBytes(value, encodingOf(encodingOrOffset as string | undefined));
      return new Buffer(b.buffer, b.byteOffset, b.byteLength);
    }
    if (value instanceof ArrayBuffer) {
      const off = (encodingOrOffset as number | undefined) ?? 0;
      return new Buffer(value, off, length ?? value.byteLength - off);
    }
    const src = value instanceof Uint8Array ? value : Uint8Array.from(value as ArrayLike<number>);
    const b = new Buffer(src.length);
    b.set(src);
    return b;
  }

  static alloc(size: number, fill?: number): Buffer {
    const b = new Buffer(size);
    if (fill !== undefined && fill !== 0) b.fill(fill);
    return b;
  }

  static allocUnsafe(size: number): Buffer {
    return new Buffer(size);
  }

  static allocUnsafeSlow(size: number): Buffer {
    return new Buffer(size);
  }

  static isBuffer(x: unknown): x is Buffer {
    return x instanceof Buffer;
  }

  static byteLength(x: string | ArrayBufferView | ArrayBuffer, encoding?: string): number {
    if (typeof x !== 'string') return x.byteLength;
    return stringBytes(x, encodingOf(encoding)).byteLength;
  }

  static concat(list: readonly Uint8Array[], total?: number): Buffer {
    const size = total ?? list.reduce((n, b) => n + b.length, 0);
    const out = new Buffer(size);
    let at = 0;
    for (const b of list) {
      if (at >= size) break;
      const part = b.length <= size - at ? b : b.subarray(0, size - at);
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  override toString(encoding?: string, start = 0, end = this.length): string {
    const enc = encodingOf(encoding);
    const b = start === 0 && end >= this.length ? this : this.subarray(start, end);
    switch (enc) {
      case 'utf8': case 'utf-8': return host.decodeUtf8(b) ?? decodeUtf8Lossy(b);
      case 'hex': {
        let s = '';
        for (let i = 0; i < b.length; i++) s += (b[i]! < 16 ? '0' : '') + b[i]!.toString(16);
        return s;
      }
      case 'base64': return base64Text(b, false);
      case 'base64url': return base64Text(b, true);
      default: {
        let s = '';
        for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...Array.from(b.subarray(i, i + 8192), (x) => (enc === 'ascii' ? x & 0x7f : x)));
        return s;
      }
    }
  }

  equals(other: Uint8Array): boolean {
    if (this.length !== other.length) return false;
    for (let i = 0; i < this.length; i++) if (this[i] !== other[i]) return false;
    return true;
  }

  /** A number, a string (UTF-8) or bytes, from `byteOffset`; -1 when absent. */
  override indexOf(value: number | string | Uint8Array, byteOffset = 0): number {
    const from = byteOffset < 0 ? Math.max(0, this.length + byteOffset) : byteOffset;
    if (typeof value === 'number') return super.indexOf(value & 0xff, from);
    const needle = typeof value === 'string' ? stringBytes(value, 'utf8') : value;
    if (needle.length === 0) return Math.min(from, this.length);
    const first = needle[0]!;
    for (let i = super.indexOf(first, from); i >= 0 && i + needle.length <= this.length; i = super.indexOf(first, i + 1)) {
      let k = 1;
      while (k < needle.length && this[i + k] === needle[k]) k++;
      if (k === needle.length) return i;
    }
    return -1;
  }

  override includes(value: number | string | Uint8Array, byteOffset = 0): boolean {
    return this.indexOf(value, byteOffset) >= 0;
  }

  /** Node's Buffer#slice is a view on the same memory (unlike Uint8Array#slice). */
  override slice(start?: number, end?: number): Uint8Array<ArrayBuffer> {
    return this.subarray(start, end) as unknown as Uint8Array<ArrayBuffer>;
  }

  copy(target: Uint8Array, targetStart = 0, sourceStart = 0, sourceEnd = this.length): number {
    const part = this.subarray(sourceStart, Math.min(sourceEnd, sourceStart + (target.length - targetStart)));
    target.set(part, targetStart);
    return part.length;
  }

  readUInt8(at = 0): number {
    return this.#view().getUint8(at);
  }

  readUInt16LE(at = 0): number {
    return this.#view().getUint16(at, true);
  }

  readUInt16BE(at = 0): number {
    return this.#view().getUint16(at, false);
  }

  readUInt32LE(at = 0): number {
    return this.#view().getUint32(at, true);
  }

  readUInt32BE(at = 0): number {
    return this.#view().getUint32(at, false);
  }

  readInt32LE(at = 0): number {
    return this.#view().getInt32(at, true);
  }

  writeUInt32BE(value: number, at = 0): number {
    this.#view().setUint32(at, value, false);
    return at + 4;
  }

  toJSON(): { type: 'Buffer'; data: number[] } {
    return { type: 'Buffer', data: Array.from(this) };
  }

  #view(): DataView {
    return new DataView(this.buffer, this.byteOffset, this.byteLength);
  }
}
