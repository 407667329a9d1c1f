/**
 * HF tokenizers tokenizer/added_vocabulary.rs: tokens such as [CLS] or <pad> that are cut out of
 * the text before the model sees it. Tokens with `normalized: false` are matched in the original
 * text, the others in the normalized text; matching is leftmost-longest (aho-corasick
 * MatchKind::LeftmostLongest), honouring `single_word`, `lstrip` and `rstrip`.
 */
import type { Normalizer } from './normalizer.ts';
import { NormalizedString } from './_normalized-string.ts';
import { isRustWhitespace } from './_unicode.ts';

export interface AddedToken {
  readonly id: number;
  readonly content: string;
  readonly singleWord: boolean;
  readonly lstrip: boolean;
  readonly rstrip: boolean;
  readonly normalized: boolean;
  readonly special: boolean;
}

/** A piece of text: [start, end) in its own units, with the added token's id if it is one. */
export interface Split {
  readonly start: number;
  readonly end: number;
  readonly id: number | null;
}

// Rust regex \w (Unicode): Alphabetic, marks, decimal numbers, connector punctuation, joiners.
const WORD = /[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]/u;

interface Pattern {
  readonly units: readonly number[];
  readonly token: AddedToken;
}

/** Leftmost-longest matches of `patterns` in `units` with HF's single_word/lstrip/rstrip rules. */
function findSplits(units: readonly number[], patterns: readonly Pattern[], isSpace: (u: number) => boolean, isWord: (u: number) => boolean): Split[] {
  const splits: Split[] = [];
  if (patterns.length === 0 || units.length === 0) return [{ start: 0, end: units.length, id: null }];
  const firsts = new Set(patterns.map((p) => p.units[0]));
  let done = 0;
  for (let i = 0; i < units.length; i++) {
    if (!firsts.has(units[i] as number)) continue;
    let best: Pattern | null = null;
    for (const p of patterns) {
      if (best !== null && p.units.length <= best.units.length) continue;
      let k = 0;
      while (k < p.units.length && units[i + k] === p.units[k]) k++;
      if (k === p.units.length && k > 0) best = p;
    }
    if (best === null) continue;
    let start = i;
    let stop = i + best.units.length;
    i = stop - 1; // matches never overlap
    const t = best.token;
    if (t.singleWord) {
      const before = start > 0 && isWord(units[start - 1] as number);
      const after = stop < units.length && isWord(units[stop] as number);
      if (before || after) continue;
    }
    if (t.lstrip) {
      while (start > done && isSpace(units[start - 1] as number)) start--;
    }
    if (t.rstrip) {
      while (stop < units.length && isSpace(units[stop] as number)) stop++;
      i = stop - 1;
    }
    if (done < start) splits.push({ start: done, end: start, id: null });
    splits.push({ start, end: stop, id: t.id });
    done = stop;
  }
  if (done < units.length) splits.push({ start: done, end: units.length, id: null });
  return splits;
}

export class AddedVocabulary {
  readonly tokens: readonly AddedToken[];
  readonly #raw: Pattern[];
  readonly #normalized: Pattern[];
  readonly #byContent = new Map<string, number>();
  readonly #byId = new Map<number, string>();

  constructor(tokens: readonly AddedToken[], normalizer: Normalizer | null) {
    this.tokens = tokens;
    for (const t of tokens) {
      this.#byContent.set(t.content, t.id);
      this.#byId.set(t.id, t.content);
    }
    const live = tokens.filter((t) => t.content !== '');
    // Original text is matched in UTF-16 units (same matches as HF's bytes for well-formed text).
    this.#raw = live.filter((t) => !t.normalized).map((t) => ({ units: utf16Units(t.content), token: t }));
    this.#normalized = live.filter((t) => t.normalized).map((t) => {
      const ns = NormalizedString.fromOriginal(t.content, 0, t.content.length);
      normalizer?.normalize(ns);
      return { units: ns.cps, token: t };
    });
  }

  tokenToId(content: string): number | undefined {
    return this.#byContent.get(content);
  }

  idToToken(id: number): string | undefined {
    return this.#byId.get(id);
  }

  /** Splits `text` around the non-normalized added tokens; offsets are UTF-16 indices. */
  splitOriginal(text: string): Split[] {
    if (!this.#raw.some((p) => text.includes(p.token.content))) return [{ start: 0, end: text.length, id: null }];
    return findSplits(utf16Units(text), this.#raw,
      (u) => isRustWhitespace(u),
      (u) => WORD.test(String.fromCharCode(u)));
  }

  /** Splits a normalized piece around the normalized added tokens; offsets are code point indices of `ns`. */
  splitNormalized(ns: NormalizedString): Split[] {
    if (this.#normalized.length === 0) return [{ start: 0, end: ns.length, id: null }];
    return findSplits(ns.cps, this.#normalized, isRustWhitespace, (cp) => WORD.test(String.fromCodePoint(cp)));
  }
}

function utf16Units(s: string): number[] {
  const out = new Array<number>(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
