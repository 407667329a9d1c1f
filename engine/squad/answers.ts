/**
 * Answer extraction for extractive question answering: from the start/end logits of every feature
 * (window) of a question to its answer text, its n-best list and, for SQuAD 2.0, the null-score
 * difference. A port of Hugging Face transformers' `postprocess_qa_predictions`
 * (examples/pytorch/question-answering/utils_qa.py), proven equal to it by
 * test/fixtures/squad-answers/ (the function's own outputs).
 *
 * Logits are float32, as the model's; scores are float32 sums as numpy computes them
 * (`Math.fround`), so the ranking of candidates and the null-score difference are those of HF.
 */
import { EngineInputError } from '../errors.ts';
import { wholeWordSpan } from './answer-span.ts';

/** What answer extraction reads of one feature (engine/squad/features.ts gives more). */
export interface QaFeature {
  /** Index of the feature's question in the examples list. */
  readonly example_index: number;
  /** When present, must be the id of examples[example_index] (HF maps features by this id). */
  readonly example_id?: string;
  /** Character span in the context of each token; null outside the context (question, specials, padding). */
  readonly offset_mapping: readonly (readonly [number, number] | null)[];
}

/** What answer extraction reads of one question. */
export interface QaExample {
  readonly id: string;
  readonly context: string;
}

/** The model's output for one feature: one logit per token position. */
export interface QaLogits {
  readonly start: Float32Array;
  readonly end: Float32Array;
}

export interface AnswerOptions {
  /** SQuAD 2.0: the null answer ("") competes with the spans (HF version_2_with_negative, default false). */
  readonly versionTwoWithNegative?: boolean;
  /** Start and end positions tried per feature, and length of the n-best list (default 20). */
  readonly nBestSize?: number;
  /** Longest answer in tokens (default 30). */
  readonly maxAnswerLength?: number;
  /** Predict "" when null score − best span score exceeds this (default 0). */
  readonly nullScoreDiffThreshold?: number;
  /**
   * Answers as people should read them (default false, HF's behaviour): each candidate span widened
   * to whole words and trimmed of trailing punctuation (answer-span.ts), and no "empty" placeholder
   * (a question with no span candidate has no answer). The ranking and scores are unchanged.
   */
  readonly wholeWords?: boolean;
}

export interface NbestEntry {
  readonly text: string;
  /** Character span in the context; [0, 0] for the null answer, null for HF's "empty" placeholder. */
  readonly offsets: readonly [number, number] | null;
  /** start_logit + end_logit, as float32. */
  readonly score: number;
  readonly startLogit: number;
  readonly endLogit: number;
  /** Softmax of the scores over the n-best list. */
  readonly probability: number;
}

export interface ExampleAnswer {
  /** The predicted text; "" for "no answer" (SQuAD 2.0 only). */
  readonly text: string;
  /** null score − best non-null span score (SQuAD 2.0 only; HF's null_odds.json value). */
  readonly scoreDiff?: number;
  /** Candidates, best first. */
  readonly nbest: readonly NbestEntry[];
}

export interface QaPredictions {
  /** Question id → predicted text, in example order (HF predictions.json). */
  readonly predictions: Map<string, string>;
  /** Question id → score difference (HF null_odds.json); empty unless versionTwoWithNegative. */
  readonly scoreDiffs: Map<string, number>;
  /** Question id → n-best list (HF nbest_predictions.json). */
  readonly nbest: Map<string, readonly NbestEntry[]>;
}

/** One feature of one question: its token offsets and its logits. */
export interface FeatureLogits {
  readonly offsets: readonly (readonly [number, number] | null)[];
  readonly start: Float32Array;
  readonly end: Float32Array;
}

const f32 = Math.fround;

interface Candidate {
  readonly offsets: readonly [number, number];
  readonly score: number;
  readonly startLogit: number;
  readonly endLogit: number;
}

/**
 * Indexes of the `n` largest values, largest first: `np.argsort(x)[-1:-n-1:-1]`. Equal values come
 * highest index first, as the reverse of a stable ascending sort; numpy's default sort does not
 * promise an order for ties, so the fixtures have none.
 */
export function topIndexes(x: Float32Array, n: number): number[] {
  const idx = Array.from({ length: x.length }, (_, i) => i);
  idx.sort((a, b) => {
    const va = x[a] as number;
    const vb = x[b] as number;
    return va > vb ? -1 : va < vb ? 1 : b - a;
  });
  return idx.slice(0, Math.max(0, n));
}

function checkLogits(l: FeatureLogits, where: string): void {
  if (l.start.length === 0 || l.end.length !== l.start.length) {
    throw new EngineInputError(where, `start and end logits must be non-empty and of one length, got ${l.start.length} and ${l.end.length}`);
  }
  for (let i = 0; i < l.start.length; i++) {
    // numpy sorts NaN above every number; a NaN logit means a broken model, not an answer.
    if (Number.isNaN(l.start[i]) || Number.isNaN(l.end[i])) throw new EngineInputError(where, `NaN logit at position ${i}`);
  }
}

/**
 * The answer to one question from all its features (HF postprocess_qa_predictions, the body of
 * its loop over examples).
 */
export function extractAnswer(context: string, features: readonly FeatureLogits[], opts: AnswerOptions = {}, where = 'answer'): ExampleAnswer {
  const v2 = opts.versionTwoWithNegative ?? false;
  const nBest = opts.nBestSize ?? 20;
  const maxLen = opts.maxAnswerLength ?? 30;
  const threshold = opts.nullScoreDiffThreshold ?? 0.0;
  if (!Number.isSafeInteger(nBest) || nBest < 1) throw new RangeError(`nBestSize must be an integer ≥ 1, got ${nBest}`);
  if (!Number.isSafeInteger(maxLen) || maxLen < 1) throw new RangeError(`maxAnswerLength must be an integer ≥ 1, got ${maxLen}`);

  let minNull: Candidate | null = null;
  const prelim: Candidate[] = [];
  for (const [fi, feat] of features.entries()) {
    checkLogits(feat, `${where}: feature ${fi}`);
    const { start, end, offsets } = feat;
    // The null answer of an example is its least confident one over the features (HF: all
    // features must agree that there is no answer).
    const nullScore = f32((start[0] as number) + (end[0] as number));
    if (minNull === null || minNull.score > nullScore) {
      minNull = { offsets: [0, 0], score: nullScore, startLogit: start[0] as number, endLogit: end[0] as number };
    }
    const starts = topIndexes(start, nBest);
    const ends = topIndexes(end, nBest);
    for (const s of starts) {
      for (const e of ends) {
        const so = offsets[s];
        const eo = offsets[e];
        // Out of the context (question, [CLS]/[SEP], padding) or past the offsets.
        if (so === undefined || eo === undefined || so === null || eo === null) continue;
        if (e < s || e - s + 1 > maxLen) continue;
        prelim.push({ offsets: [so[0], eo[1]], score: f32((start[s] as number) + (end[e] as number)), startLogit: start[s] as number, endLogit: end[e] as number });
      }
    }
  }

  const nullPred = minNull;
  if (v2) {
    // HF fails here (None has no score) when a question has no feature.
    if (nullPred === null) throw new EngineInputError(where, 'the question has no feature');
    prelim.push(nullPred);
  }
  // Python's sorted(reverse=True) is stable: equal scores keep their order of discovery.
  const kept = prelim
    .map((c, i) => ({ c, i }))
    .sort((a, b) => (a.c.score > b.c.score ? -1 : a.c.score < b.c.score ? 1 : a.i - b.i))
    .slice(0, nBest)
    .map((x) => x.c);
  // Put the null answer back if it fell out of the n-best. HF looks for offsets (0, 0), which a
  // span can also have.
  if (v2 && nullPred !== null && !kept.some((p) => p.offsets[0] === 0 && p.offsets[1] === 0)) kept.push(nullPred);

  type Pending = { text: string; offsets: readonly [number, number] | null; score: number; startLogit: number; endLogit: number };
  const preds: Pending[] = kept.map((p) => {
    const offsets = opts.wholeWords === true && p.offsets[1] > p.offsets[0] ? wholeWordSpan(context, p.offsets) : p.offsets;
    return { ...p, offsets, text: context.slice(offsets[0], offsets[1]) };
  });
  // HF: "In the very rare edge case we have not a single non-null prediction, we create a fake
  // prediction to avoid failure." A person would read "empty" as the answer: not with wholeWords.
  if (opts.wholeWords !== true && (preds.length === 0 || (preds.length === 1 && preds[0]?.text === ''))) {
    preds.unshift({ text: 'empty', offsets: null, score: 0.0, startLogit: 0.0, endLogit: 0.0 });
  }

  // Softmax with the max subtracted (HF: "using the LogSumExp trick").
  let max = -Infinity;
  for (const p of preds) max = Math.max(max, p.score);
  const exps = preds.map((p) => Math.exp(p.score - max));
  let sum = 0;
  for (const x of exps) sum += x;
  const nbest: NbestEntry[] = preds.map((p, i) => ({ ...p, probability: (exps[i] as number) / sum }));

  if (!v2) return { text: nbest[0]?.text ?? '', nbest };
  // The best candidate with a non-empty text. HF raises IndexError when there is none (every
  // candidate an empty span); the null answer is the only sensible answer then.
  const best = nbest.find((p) => p.text !== '');
  const nullScore = nullPred === null ? 0 : nullPred.score;
  if (best === undefined) return { text: '', scoreDiff: Infinity, nbest };
  const scoreDiff = f32(f32(nullScore - best.startLogit) - best.endLogit);
  return { text: scoreDiff > threshold ? '' : best.text, scoreDiff, nbest };
}

/**
 * HF postprocess_qa_predictions over a data set: `features[i]` and `logits[i]` belong together,
 * each feature names its question by `example_index`; questions are answered in example order.
 */
export function postprocessQaPredictions(
  examples: readonly QaExample[],
  features: readonly QaFeature[],
  logits: readonly QaLogits[],
  opts: AnswerOptions = {},
): QaPredictions {
  if (logits.length !== features.length) throw new EngineInputError('logits', `got ${logits.length} logits for ${features.length} features`);
  const perExample: FeatureLogits[][] = examples.map(() => []);
  features.forEach((f, i) => {
    const list = perExample[f.example_index];
    if (!Number.isSafeInteger(f.example_index) || list === undefined) {
      throw new EngineInputError(`features[${i}].example_index`, `is ${f.example_index}, not an index into the ${examples.length} examples`);
    }
    const ex = examples[f.example_index] as QaExample;
    if (f.example_id !== undefined && f.example_id !== ex.id) {
      throw new EngineInputError(`features[${i}].example_id`, `is ${JSON.stringify(f.example_id)} but example ${f.example_index} is ${JSON.stringify(ex.id)}`);
    }
    const l = logits[i] as QaLogits;
    list.push({ offsets: f.offset_mapping, start: l.start, end: l.end });
  });
  const predictions = new Map<string, string>();
  const scoreDiffs = new Map<string, number>();
  const nbest = new Map<string, readonly NbestEntry[]>();
  examples.forEach((ex, i) => {
    const a = extractAnswer(ex.context, perExample[i] as FeatureLogits[], opts, `example ${JSON.stringify(ex.id)}`);
    predictions.set(ex.id, a.text);
    if (a.scoreDiff !== undefined) scoreDiffs.set(ex.id, a.scoreDiff);
    nbest.set(ex.id, a.nbest);
  });
  return { predictions, scoreDiffs, nbest };
}
