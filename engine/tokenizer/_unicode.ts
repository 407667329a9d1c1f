/**
 * Character properties the tokenizer needs, as Rust's std and the unicode-normalization crate
 * define them (HF tokenizers is Rust). Built on String.prototype.normalize/toLowerCase and regex
 * property escapes, which QuickJS supports too; results are cached per code point.
 */

/** Rust `char::is_whitespace`: the Unicode White_Space property (not JS \s, which adds U+FEFF and lacks U+0085). */
export function isRustWhitespace(cp: number): boolean {
  if (cp <= 0x20) return cp === 0x20 || (cp >= 0x09 && cp <= 0x0d);
  if (cp < 0x85) return false;
  return cp === 0x85 || cp === 0xa0 || cp === 0x1680 || (cp >= 0x2000 && cp <= 0x200a)
    || cp === 0x2028 || cp === 0x2029 || cp === 0x202f || cp === 0x205f || cp === 0x3000;
}

/** Code points of `text` with the UTF-16 index where each starts (lone surrogates kept as they are). */
export function codePoints(text: string, from = 0, to = text.length): { cps: number[]; at: number[] } {
  const cps: number[] = [];
  const at: number[] = [];
  for (let i = from; i < to;) {
    const cp = text.codePointAt(i) as number;
    cps.push(cp);
    at.push(i);
    i += cp > 0xffff && i + 1 < to ? 2 : 1;
  }
  return { cps, at };
}

export function fromCodePoints(cps: readonly number[], from = 0, to = cps.length): string {
  let s = '';
  for (let i = from; i < to; i += 4096) s += String.fromCodePoint(...cps.slice(i, Math.min(to, i + 4096)));
  return s;
}

function cpsOf(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) out.push(ch.codePointAt(0) as number);
  return out;
}

const NFKD = new Map<number, number[] | null>();
const NFD = new Map<number, number[] | null>();

/**
 * The full decomposition of one code point (unicode-normalization `decompose_compatible` /
 * `decompose_canonical`), or null when it decomposes to itself. Below U+00A0 nothing decomposes.
 */
export function decompose(cp: number, compat: boolean): number[] | null {
  if (cp < 0xa0) return null;
  const cache = compat ? NFKD : NFD;
  let d = cache.get(cp);
  if (d === undefined) {
    const s = String.fromCodePoint(cp);
    const n = s.normalize(compat ? 'NFKD' : 'NFD');
    d = n === s ? null : cpsOf(n);
    cache.set(cp, d);
  }
  return d;
}

const NON_STARTER = new Map<number, boolean>();

/**
 * Canonical_Combining_Class ≠ 0. JS exposes no ccc, so this asks the normalizer: U+0345 has the
 * highest class in use (240), so NFD reorders U+0345 + c exactly when 0 < ccc(c) < 240.
 */
export function isNonStarter(cp: number): boolean {
  if (cp < 0x300) return false;
  if (cp === 0x345) return true;
  let r = NON_STARTER.get(cp);
  if (r === undefined) {
    const pair = `\u0345${String.fromCodePoint(cp)}`;
    r = pair.normalize('NFD') !== pair;
    NON_STARTER.set(cp, r);
  }
  return r;
}

/** ccc(a) < ccc(b) for two non-starters: canonical ordering swaps b + a into a + b exactly then. */
export function cccLess(a: number, b: number): boolean {
  if (a === b) return false;
  const ab = String.fromCodePoint(a, b);
  return String.fromCodePoint(b, a).normalize('NFD') === ab;
}

const MARK = /\p{M}/u;
const IS_MARK = new Map<number, boolean>();

/** unicode-normalization `is_combining_mark`: General_Category Mark (Mn, Mc, Me); none below U+0300. */
export function isCombiningMark(cp: number): boolean {
  if (cp < 0x300) return false;
  let r = IS_MARK.get(cp);
  if (r === undefined) {
    r = MARK.test(String.fromCodePoint(cp));
    IS_MARK.set(cp, r);
  }
  return r;
}

const LOWER = new Map<number, number[] | null>();

/**
 * Rust `char::to_lowercase` of one code point (context-free, so a lone Σ gives σ, as JS does for a
 * one-character string), or null when it is unchanged.
 */
export function lowercase(cp: number): number[] | null {
  if (cp < 0x80) return cp >= 0x41 && cp <= 0x5a ? [cp + 32] : null;
  let r = LOWER.get(cp);
  if (r === undefined) {
    const s = String.fromCodePoint(cp);
    const l = s.toLowerCase();
    r = l === s ? null : cpsOf(l);
    LOWER.set(cp, r);
  }
  return r;
}
