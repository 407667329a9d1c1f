/**
 * Masked-language-model inputs as ALBERT makes them (Lan et al. 2020, §4.1; BERT, Devlin et al.
 * 2019, §3.1 and Appendix A.1): about 15% of the tokens of a sequence are chosen for prediction;
 * each chosen token is replaced by [MASK] 80% of the time, by a random token 10%, and kept 10%
 * (decided per token, as BERT's create_pretraining_data does).
 *
 * Chosen in whole words, in n-grams of words (ALBERT §4.1, after SpanBERT): a word is a piece that
 * starts with "▁" and the pieces after it that do not, so "▁govern ment" is masked whole; an n-gram
 * is n consecutive words with n ≤ 3 drawn with p(n) = (1/n) / Σ_{k≤3} 1/k (6/11, 3/11, 2/11).
 * N-grams are tried in a random order until the budget of round(15% of the maskable tokens), at
 * most `maxPredictions`, is spent; one that would overshoot it falls back to its first word, and is
 * skipped if even that does not fit. [CLS], [SEP] and padding are never chosen.
 */
import type { Random } from '../random.ts';

export interface MaskingOptions {
  /** The [MASK] token's id. */
  readonly maskId: number;
  readonly vocabSize: number;
  /** Random replacements are drawn from [firstNormalId, vocabSize): no <pad>, <unk> or control tokens. */
  readonly firstNormalId: number;
  /** Share of tokens to predict (ALBERT: 0.15). */
  readonly probability: number;
  /** At most this many predictions per sequence (ALBERT: 20 at sequence 128). */
  readonly maxPredictions: number;
  /** Longest n-gram of words (ALBERT: 3); 1 gives whole-word masking. */
  readonly maxNgram: number;
}

export interface MaskedTokens {
  /** The input with the chosen tokens replaced. */
  readonly inputIds: Int32Array;
  /** Positions chosen for prediction, ascending. */
  readonly positions: number[];
  /** The original token at each position. */
  readonly labels: number[];
}

/** p(n) ∝ 1/n for n = 1 … max: the cumulative distribution. */
function ngramCdf(max: number): number[] {
  const w = Array.from({ length: max }, (_, i) => 1 / (i + 1));
  const z = w.reduce((a, b) => a + b, 0);
  let c = 0;
  return w.map((x) => (c += x / z));
}

/**
 * Masks `ids`. `maskable[i]` is false for [CLS], [SEP] and padding; `wordStart[i]` is true where a
 * new word begins (a piece with "▁", or the first piece after a non-maskable token).
 */
export function maskTokens(ids: ArrayLike<number>, maskable: ArrayLike<boolean>, wordStart: ArrayLike<boolean>, rnd: Random, o: MaskingOptions): MaskedTokens {
  const n = ids.length;
  // Words: runs of maskable tokens, each starting at a word start or after a non-maskable token.
  const words: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    if (!maskable[i]) continue;
    if (wordStart[i] || i === 0 || !maskable[i - 1] || words.length === 0) words.push([i, i + 1]);
    else words[words.length - 1]![1] = i + 1;
  }
  let candidates = 0;
  for (const [s, e] of words) candidates += e - s;
  const budget = Math.min(o.maxPredictions, Math.max(1, Math.round(candidates * o.probability)));
  const cdf = ngramCdf(o.maxNgram);
  const order = rnd.shuffle(words.map((_, i) => i));
  const covered = new Uint8Array(words.length);
  const chosen: number[] = [];
  for (const w of order) {
    if (chosen.length >= budget) break;
    if (covered[w]) continue;
    const u = rnd.next();
    let len = 1;
    while (len < o.maxNgram && u >= cdf[len - 1]!) len++;
    // The n-gram runs from word w over the next len − 1 words, if they are adjacent and free.
    const span: number[] = [w];
    for (let k = 1; k < len && w + k < words.length && !covered[w + k] && words[w + k]![0] === words[w + k - 1]![1]; k++) span.push(w + k);
    let tokens = span.reduce((a, x) => a + words[x]![1] - words[x]![0], 0);
    if (chosen.length + tokens > budget) { span.length = 1; tokens = words[w]![1] - words[w]![0]; }
    if (chosen.length + tokens > budget) continue;
    for (const x of span) {
      covered[x] = 1;
      for (let i = words[x]![0]; i < words[x]![1]; i++) chosen.push(i);
    }
  }
  chosen.sort((a, b) => a - b);
  const inputIds = Int32Array.from(ids);
  const labels: number[] = [];
  for (const i of chosen) {
    labels.push(ids[i]!);
    const u = rnd.next();
    if (u < 0.8) inputIds[i] = o.maskId;
    else if (u < 0.9) inputIds[i] = o.firstNormalId + rnd.int(o.vocabSize - o.firstNormalId);
  }
  return { inputIds, positions: chosen, labels };
}
