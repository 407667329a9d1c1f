/**
 * The tokenizer.json `normalizer` (HF tokenizers normalizers/*.rs), applied to a NormalizedString
 * so that every normalized char keeps its alignment to the original text.
 *
 * Supported types: Sequence, Replace (String or Regex pattern), NFD, NFKD, StripAccents,
 * Lowercase, Precompiled, Strip, Prepend. ALBERT's converter writes
 * Sequence[Replace ``→", Replace ''→", NFKD, StripAccents, Lowercase, Precompiled].
 * NFC/NFKC (which recompose) and the BERT normalizer are rejected with an error naming the field.
 */
import type { NormalizedString } from './_normalized-string.ts';
import { graphemeEnds } from './_graphemes.ts';
import { cccLess, decompose, isCombiningMark, isNonStarter, isRustWhitespace, lowercase } from './_unicode.ts';
import { utf8Length } from '../utf8.ts';
import { PrecompiledCharsmap } from './precompiled-charsmap.ts';
import { TokenizerError } from './errors.ts';

export interface Normalizer {
  /** Normalizes `ns` in place, keeping its alignments. */
  normalize(ns: NormalizedString): void;
}

function cpsOf(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) out.push(ch.codePointAt(0) as number);
  return out;
}

/** HF normalizers/utils.rs `Sequence`. */
export class SequenceNormalizer implements Normalizer {
  constructor(readonly normalizers: readonly Normalizer[]) {}
  normalize(ns: NormalizedString): void {
    for (const n of this.normalizers) n.normalize(ns);
  }
}

/** HF normalizers/replace.rs: every non-overlapping match, left to right, becomes `content`. */
export class ReplaceNormalizer implements Normalizer {
  readonly #literal: number[] | null;
  readonly #regex: RegExp | null;
  readonly #content: number[];

  constructor(pattern: { readonly string: string } | { readonly regex: RegExp }, content: string) {
    this.#literal = 'string' in pattern ? cpsOf(pattern.string) : null;
    this.#regex = 'regex' in pattern ? new RegExp(pattern.regex.source, 'gu') : null;
    this.#content = cpsOf(content);
  }

  normalize(ns: NormalizedString): void {
    ns.replaceRanges(this.#literal !== null ? literalMatches(ns.cps, this.#literal) : regexMatches(ns, this.#regex as RegExp), this.#content);
  }
}

function literalMatches(cps: readonly number[], pat: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  if (pat.length === 0) return out;
  const first = pat[0] as number;
  for (let i = 0; i + pat.length <= cps.length; i++) {
    if (cps[i] !== first) continue;
    let k = 1;
    while (k < pat.length && cps[i + k] === pat[k]) k++;
    if (k === pat.length) {
      out.push([i, i + pat.length]);
      i += pat.length - 1;
    }
  }
  return out;
}

// JS regex syntax stands in for Oniguruma's here; the two agree on the simple patterns converters write.
function regexMatches(ns: NormalizedString, re: RegExp): [number, number][] {
  const text = ns.toString();
  const cpIndex = new Int32Array(text.length + 1);
  for (let i = 0, c = 0; i <= text.length; c++) {
    cpIndex[i] = c;
    const cp = text.codePointAt(i);
    if (cp !== undefined && cp > 0xffff) cpIndex[i + 1] = c;
    i += cp !== undefined && cp > 0xffff ? 2 : 1;
  }
  const out: [number, number][] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const end = m.index + m[0].length;
    out.push([cpIndex[m.index] as number, cpIndex[end] as number]);
    if (m[0].length === 0) re.lastIndex = end + 1;
  }
  return out;
}

/**
 * HF `NFD`/`NFKD` via unicode-normalization-alignments: each char's full decomposition, its first
 * char tagged 0 (replaces the original) and the rest 1 (inserted), then each run of non-starters
 * stably sorted by combining class with the tags moving along (decompose.rs `sort_pending`).
 */
export class DecomposeNormalizer implements Normalizer {
  constructor(readonly compat: boolean) {}

  normalize(ns: NormalizedString): void {
    const src = ns.cps;
    let decomposes = false;
    for (const cp of src) if (cp >= 0xa0 && decompose(cp, this.compat) !== null) { decomposes = true; break; }
    const cps: number[] = [];
    const changes: number[] = [];
    for (const cp of src) {
      const d = decomposes ? decompose(cp, this.compat) : null;
      if (d === null) {
        cps.push(cp);
        changes.push(0);
      } else {
        for (let k = 0; k < d.length; k++) {
          cps.push(d[k] as number);
          changes.push(k === 0 ? 0 : 1);
        }
      }
    }
    const reordered = reorderNonStarters(cps, changes);
    if (decomposes || reordered) ns.transform(cps, changes, 0);
  }
}

/** Canonical ordering (Unicode §3.11 D109): stable insertion sort of each run of non-starters. */
function reorderNonStarters(cps: number[], changes: number[]): boolean {
  let moved = false;
  for (let i = 0; i < cps.length; i++) {
    if (!isNonStarter(cps[i] as number)) continue;
    let j = i;
    while (j + 1 < cps.length && isNonStarter(cps[j + 1] as number)) j++;
    for (let a = i + 1; a <= j; a++) {
      const cp = cps[a] as number;
      const ch = changes[a] as number;
      let b = a;
      while (b > i && cccLess(cp, cps[b - 1] as number)) {
        cps[b] = cps[b - 1] as number;
        changes[b] = changes[b - 1] as number;
        b--;
      }
      if (b !== a) {
        cps[b] = cp;
        changes[b] = ch;
        moved = true;
      }
    }
    i = j;
  }
  return moved;
}

/** HF normalizers/strip.rs `StripAccents`: removes every combining mark (General_Category M). */
export class StripAccentsNormalizer implements Normalizer {
  normalize(ns: NormalizedString): void {
    if (ns.cps.some((cp) => cp >= 0x300)) ns.filter((cp) => !isCombiningMark(cp));
  }
}

/** HF normalizers/utils.rs `Lowercase` (NormalizedString::lowercase): extra chars of a lowercasing are inserts. */
export class LowercaseNormalizer implements Normalizer {
  normalize(ns: NormalizedString): void {
    if (!ns.cps.some((cp) => lowercase(cp) !== null)) return;
    const cps: number[] = [];
    const changes: number[] = [];
    for (const cp of ns.cps) {
      const l = lowercase(cp);
      if (l === null) {
        cps.push(cp);
        changes.push(0);
      } else {
        l.forEach((c, k) => { cps.push(c); changes.push(k === 0 ? 0 : 1); });
      }
    }
    ns.transform(cps, changes, 0);
  }
}

/** HF normalizers/strip.rs `Strip`: leading and/or trailing whitespace. */
export class StripNormalizer implements Normalizer {
  constructor(readonly left: boolean, readonly right: boolean) {}
  normalize(ns: NormalizedString): void {
    ns.strip(this.left, this.right, isRustWhitespace);
  }
}

/** HF normalizers/prepend.rs: prepends a string to non-empty input. */
export class PrependNormalizer implements Normalizer {
  readonly #prefix: number[];
  constructor(prefix: string) {
    this.#prefix = cpsOf(prefix);
  }
  normalize(ns: NormalizedString): void {
    ns.prepend(this.#prefix);
  }
}

/**
 * HF normalizers/precompiled.rs: walks extended grapheme clusters; a cluster under 6 UTF-8 bytes is
 * first looked up whole (the shortest matching key's replacement stands for the WHOLE cluster —
 * HF's comment says this "seems broken" but matches sentencepiece models), otherwise each char is
 * looked up alone. Alignment tags follow HF's `replace()` helper: all new chars 0, the last
 * `diff` of them 1 when the replacement is longer, the last one carrying -diff when shorter. When
 * the replacement is empty (a control char), the PREVIOUS emitted char carries the removal; at the
 * very start there is none, the removal is lost and the following chars take their predecessor's
 * alignment — HF's behaviour, kept so offsets match it.
 */
export class PrecompiledNormalizer implements Normalizer {
  readonly #cps = new Map<string, number[]>();
  constructor(readonly charsmap: PrecompiledCharsmap) {}

  normalize(ns: NormalizedString): void {
    const src = ns.cps;
    const cps: number[] = [];
    const changes: number[] = [];
    let modified = false;
    const replace = (oldCount: number, norm: string): void => {
      let n = this.#cps.get(norm);
      if (n === undefined) {
        n = cpsOf(norm);
        this.#cps.set(norm, n);
      }
      for (const c of n) {
        cps.push(c);
        changes.push(0);
      }
      const diff = n.length - oldCount;
      if (diff > 0) for (let k = changes.length - diff; k < changes.length; k++) changes[k] = 1;
      else if (diff < 0 && changes.length > 0) changes[changes.length - 1] = (changes[changes.length - 1] as number) + diff;
      modified = true;
    };
    let a = 0;
    for (const b of graphemeEnds(src)) {
      if (b - a > 1) {
        let bytes = 0;
        for (let i = a; i < b; i++) bytes += utf8Length(src[i] as number);
        const whole = bytes < 6 ? this.charsmap.transform(src, a, b) : null;
        if (whole !== null) {
          replace(b - a, whole);
          a = b;
          continue;
        }
      }
      for (let i = a; i < b; i++) {
        const cp = src[i] as number;
        const norm = this.charsmap.transformCodePoint(cp);
        if (norm !== null) replace(1, norm);
        else {
          cps.push(cp);
          changes.push(0);
        }
      }
      a = b;
    }
    if (modified) ns.transform(cps, changes, 0);
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/** Builds the normalizer a tokenizer.json `normalizer` object describes; `where` names it in errors. */
export function normalizerFromJson(json: unknown, where: string): Normalizer {
  const fail = (field: string, problem: string): never => {
    throw new TokenizerError(field === '' ? where : `${where}.${field}`, problem);
  };
  if (!isObject(json)) return fail('', 'is not an object');
  const str = (field: string): string => {
    const v = json[field];
    return typeof v === 'string' ? v : fail(field, 'is missing or not a string');
  };
  switch (json.type) {
    case 'Sequence': {
      const list = json.normalizers;
      if (!Array.isArray(list)) return fail('normalizers', 'is missing or not a list');
      return new SequenceNormalizer(list.map((n, i) => normalizerFromJson(n, `${where}.normalizers[${i}]`)));
    }
    case 'Replace': {
      const p = json.pattern;
      if (!isObject(p)) return fail('pattern', 'is missing or not an object');
      const content = str('content');
      if (typeof p.String === 'string') return new ReplaceNormalizer({ string: p.String }, content);
      if (typeof p.Regex === 'string') {
        try {
          return new ReplaceNormalizer({ regex: new RegExp(p.Regex, 'u') }, content);
        } catch {
          return fail('pattern.Regex', `${JSON.stringify(p.Regex)} is not a regular expression this runtime understands`);
        }
      }
      return fail('pattern', 'has neither a String nor a Regex');
    }
    case 'NFD': return new DecomposeNormalizer(false);
    case 'NFKD': return new DecomposeNormalizer(true);
    case 'StripAccents': return new StripAccentsNormalizer();
    case 'Lowercase': return new LowercaseNormalizer();
    case 'Strip': return new StripNormalizer(json.strip_left === true, json.strip_right === true);
    case 'Prepend': return new PrependNormalizer(str('prepend'));
    case 'Precompiled': {
      const cm = json.precompiled_charsmap;
      if (typeof cm !== 'string') return fail('precompiled_charsmap', 'is missing or not a base64 string');
      return new PrecompiledNormalizer(PrecompiledCharsmap.fromBase64(cm, `${where}.precompiled_charsmap`));
    }
    default:
      return fail('type', `${JSON.stringify(json.type)} is not a supported normalizer (Sequence, Replace, NFD, NFKD, StripAccents, Lowercase, Precompiled, Strip, Prepend)`);
  }
}
