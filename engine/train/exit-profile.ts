/**
 * An exit profile: every exit's answer and entropy for every feature of a data set, from one pass
 * through all layers. Any exit policy (thresholds, depth limit, offloading) can then be evaluated
 * on it without running the model again: this is what calibration searches over and what
 * `elma eval --plot` draws.
 */
import type { AlbertModel } from '../albert/model.ts';
import { spanEntropy } from '../exit/entropy.ts';
import type { SquadExample } from '../squad/dataset.ts';
import { extractAnswer, type AnswerOptions } from '../squad/answers.ts';
import type { SquadFeature } from '../squad/features.ts';
import { computeExact, computeF1, normalizeAnswer } from '../squad/metric.ts';
import { makeBatch } from './train-data.ts';

export interface FeatureProfile {
  readonly exampleIndex: number;
  readonly offsets: SquadFeature['offset_mapping'];
  /** entropy[l - 1] after layer l. */
  readonly entropy: Float64Array;
  /** start[l - 1], end[l - 1]: exit l's logits. */
  readonly start: Float32Array[];
  readonly end: Float32Array[];
}

export interface ExitProfile {
  readonly layers: number;
  readonly examples: readonly SquadExample[];
  readonly features: readonly FeatureProfile[];
  /** byExample[i]: indexes of example i's features. */
  readonly byExample: readonly number[][];
  readonly answer: AnswerOptions;
}

/** Run all layers on every feature (in batches) and record each exit's logits and entropy. */
export function profileExits(model: AlbertModel, examples: readonly SquadExample[], features: readonly SquadFeature[],
  answer: AnswerOptions & { readonly maxAnswerLength: number }, batchSize = 16, onProgress?: (done: number, total: number) => void): ExitProfile {
  const L = model.config.numHiddenLayers;
  const out: FeatureProfile[] = [];
  for (let i0 = 0; i0 < features.length; i0 += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, features.length - i0) }, (_, k) => i0 + k);
    const { inputs } = makeBatch(features, idx);
    const { batch, seq } = inputs;
    const context = new Int32Array(batch * seq);
    idx.forEach((fi, b) => features[fi]!.offset_mapping.forEach((o, j) => { if (o !== null && j < seq) context[b * seq + j] = 1; }));
    const rows = idx.map((fi) => ({
      exampleIndex: features[fi]!.example_index, offsets: features[fi]!.offset_mapping,
      entropy: new Float64Array(L), start: [] as Float32Array[], end: [] as Float32Array[],
    }));
    const x = model.embed(inputs);
    for (let l = 1; l <= L; l++) {
      model.step(l - 1, x, inputs.attentionMask, batch, seq);
      const lg = model.qaLogits(x, batch * seq, model.weights.exitHeads[l - 1]!);
      rows.forEach((r, b) => {
        r.entropy[l - 1] = spanEntropy({ start: lg.start, end: lg.end, offset: b * seq, seq, context, maxAnswerLength: answer.maxAnswerLength });
        r.start.push(lg.start.slice(b * seq, (b + 1) * seq));
        r.end.push(lg.end.slice(b * seq, (b + 1) * seq));
      });
    }
    out.push(...rows);
    onProgress?.(Math.min(features.length, i0 + batchSize), features.length);
  }
  const byExample: number[][] = examples.map(() => []);
  out.forEach((f, i) => byExample[f.exampleIndex]!.push(i));
  return { layers: L, examples, features: out, byExample, answer };
}

export interface PolicyResult {
  readonly exact: number;
  readonly f1: number;
  /** Mean layers run per feature on the device (offloaded features count their depth limit). */
  readonly meanLayers: number;
  /** Fraction of questions with a feature not confident at the depth limit. */
  readonly offloadRate: number;
  /** exitCounts[l - 1]: features answered by exit l on the device. */
  readonly exitCounts: number[];
  /** Per question: text, F1, EM, deepest exit layer, offloaded. */
  readonly perQuestion: { readonly text: string; readonly f1: number; readonly exact: number; readonly layer: number; readonly offloaded: boolean }[];
}

/** Per profile and question: the scored answer read from each layer (one-feature questions only). */
const answerMemo = new WeakMap<ExitProfile, ({ text: string; em: number; f1: number }[] | undefined)[]>();

/**
 * Evaluate a policy on a profile. Features not confident by `depthLimit` are answered by the
 * final layer when `offload` is true (the cloud's full model), else by exit `depthLimit`.
 */
export function evaluatePolicy(p: ExitProfile, thresholds: readonly number[], depthLimit: number, offload: boolean): PolicyResult {
  let uses = answerMemo.get(p);
  if (uses === undefined) { uses = []; answerMemo.set(p, uses); }
  const score = (ex: SquadExample, logits: { offsets: SquadFeature['offset_mapping']; start: Float32Array; end: Float32Array }[]): { text: string; em: number; f1: number } => {
    const text = extractAnswer(ex.context, logits, { ...p.answer, versionTwoWithNegative: true, wholeWords: true }, `question ${ex.id}`).text;
    let gold = ex.answers.map((a) => a.text).filter((t) => normalizeAnswer(t) !== '');
    if (gold.length === 0) gold = [''];
    return { text, em: Math.max(...gold.map((g) => computeExact(g, text))), f1: Math.max(...gold.map((g) => computeF1(g, text))) };
  };
  const exitCounts = new Array<number>(p.layers).fill(0);
  let layers = 0, offloaded = 0, emSum = 0, f1Sum = 0;
  const perQuestion: PolicyResult['perQuestion'] = [];
  p.examples.forEach((ex, i) => {
    let deepest = 0, off = false;
    const logits = p.byExample[i]!.map((fi) => {
      const f = p.features[fi]!;
      let l = 1;
      while (l < depthLimit && !(f.entropy[l - 1]! < thresholds[l - 1]!)) l++;
      const confident = f.entropy[l - 1]! < thresholds[l - 1]!;
      layers += l;
      deepest = Math.max(deepest, l);
      if (!confident) off = true;
      exitCounts[l - 1]!++;
      const use = !confident && offload ? p.layers : l;
      return { offsets: f.offsets, start: f.start[use - 1]!, end: f.end[use - 1]! };
    });
    // A one-feature question's answer depends only on the layer it is read from: memoised, so
    // that calibration can evaluate thousands of policies (the answer search dominates otherwise).
    const single = p.byExample[i]!.length === 1 ? (uses[i] ??= []) : null;
    const use = !off || !offload ? deepest : p.layers;
    const { text, em, f1 } = single?.[use] ?? score(ex, logits);
    if (single !== null) single[use] = { text, em, f1 };
    emSum += em;
    f1Sum += f1;
    if (off) offloaded++;
    perQuestion.push({ text, f1, exact: em, layer: deepest, offloaded: off });
  });
  const n = Math.max(1, p.examples.length);
  return {
    exact: (100 * emSum) / n, f1: (100 * f1Sum) / n, meanLayers: layers / Math.max(1, p.features.length),
    offloadRate: offloaded / n, exitCounts, perQuestion,
  };
}
