/**
 * SentencePiece's precompiled character map: the normalization rules of a `spiece.model`
 * (normalizer_spec.precompiled_charsmap) and of HF tokenizers' `Precompiled` normalizer, whose
 * tokenizer.json field `precompiled_charsmap` holds the same bytes in base64.
 *
 * Layout (sentencepiece normalizer.cc `DecodePrecompiledCharsMap`; HF spm_precompiled crate):
 *
 *   u32 LE trie_size | trie_size bytes: a Darts-clone double array of u32 LE units
 *                    | the rest: NUL-terminated UTF-8 replacement strings
 *
 * The double array maps the UTF-8 bytes of an input sequence to the byte offset of its replacement
 * in the string blob. A lookup walks the trie over the key's bytes and collects every key that is a
 * prefix of the input; HF `Precompiled::transform` then uses the FIRST one, i.e. the SHORTEST key
 * (sentencepiece itself takes the longest; we follow HF, which is what the fixtures come from).
 */
import { base64Decode } from './_base64.ts';
import { utf8Decode, utf8Encode } from '../utf8.ts';
import { TokenizerError } from './errors.ts';

// Darts-clone unit accessors (darts.h `DoubleArrayUnit`).
const hasLeaf = (u: number): boolean => ((u >>> 8) & 1) === 1;
const valueOf = (u: number): number => u & 0x7fffffff;
const labelOf = (u: number): number => (u & 0x800000ff) >>> 0;
const offsetOf = (u: number): number => (u >>> 10) << ((u & 0x200) >>> 6);

export class PrecompiledCharsmap {
  readonly #units: Uint32Array;
  readonly #blob: Uint8Array;
  readonly #where: string;
  /** Replacement strings by blob offset, decoded once. */
  readonly #strings = new Map<number, string>();
  /** transform() of single code points (HF falls back to one character at a time). */
  readonly #single = new Map<number, string | null>();
  readonly #key = new Uint8Array(4);

  private constructor(units: Uint32Array, blob: Uint8Array, where: string) {
    this.#units = units;
    this.#blob = blob;
    this.#where = where;
  }

  /** Parses the raw charsmap bytes; `where` names the field in error messages. */
  static fromBytes(bytes: Uint8Array, where = 'precompiled_charsmap'): PrecompiledCharsmap {
    const fail = (problem: string): never => {
      throw new TokenizerError(where, problem);
    };
    if (bytes.length < 4) fail(`is ${bytes.length} bytes, shorter than its 4-byte trie size header`);
    const trieSize = ((bytes[0] as number) | ((bytes[1] as number) << 8) | ((bytes[2] as number) << 16) | ((bytes[3] as number) << 24)) >>> 0;
    if (trieSize === 0 || trieSize % 4 !== 0) fail(`trie size ${trieSize} is not a positive multiple of 4 (not a SentencePiece charsmap)`);
    if (4 + trieSize > bytes.length) fail(`trie size ${trieSize} runs past the end of the ${bytes.length}-byte charsmap (truncated?)`);
    const units = new Uint32Array(trieSize / 4);
    for (let i = 0, o = 4; i < units.length; i++, o += 4) {
      units[i] = ((bytes[o] as number) | ((bytes[o + 1] as number) << 8) | ((bytes[o + 2] as number) << 16) | ((bytes[o + 3] as number) << 24)) >>> 0;
    }
    // darts-clone allocates units in 256-unit blocks and a node's children sit at base ^ label with
    // base = pos ^ offset, so every child block [base & ~0xff, base | 0xff] must lie inside the array.
    // Checking it once here means no walk can leave the array (a corrupt or truncated trie fails now).
    for (let i = 0; i < units.length; i++) {
      const u = units[i] as number;
      if (u === 0 || labelOf(u) > 0xff) continue; // an unused unit or a value unit
      if (((i ^ offsetOf(u)) | 0xff) >= units.length) {
        fail(`trie unit ${i} points outside the ${units.length}-unit double array (corrupt charsmap)`);
      }
    }
    const blob = bytes.slice(4 + trieSize);
    // HF spm_precompiled reads the blob as a Rust String: it must be valid UTF-8.
    if (utf8Decode(blob) === null) fail('replacement strings are not valid UTF-8 (corrupt charsmap)');
    return new PrecompiledCharsmap(units, blob, where);
  }

  /** Parses the base64 form stored in tokenizer.json. */
  static fromBase64(text: string, where = 'precompiled_charsmap'): PrecompiledCharsmap {
    const bytes = base64Decode(text);
    if (bytes === null) throw new TokenizerError(where, 'is not valid base64');
    return PrecompiledCharsmap.fromBytes(bytes, where);
  }

  /**
   * HF `Precompiled::transform`: the replacement of the shortest charsmap key that is a prefix of
   * code points `cps[from, to)`, or null when no key is. The walk stops at a NUL byte
   * (spm_precompiled `common_prefix_search`).
   */
  transform(cps: readonly number[], from: number, to: number): string | null {
    return to - from === 1 ? this.transformCodePoint(cps[from] as number) : this.#walk(cps, from, to);
  }

  /** transform() of one code point, cached: most lookups are single characters. */
  transformCodePoint(cp: number): string | null {
    let r = this.#single.get(cp);
    if (r === undefined) {
      r = this.#walk([cp], 0, 1);
      this.#single.set(cp, r);
    }
    return r;
  }

  #walk(cps: readonly number[], from: number, to: number): string | null {
    const key = this.#key;
    let pos = offsetOf(this.#unit(0));
    for (let i = from; i < to; i++) {
      const n = utf8Encode(cps[i] as number, key, 0);
      for (let k = 0; k < n; k++) {
        const b = key[k] as number;
        if (b === 0) return null;
        pos ^= b;
        const u = this.#unit(pos);
        if (labelOf(u) !== b) return null;
        pos ^= offsetOf(u);
        if (hasLeaf(u)) return this.#string(valueOf(this.#unit(pos)));
      }
    }
    return null;
  }

  #unit(pos: number): number {
    const u = this.#units[pos];
    if (u === undefined) throw new TokenizerError(this.#where, `trie walk reached unit ${pos}, outside the ${this.#units.length}-unit double array (corrupt charsmap)`);
    return u;
  }

  #string(offset: number): string {
    let s = this.#strings.get(offset);
    if (s !== undefined) return s;
    const blob = this.#blob;
    if (offset > blob.length) throw new TokenizerError(this.#where, `trie value ${offset} is outside the ${blob.length}-byte replacement strings (corrupt charsmap)`);
    let end = offset;
    while (end < blob.length && blob[end] !== 0) end++;
    s = utf8Decode(blob, offset, end) ?? '';
    this.#strings.set(offset, s);
    return s;
  }
}
