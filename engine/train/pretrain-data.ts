/**
 * Pretraining examples as ALBERT builds them (Lan et al. 2020 §3–4.1; the layout of BERT's
 * create_pretraining_data): [CLS] A [SEP] B [SEP] with token types 0 … 0 1 … 1, where A and B are
 * two consecutive segments of one document — consecutive sentences up to the target length, cut at
 * a random sentence boundary — swapped half of the time for sentence-order prediction (label 1).
 * The target length is max_seq_length − 3, and 10% of the time a random shorter one (BERT's
 * short_seq_prob), so the model also sees short inputs. A chunk of one sentence (many dictionary
 * entries are one) is cut at a random word instead: the order of its halves is still a question
 * of syntax. A pair too long is trimmed at A's start and B's end, keeping the boundary between them
 * — what SOP is about — intact.
 *
 * Examples are drawn, not enumerated: the example of (seed, step, slot) picks a document with
 * probability proportional to its length in characters and a start sentence uniformly, so a run
 * of any length resumes exactly and never needs the whole corpus tokenized at once (sentences are
 * tokenized when first drawn and cached).
 */
import type { AlbertTokenizer } from '../tokenizer/albert-tokenizer.ts';
import { Random } from '../random.ts';

/** A document as the sampler sees it: its sentences, tokenized on first use. */
export interface PretrainDocument {
  readonly sentences: readonly string[];
  /** Characters in all sentences: the sampling weight. */
  readonly chars: number;
}

export interface PretrainExample {
  readonly ids: Int32Array;
  readonly typeIds: Int32Array;
  /** True for [CLS] and [SEP]. */
  readonly special: Uint8Array;
  /** True where a word begins (a piece starting with "▁"). */
  readonly wordStart: Uint8Array;
  /** 0: A then B as in the document; 1: swapped. */
  readonly sopLabel: number;
}

export interface ExampleOptions {
  readonly maxSeqLength: number;
  /** BERT's short_seq_prob (0.1). */
  readonly shortSeqProb: number;
}

/** Documents whose sentences are tokenized to ids, with the "starts a word" flag of each token, when first drawn. */
export class TokenizedCorpus {
  readonly documents: readonly PretrainDocument[];
  private readonly cumulative: Float64Array;
  private readonly cache = new Map<number, ({ ids: Int32Array; wordStart: Uint8Array } | undefined)[]>();
  private readonly cacheLimit: number;

  constructor(readonly tokenizer: AlbertTokenizer, documents: readonly PretrainDocument[], cacheLimit = 50_000) {
    const usable = documents.filter((d) => d.sentences.length > 0 && d.chars > 0);
    if (usable.length === 0) throw new RangeError('the corpus has no text');
    this.documents = usable;
    this.cumulative = new Float64Array(usable.length);
    let c = 0;
    usable.forEach((d, i) => { c += d.chars; this.cumulative[i] = c; });
    this.cacheLimit = cacheLimit;
  }

  /** The document at uniform u ∈ [0, 1) of the character mass. */
  pick(u: number): number {
    const x = u * this.cumulative[this.cumulative.length - 1]!;
    let lo = 0, hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid]! > x) hi = mid; else lo = mid + 1;
    }
    return lo;
  }

  /** Sentences in document `doc`. */
  sentenceCount(doc: number): number {
    return this.documents[doc]!.sentences.length;
  }

  /**
   * Sentence `i` of document `doc`, tokenized on first use: only the sentences an example takes
   * are tokenized (an address has hundreds; an example takes a handful).
   */
  sentence(doc: number, i: number): { ids: Int32Array; wordStart: Uint8Array } {
    let s = this.cache.get(doc);
    if (s === undefined) {
      if (this.cache.size >= this.cacheLimit) this.cache.clear(); // bounded memory; results do not depend on it
      s = new Array(this.documents[doc]!.sentences.length);
      this.cache.set(doc, s);
    }
    let t = s[i];
    if (t === undefined) {
      const enc = this.tokenizer.encodeWithoutSpecials(this.documents[doc]!.sentences[i]!);
      t = { ids: Int32Array.from(enc.ids), wordStart: Uint8Array.from(enc.tokens, (x) => (x.startsWith('\u2581') ? 1 : 0)) };
      s[i] = t;
    }
    return t;
  }
}

function concat(parts: readonly { ids: Int32Array; wordStart: Uint8Array }[]): { ids: number[]; wordStart: number[] } {
  const ids: number[] = [], wordStart: number[] = [];
  for (const p of parts) { ids.push(...p.ids); wordStart.push(...p.wordStart); }
  return { ids, wordStart };
}

/** One example drawn with `rnd`; null when the drawn document has no tokens (the caller draws again). */
export function drawExample(corpus: TokenizedCorpus, rnd: Random, clsId: number, sepId: number, o: ExampleOptions): PretrainExample | null {
  const maxTokens = o.maxSeqLength - 3;
  const target = rnd.next() < o.shortSeqProb ? 2 + rnd.int(Math.max(1, maxTokens - 1)) : maxTokens;
  const doc = corpus.pick(rnd.next());
  const count = corpus.sentenceCount(doc);
  const start = rnd.int(Math.max(1, count - 1));
  const chunk: { ids: Int32Array; wordStart: Uint8Array }[] = [];
  let len = 0;
  for (let i = start; i < count && (len < target || chunk.length < 2); i++) {
    const s = corpus.sentence(doc, i);
    if (s.ids.length === 0) continue;
    chunk.push(s);
    len += s.ids.length;
  }
  if (chunk.length === 0) return null;
  let a: { ids: number[]; wordStart: number[] }, b: { ids: number[]; wordStart: number[] };
  if (chunk.length >= 2) {
    const cut = 1 + rnd.int(chunk.length - 1);
    a = concat(chunk.slice(0, cut));
    b = concat(chunk.slice(cut));
  } else {
    const one = concat(chunk);
    const starts: number[] = [];
    for (let i = 1; i < one.ids.length; i++) if (one.wordStart[i]) starts.push(i);
    if (starts.length === 0) return null; // one word: no order to predict
    const cut = starts[rnd.int(starts.length)]!;
    a = { ids: one.ids.slice(0, cut), wordStart: one.wordStart.slice(0, cut) };
    b = { ids: one.ids.slice(cut), wordStart: one.wordStart.slice(cut) };
  }
  while (a.ids.length + b.ids.length > target) {
    if (a.ids.length > b.ids.length) { a.ids.shift(); a.wordStart.shift(); } else { b.ids.pop(); b.wordStart.pop(); }
  }
  if (a.ids.length === 0 || b.ids.length === 0) return null;
  const sopLabel = rnd.next() < 0.5 ? 1 : 0;
  if (sopLabel === 1) [a, b] = [b, a];
  const n = a.ids.length + b.ids.length + 3;
  const ids = new Int32Array(n), typeIds = new Int32Array(n), special = new Uint8Array(n), wordStart = new Uint8Array(n);
  let k = 0;
  const put = (id: number, type: number, sp: number, ws: number): void => { ids[k] = id; typeIds[k] = type; special[k] = sp; wordStart[k] = ws; k++; };
  put(clsId, 0, 1, 1);
  a.ids.forEach((id, i) => put(id, 0, 0, a.wordStart[i]!));
  put(sepId, 0, 1, 1);
  b.ids.forEach((id, i) => put(id, 1, 0, i === 0 ? 1 : b.wordStart[i]!));
  put(sepId, 1, 1, 1);
  return { ids, typeIds, special, wordStart, sopLabel };
}

/** A seed for the random stream of (seed, step): steps are independent, so a run resumes exactly. */
export function stepSeed(seed: number, step: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(step >>> 0, 0x85ebca77) ^ 0x27d4eb2f) >>> 0;
}
