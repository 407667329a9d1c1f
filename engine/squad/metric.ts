/**
 * The official SQuAD 2.0 metric: exact match and F1, with the no-answer threshold and the best
 * threshold search, ported function by function from "Official evaluation script for SQuAD
 * version 2.0" (evaluate-v2.0.py, CodaLab bundle 0x6b567e1cf2e041ec80d7098f031c5c9e).
 *
 * Every function keeps the script's name (in camelCase), its iteration order and its float
 * arithmetic order, so the numbers agree with the script's to the last bit on Python ≤ 3.11 (3.12
 * made `sum()` of floats compensated; the difference is below 1e-12 here). Where Python's string
 * semantics differ from JavaScript's (`str.split()`, `\b`, `str.lower()`), Python's are used.
 * The fixtures under test/fixtures/squad-eval/ are the script's own outputs.
 */
import { ElmaError } from '../errors.ts';
import type { SquadExample } from './dataset.ts';

/** Predictions or predictions the evaluation cannot use (missing, wrong type, no questions). */
export class SquadEvalError extends ElmaError {}

/** The script prints `Missing prediction for <qid>` for each and then fails (KeyError in make_eval_dict). */
export class MissingPredictionsError extends SquadEvalError {
  readonly qids: readonly string[];
  constructor(where: string, qids: readonly string[]) {
    const shown = qids.slice(0, 5).join(', ') + (qids.length > 5 ? ', ...' : '');
    super(where, `no prediction for ${qids.length} question(s): ${shown}`);
    this.qids = qids;
  }
}

/** Question id → predicted answer text ('' = no answer). */
export type SquadPredictions = ReadonlyMap<string, string> | Readonly<Record<string, string>>;
/** Question id → probability of no answer; iteration order matters for ties (see findBestThresh). */
export type NaProbs = ReadonlyMap<string, number> | Readonly<Record<string, number>>;

/**
 * The dict the script prints, keys in the script's insertion order. HasAns_* only when the data
 * has answerable questions, NoAns_* only when it has unanswerable ones, best_* only when a
 * na-prob file was given (evaluate-v2.0.py main).
 */
export interface SquadV2Eval {
  readonly exact: number;
  readonly f1: number;
  readonly total: number;
  readonly HasAns_exact?: number;
  readonly HasAns_f1?: number;
  readonly HasAns_total?: number;
  readonly NoAns_exact?: number;
  readonly NoAns_f1?: number;
  readonly NoAns_total?: number;
  readonly best_exact?: number;
  readonly best_exact_thresh?: number;
  readonly best_f1?: number;
  readonly best_f1_thresh?: number;
}

// Python's string.punctuation (the ASCII punctuation characters).
const PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');

// Python 3 str.split() with no argument splits on the characters for which str.isspace() is true
// (bidi class WS/B/S or category Zs): JavaScript's \s lacks U+001C..U+001F and U+0085 and adds
// U+FEFF, so the set is spelled out (listed by CPython 3.11, Unicode 14).
const PY_WHITESPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const SPLIT_RE = new RegExp(`[${PY_WHITESPACE}]+`, 'u');

// Python 3 re `\b(a|an|the)\b` on str: \w is str.isalnum() or '_', i.e. letters (L*) and
// characters with a numeric value (N*); marks are not word characters. Checked against CPython
// for every code point assigned in Unicode 14 (test/engine/squad-metric.test.ts).
const ARTICLES_RE = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;

/** Python `s.split()`: split on runs of whitespace, no empty strings. */
export function pySplit(s: string): string[] {
  return s.split(SPLIT_RE).filter((t) => t !== '');
}

/** Lower text and remove punctuation, articles and extra whitespace (normalize_answer). */
export function normalizeAnswer(s: string): string {
  // lower: String.prototype.toLowerCase follows the same Unicode full case mapping (final sigma
  // included) as Python's str.lower().
  const lower = s.toLowerCase();
  let noPunc = '';
  for (const ch of lower) if (!PUNCTUATION.has(ch)) noPunc += ch;
  const noArticles = noPunc.replace(ARTICLES_RE, ' ');
  return pySplit(noArticles).join(' ');
}

/** get_tokens: no tokens for the empty string, else the normalized text split on whitespace. */
export function getTokens(s: string): string[] {
  if (s === '') return [];
  return pySplit(normalizeAnswer(s));
}

/** compute_exact: 1 if the normalized texts are equal, else 0. */
export function computeExact(aGold: string, aPred: string): number {
  return normalizeAnswer(aGold) === normalizeAnswer(aPred) ? 1 : 0;
}

/** compute_f1: token-overlap F1 of the bags of normalized tokens (Counter intersection). */
export function computeF1(aGold: string, aPred: string): number {
  const goldToks = getTokens(aGold);
  const predToks = getTokens(aPred);
  const goldCounts = new Map<string, number>();
  for (const t of goldToks) goldCounts.set(t, (goldCounts.get(t) ?? 0) + 1);
  const predCounts = new Map<string, number>();
  for (const t of predToks) predCounts.set(t, (predCounts.get(t) ?? 0) + 1);
  let numSame = 0;
  for (const [t, n] of goldCounts) numSame += Math.min(n, predCounts.get(t) ?? 0);
  if (goldToks.length === 0 || predToks.length === 0) {
    // If either is no-answer, then F1 is 1 if they agree, 0 otherwise (the script's comment):
    // both empty is the only way to agree here.
    return goldToks.length === predToks.length ? 1 : 0;
  }
  if (numSame === 0) return 0;
  const precision = (1.0 * numSame) / predToks.length;
  const recall = (1.0 * numSame) / goldToks.length;
  return (2 * precision * recall) / (precision + recall);
}

function asMap<V>(m: ReadonlyMap<string, V> | Readonly<Record<string, V>>): ReadonlyMap<string, V> {
  return m instanceof Map ? m : new Map(Object.entries(m as Readonly<Record<string, V>>));
}

/** make_qid_to_has_ans: question id → whether it has gold answers, in data order. */
export function makeQidToHasAns(examples: readonly SquadExample[]): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const ex of examples) out.set(ex.id, ex.answers.length > 0);
  return out;
}

export interface RawScores {
  /** qid → 0/1, in data order, only for questions that have a prediction. */
  readonly exact: Map<string, number>;
  /** qid → F1 in [0, 1], same keys and order. */
  readonly f1: Map<string, number>;
  /** Questions without a prediction, in data order (the script prints one line for each). */
  readonly missing: string[];
}

/** get_raw_scores: per-question exact and F1, the maximum over the gold answers. */
export function getRawScores(examples: readonly SquadExample[], predictions: SquadPredictions): RawScores {
  const preds = asMap(predictions);
  const exact = new Map<string, number>();
  const f1 = new Map<string, number>();
  const missing: string[] = [];
  for (const ex of examples) {
    let gold = ex.answers.map((a) => a.text).filter((t) => normalizeAnswer(t) !== '');
    // For unanswerable questions, only correct answer is empty string (the script's comment).
    if (gold.length === 0) gold = [''];
    const pred = preds.get(ex.id);
    if (pred === undefined) {
      missing.push(ex.id);
      continue;
    }
    exact.set(ex.id, Math.max(...gold.map((a) => computeExact(a, pred))));
    f1.set(ex.id, Math.max(...gold.map((a) => computeF1(a, pred))));
  }
  return { exact, f1, missing };
}

function naProbOf(naProbs: ReadonlyMap<string, number>, qid: string): number {
  const p = naProbs.get(qid);
  // The script fails with KeyError here.
  if (p === undefined) throw new SquadEvalError('na-probs', `no no-answer probability for question ${JSON.stringify(qid)}`);
  return p;
}

/** apply_no_ans_threshold: where na_prob > threshold the question counts as answered "no answer". */
export function applyNoAnsThreshold(
  scores: ReadonlyMap<string, number>,
  naProbs: NaProbs,
  qidToHasAns: ReadonlyMap<string, boolean>,
  naProbThresh: number,
): Map<string, number> {
  const probs = asMap(naProbs);
  const out = new Map<string, number>();
  for (const [qid, s] of scores) {
    const predNa = naProbOf(probs, qid) > naProbThresh;
    out.set(qid, predNa ? (qidToHasAns.get(qid) === true ? 0.0 : 1.0) : s);
  }
  return out;
}

export interface EvalDict {
  exact: number;
  f1: number;
  total: number;
}

/** make_eval_dict: percentages over all scored questions, or over `qidList` when it is non-empty. */
export function makeEvalDict(
  exactScores: ReadonlyMap<string, number>,
  f1Scores: ReadonlyMap<string, number>,
  qidList?: readonly string[],
): EvalDict {
  // Python's sum(): left to right from 0.
  let sumExact = 0;
  let sumF1 = 0;
  let total: number;
  if (qidList === undefined || qidList.length === 0) {
    total = exactScores.size;
    for (const v of exactScores.values()) sumExact += v;
    for (const v of f1Scores.values()) sumF1 += v;
  } else {
    total = qidList.length;
    for (const k of qidList) {
      const e = exactScores.get(k);
      const f = f1Scores.get(k);
      // KeyError in the script: a question of the data set has no score.
      if (e === undefined || f === undefined) throw new SquadEvalError('predictions', `no score for question ${JSON.stringify(k)}`);
      sumExact += e;
      sumF1 += f;
    }
  }
  // ZeroDivisionError in the script.
  if (total === 0) throw new SquadEvalError('predictions', 'no question to score');
  return { exact: (100.0 * sumExact) / total, f1: (100.0 * sumF1) / total, total };
}

/** merge_eval: copy `newEval` into `mainEval` as `<prefix>_<key>`, in order. */
export function mergeEval(mainEval: Record<string, number>, newEval: Readonly<Record<string, number>>, prefix: string): void {
  for (const k of Object.keys(newEval)) mainEval[`${prefix}_${k}`] = newEval[k] as number;
}

export interface BestThresh {
  /** Best score over thresholds, in percent of the scored questions. */
  readonly score: number;
  /** The na-prob at which it is reached; 0.0 when no threshold beats answering everything "no answer". */
  readonly thresh: number;
  /** The question whose na-prob is `thresh`, or null for the default 0.0. */
  readonly qid: string | null;
}

/**
 * find_best_thresh: start from "every question answered no-answer" and lower the bar one
 * question at a time, in order of increasing na-prob. The sort is stable (Python's sorted), so
 * questions with equal na-probs are taken in the order of `naProbs`, and a new best is kept only
 * when strictly greater: both decide the result when na-probs tie.
 */
export function findBestThresh(
  predictions: SquadPredictions,
  scores: ReadonlyMap<string, number>,
  naProbs: NaProbs,
  qidToHasAns: ReadonlyMap<string, boolean>,
): BestThresh {
  const preds = asMap(predictions);
  const probs = asMap(naProbs);
  let numNoAns = 0;
  for (const has of qidToHasAns.values()) if (!has) numNoAns++;
  let curScore = numNoAns;
  let bestScore = curScore;
  let bestThresh = 0.0;
  let bestQid: string | null = null;
  const qidList = [...probs.keys()].sort((a, b) => {
    const pa = probs.get(a) as number;
    const pb = probs.get(b) as number;
    return pa < pb ? -1 : pa > pb ? 1 : 0;
  });
  for (const qid of qidList) {
    const s = scores.get(qid);
    if (s === undefined) continue;
    let diff: number;
    if (qidToHasAns.get(qid) === true) diff = s;
    else diff = (preds.get(qid) ?? '') !== '' ? -1 : 0;
    curScore += diff;
    if (curScore > bestScore) {
      bestScore = curScore;
      bestThresh = probs.get(qid) as number;
      bestQid = qid;
    }
  }
  return { score: (100.0 * bestScore) / scores.size, thresh: bestThresh, qid: bestQid };
}

export interface EvaluateOptions {
  /** Question id → probability of no answer (the script's --na-prob-file); enables the best_* keys. */
  readonly naProbs?: NaProbs;
  /** --na-prob-thresh (default 1.0): predict "" where the no-answer probability exceeds it. */
  readonly naProbThresh?: number;
  /**
   * Questions whose na-prob was written as a JSON integer (e.g. `1`, not `1.0`): Python keeps it
   * an int, and a best threshold taken from one prints without ".0". Only matters for printing.
   */
  readonly naProbIntQids?: ReadonlySet<string>;
}

export interface SquadV2Result {
  readonly eval: SquadV2Eval;
  /** Keys whose value Python holds as an int, so that json.dumps prints them without ".0". */
  readonly intKeys: ReadonlySet<string>;
}

/**
 * The whole script (evaluate-v2.0.py main, without the plots): raw scores, threshold, overall /
 * HasAns / NoAns dicts, and the best thresholds when na-probs are given. Throws
 * MissingPredictionsError when a question has no prediction, where the script fails too.
 */
export function evaluateSquadV2(
  examples: readonly SquadExample[],
  predictions: SquadPredictions,
  opts: EvaluateOptions = {},
): SquadV2Result {
  const preds = asMap(predictions);
  // Without a na-prob file the script uses 0.0 for every prediction.
  const naProbs = opts.naProbs === undefined ? new Map([...preds.keys()].map((k) => [k, 0.0] as const)) : asMap(opts.naProbs);
  const thresh = opts.naProbThresh ?? 1.0;
  const qidToHasAns = makeQidToHasAns(examples);
  const hasAnsQids = [...qidToHasAns].filter(([, v]) => v).map(([k]) => k);
  const noAnsQids = [...qidToHasAns].filter(([, v]) => !v).map(([k]) => k);
  const raw = getRawScores(examples, preds);
  if (raw.missing.length > 0) throw new MissingPredictionsError('predictions', raw.missing);
  const exactThresh = applyNoAnsThreshold(raw.exact, naProbs, qidToHasAns, thresh);
  const f1Thresh = applyNoAnsThreshold(raw.f1, naProbs, qidToHasAns, thresh);
  const out: Record<string, number> = { ...makeEvalDict(exactThresh, f1Thresh) };
  const intKeys = new Set(['total']);
  if (hasAnsQids.length > 0) {
    mergeEval(out, { ...makeEvalDict(exactThresh, f1Thresh, hasAnsQids) }, 'HasAns');
    intKeys.add('HasAns_total');
  }
  if (noAnsQids.length > 0) {
    mergeEval(out, { ...makeEvalDict(exactThresh, f1Thresh, noAnsQids) }, 'NoAns');
    intKeys.add('NoAns_total');
  }
  if (opts.naProbs !== undefined) {
    // find_all_best_thresh
    const bestExact = findBestThresh(preds, raw.exact, naProbs, qidToHasAns);
    const bestF1 = findBestThresh(preds, raw.f1, naProbs, qidToHasAns);
    out.best_exact = bestExact.score;
    out.best_exact_thresh = bestExact.thresh;
    out.best_f1 = bestF1.score;
    out.best_f1_thresh = bestF1.thresh;
    const ints = opts.naProbIntQids;
    if (bestExact.qid !== null && ints?.has(bestExact.qid) === true) intKeys.add('best_exact_thresh');
    if (bestF1.qid !== null && ints?.has(bestF1.qid) === true) intKeys.add('best_f1_thresh');
  }
  return { eval: out as unknown as SquadV2Eval, intKeys };
}
