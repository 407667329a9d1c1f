/**
 * The tokenizer.json `pre_tokenizer` (HF tokenizers pre_tokenizers/*.rs): splits a normalized
 * piece into words, each still aligned to the original text. Empty pieces are dropped, as HF's
 * `PreTokenizedString::split` drops them.
 *
 * Supported: Sequence, WhitespaceSplit, Metaspace (prepend_scheme always/first/never, split, and
 * the older add_prefix_space form). ALBERT uses Sequence[WhitespaceSplit, Metaspace(▁, always)].
 */
import type { NormalizedString } from './_normalized-string.ts';
import { isRustWhitespace } from './_unicode.ts';
import { TokenizerError } from './errors.ts';

export interface PreTokenizer {
  split(ns: NormalizedString): NormalizedString[];
}

export class SequencePreTokenizer implements PreTokenizer {
  constructor(readonly steps: readonly PreTokenizer[]) {}
  split(ns: NormalizedString): NormalizedString[] {
    let pieces = [ns];
    for (const step of this.steps) pieces = pieces.flatMap((p) => step.split(p));
    return pieces;
  }
}

/** HF pre_tokenizers/whitespace.rs `WhitespaceSplit`: runs of non-whitespace (Rust `char::is_whitespace`). */
export class WhitespaceSplit implements PreTokenizer {
  split(ns: NormalizedString): NormalizedString[] {
    const out: NormalizedString[] = [];
    const cps = ns.cps;
    let start = -1;
    for (let i = 0; i <= cps.length; i++) {
      const ws = i === cps.length || isRustWhitespace(cps[i] as number);
      if (ws && start >= 0) {
        out.push(ns.slice(start, i));
        start = -1;
      } else if (!ws && start < 0) start = i;
    }
    return out;
  }
}

export type PrependScheme = 'always' | 'first' | 'never';

/**
 * HF pre_tokenizers/metaspace.rs: spaces become the replacement (▁), the replacement is prepended
 * unless the piece already starts with it (`first`: only to the piece at original offset 0), then
 * the piece is split before every replacement char (SplitDelimiterBehavior::MergedWithNext).
 */
export class Metaspace implements PreTokenizer {
  readonly #rep: number;
  constructor(replacement: string, readonly prependScheme: PrependScheme, readonly splitWords: boolean) {
    this.#rep = replacement.codePointAt(0) as number;
  }

  split(ns: NormalizedString): NormalizedString[] {
    const rep = this.#rep;
    const spaces: [number, number][] = [];
    ns.cps.forEach((cp, i) => { if (cp === 0x20) spaces.push([i, i + 1]); });
    ns.replaceRanges(spaces, [rep]);
    if (ns.length > 0 && ns.cps[0] !== rep
      && (this.prependScheme === 'always' || (this.prependScheme === 'first' && ns.shift === 0))) {
      ns.prepend([rep]);
    }
    if (!this.splitWords) return ns.length > 0 ? [ns] : [];
    const out: NormalizedString[] = [];
    let start = 0;
    for (let i = 1; i <= ns.length; i++) {
      if (i === ns.length || ns.cps[i] === rep) {
        out.push(ns.slice(start, i));
        start = i;
      }
    }
    return out;
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/** Builds the pre-tokenizer a tokenizer.json `pre_tokenizer` object describes. */
export function preTokenizerFromJson(json: unknown, where: string): PreTokenizer {
  const fail = (field: string, problem: string): never => {
    throw new TokenizerError(field === '' ? where : `${where}.${field}`, problem);
  };
  if (!isObject(json)) return fail('', 'is not an object');
  switch (json.type) {
    case 'Sequence': {
      const list = json.pretokenizers;
      if (!Array.isArray(list)) return fail('pretokenizers', 'is missing or not a list');
      return new SequencePreTokenizer(list.map((p, i) => preTokenizerFromJson(p, `${where}.pretokenizers[${i}]`)));
    }
    case 'WhitespaceSplit':
      return new WhitespaceSplit();
    case 'Metaspace': {
      const rep = json.replacement;
      if (typeof rep !== 'string' || [...rep].length !== 1) return fail('replacement', 'is missing or not one character');
      let scheme: PrependScheme;
      if (json.prepend_scheme === undefined) scheme = json.add_prefix_space === false ? 'never' : 'always';
      else if (json.prepend_scheme === 'always' || json.prepend_scheme === 'first' || json.prepend_scheme === 'never') scheme = json.prepend_scheme;
      else return fail('prepend_scheme', `is ${JSON.stringify(json.prepend_scheme)}, not "always", "first" or "never"`);
      return new Metaspace(rep, scheme, json.split !== false);
    }
    default:
      return fail('type', `${JSON.stringify(json.type)} is not a supported pre-tokenizer (Sequence, WhitespaceSplit, Metaspace)`);
  }
}
