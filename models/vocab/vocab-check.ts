/**
 * Checks a trained vocabulary on the data it was made for: every context and question tokenized,
 * the offsets of every token selecting the text it came from (and together covering every
 * non-space character), the two forms of the tokenizer (spiece.model and tokenizer.json) giving
 * identical ids and offsets, and how many tokens the contexts take — which decides whether they
 * fit the model's sequence length.
 */
import type { AlbertTokenizer, Encoding } from '../../engine/tokenizer/albert-tokenizer.ts';
import { albertPrepare } from './albert-text.ts';

export interface CheckItem {
  readonly context: string;
  readonly questions: readonly string[];
}

export interface LengthStats {
  readonly mean: number;
  readonly median: number;
  readonly p95: number;
  readonly max: number;
}

export interface VocabReport {
  readonly contexts: number;
  readonly questions: number;
  /** Tokens of each context alone (no [CLS]/[SEP]). */
  readonly contextTokens: LengthStats;
  /** [CLS] question [SEP] context [SEP] for each question. */
  readonly pairTokens: LengthStats;
  readonly unknownTokens: number;
  /** Tokens whose offsets do not select their text, or characters no token covers. */
  readonly offsetErrors: number;
  readonly firstOffsetError: string | null;
  /** Texts the second tokenizer encodes differently (ids or offsets). */
  readonly disagreements: number;
  readonly firstDisagreement: string | null;
}

function stats(xs: readonly number[]): LengthStats {
  if (xs.length === 0) return { mean: 0, median: 0, p95: 0, max: 0 };
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
  return { mean: s.reduce((a, b) => a + b, 0) / s.length, median: at(0.5), p95: at(0.95), max: s[s.length - 1] as number };
}

/** Offsets problems of one encoding of `text`: a description of the first, and how many. */
function offsetProblems(text: string, enc: Encoding, unkId: number): { count: number; first: string | null } {
  let count = 0;
  let first: string | null = null;
  const covered = new Uint8Array(text.length);
  const bad = (what: string): void => {
    count++;
    first ??= what;
  };
  enc.ids.forEach((id, i) => {
    const [s, e] = enc.offsets[i] as [number, number];
    for (let k = s; k < e; k++) covered[k] = 1;
    const core = (enc.tokens[i] ?? '').replace(/^\u2581/, '');
    if (id === unkId || core === '') return; // <unk> has no piece text; a lone ▁ points at the next character (as in HF)
    const source = text.slice(s, e);
    if (albertPrepare(source).normalize('NFKC') !== core.normalize('NFKC')) bad(`token ${JSON.stringify(enc.tokens[i])} has offsets ${s}..${e}, which select ${JSON.stringify(source)}`);
  });
  for (let k = 0; k < text.length; k++) {
    if (covered[k] === 0 && !/\s/.test(text[k] as string)) bad(`character ${k} (${JSON.stringify(text[k])}) of ${JSON.stringify(text.slice(Math.max(0, k - 20), k + 20))} is in no token`);
  }
  return { count, first };
}

const same = (a: Encoding, b: Encoding): boolean => JSON.stringify([a.ids, a.offsets]) === JSON.stringify([b.ids, b.offsets]);

/** `tok` on every item; `other` (the same vocabulary loaded from the other file), when given, must agree. */
export function checkVocab(tok: AlbertTokenizer, items: readonly CheckItem[], other?: AlbertTokenizer): VocabReport {
  const contextLengths: number[] = [];
  const pairLengths: number[] = [];
  let questions = 0, unknownTokens = 0, offsetErrors = 0, disagreements = 0;
  let firstOffsetError: string | null = null, firstDisagreement: string | null = null;
  const one = (text: string): Encoding => {
    const enc = tok.encodeWithoutSpecials(text);
    unknownTokens += enc.ids.filter((id) => id === tok.unkId).length;
    const p = offsetProblems(text, enc, tok.unkId);
    offsetErrors += p.count;
    firstOffsetError ??= p.first;
    if (other !== undefined && !same(enc, other.encodeWithoutSpecials(text))) {
      disagreements++;
      firstDisagreement ??= text.slice(0, 80);
    }
    return enc;
  };
  for (const item of items) {
    const c = one(item.context);
    contextLengths.push(c.ids.length);
    for (const q of item.questions) {
      questions++;
      pairLengths.push(one(q).ids.length + c.ids.length + tok.numSpecialTokensToAdd(true));
    }
  }
  return {
    contexts: items.length, questions, contextTokens: stats(contextLengths), pairTokens: stats(pairLengths),
    unknownTokens, offsetErrors, firstOffsetError, disagreements, firstDisagreement,
  };
}
