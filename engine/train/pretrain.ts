/**
 * ALBERT pretraining (Lan et al. 2020, §3–4.1): the masked-language-model loss (mlm-head.ts, inputs
 * from masking.ts) plus the sentence-order loss (sop-head.ts) on segment pairs drawn from a corpus
 * (pretrain-data.ts), summed as HF AlbertForPreTraining sums them, through the same training
 * forward/backward as QA (backprop.ts), AdamW, linear warm-up and decay, gradient clipping.
 *
 * Runs resume exactly: the batch of a step depends only on (seed, step), and the checkpoint holds
 * the weights, the heads and their AdamW moments (models/checkpoint.ts, `extra`).
 */
import type { AlbertModel, ModelInputs } from '../albert/model.ts';
import { EXIT_HEAD_PREFIX, type AlbertWeights } from '../albert/weights.ts';
import { Random } from '../random.ts';
import { adamwStep, clipGradNorm, TORCH_ADAMW_DEFAULTS, type ParamSlot } from './adamw.ts';
import { backward, forwardWithTape } from './backprop.ts';
import { maskTokens, type MaskingOptions } from './masking.ts';
import { mlmLoss, type MlmTarget } from './mlm-head.ts';
import { excludedFromDecay, newTrainState, paramSlots, zeroGrads, type TrainState } from './param-slots.ts';
import { headTensors, mapHeads, type PretrainHeads } from './pretrain-heads.ts';
import { drawExample, stepSeed, type ExampleOptions, type PretrainExample, type TokenizedCorpus } from './pretrain-data.ts';
import { linearWarmupDecay } from './schedule.ts';
import { sopLoss } from './sop-head.ts';
import { TrainingError, type TrainPosition } from './train-backbone.ts';

export interface PretrainBatch {
  readonly inputs: ModelInputs;
  readonly mlm: MlmTarget;
  readonly sopLabels: Int32Array;
}

export interface BatchOptions extends ExampleOptions {
  readonly batchSize: number;
  readonly masking: MaskingOptions;
  readonly clsId: number;
  readonly sepId: number;
}

/** Examples drawn, masked and padded to the longest (dynamic padding, exact for real positions). */
export function makePretrainBatch(corpus: TokenizedCorpus, rnd: Random, o: BatchOptions): PretrainBatch {
  const examples: PretrainExample[] = [];
  for (let tries = 0; examples.length < o.batchSize; tries++) {
    if (tries > 100 * o.batchSize) throw new TrainingError('corpus', 'gives no segment pairs (documents of one word?)');
    const e = drawExample(corpus, rnd, o.clsId, o.sepId, o);
    if (e !== null) examples.push(e);
  }
  const seq = Math.max(...examples.map((e) => e.ids.length));
  const batch = examples.length;
  const inputIds = new Int32Array(batch * seq), tokenTypeIds = new Int32Array(batch * seq), attentionMask = new Int32Array(batch * seq);
  const rows: number[] = [], labels: number[] = [];
  const sopLabels = new Int32Array(batch);
  examples.forEach((e, b) => {
    const maskable = Array.from(e.special, (s) => s === 0);
    const m = maskTokens(e.ids, maskable, Array.from(e.wordStart, (w) => w === 1), rnd, o.masking);
    inputIds.set(m.inputIds, b * seq);
    tokenTypeIds.set(e.typeIds, b * seq);
    attentionMask.fill(1, b * seq, b * seq + e.ids.length);
    m.positions.forEach((p, i) => { rows.push(b * seq + p); labels.push(m.labels[i]!); });
    sopLabels[b] = e.sopLabel;
  });
  return { inputs: { batch, seq, inputIds, tokenTypeIds, attentionMask }, mlm: { rows: Int32Array.from(rows), labels: Int32Array.from(labels) }, sopLabels };
}

/** The batch of global step `step` (1-based). */
export function pretrainBatchOfStep(corpus: TokenizedCorpus, seed: number, step: number, o: BatchOptions): PretrainBatch {
  return makePretrainBatch(corpus, new Random(stepSeed(seed, step)), o);
}

export interface PretrainMetrics {
  readonly loss: number;
  readonly mlmLoss: number;
  readonly mlmAccuracy: number;
  readonly sopLoss: number;
  readonly sopAccuracy: number;
  readonly masked: number;
}

/** Gradients and AdamW moments of the heads. */
export interface HeadState {
  readonly grads: PretrainHeads;
  readonly m: PretrainHeads;
  readonly v: PretrainHeads;
}

export function newHeadState(h: PretrainHeads): HeadState {
  const zeros = (t: Float32Array): Float32Array => new Float32Array(t.length);
  return { grads: mapHeads(h, zeros), m: mapHeads(h, zeros), v: mapHeads(h, zeros) };
}

export function headSlots(h: PretrainHeads, s: HeadState, model: AlbertModel): ParamSlot[] {
  const c = model.config;
  const [p, g, m, v] = [h, s.grads, s.m, s.v].map((x) => headTensors(x, c));
  return p!.map((t, i) => ({ name: t.name, param: t.data, grad: g![i]!.data, m: m![i]!.data, v: v![i]!.data, decay: !excludedFromDecay(t.name) }));
}

/**
 * The pretraining loss of one batch; with `grads`, its gradient is added into the ALBERT weights'
 * (through the whole encoder) and the heads' gradients.
 */
export function pretrainLoss(model: AlbertModel, heads: PretrainHeads, b: PretrainBatch, grads: { readonly weights: AlbertWeights; readonly heads: PretrainHeads } | null): PretrainMetrics {
  const c = model.config, be = model.backend, w = model.weights;
  if (w.pooler === undefined) throw new TrainingError('model', 'has no pooler for sentence-order prediction');
  const L = c.numHiddenLayers, rows = b.inputs.batch * b.inputs.seq;
  let hidden: Float32Array;
  let tape: ReturnType<typeof forwardWithTape> | null = null;
  if (grads !== null) {
    tape = forwardWithTape(model, b.inputs, grads.weights);
    hidden = tape.hiddenStates[L]!;
  } else {
    hidden = model.embed(b.inputs);
    for (let l = 0; l < L; l++) model.step(l, hidden, b.inputs.attentionMask, b.inputs.batch, b.inputs.seq);
  }
  const dHidden = grads === null ? null : new Float32Array(rows * c.hiddenSize);
  const mlm = mlmLoss(be, c, heads.mlm, w.wordEmbeddings, hidden, b.mlm,
    grads === null ? null : { head: grads.heads.mlm, wordEmbeddings: grads.weights.wordEmbeddings, dHidden: dHidden! });
  const sop = sopLoss(be, c, w.pooler, heads.sop, hidden, b.inputs.batch, b.inputs.seq, b.sopLabels,
    grads === null ? null : { pooler: grads.weights.pooler!, classifier: grads.heads.sop, dHidden: dHidden! });
  if (grads !== null && tape !== null) backward(model, tape, (l) => (l === L ? dHidden : null), grads.weights);
  return {
    loss: mlm.loss + sop.loss, mlmLoss: mlm.loss, mlmAccuracy: mlm.correct / Math.max(1, mlm.count),
    sopLoss: sop.loss, sopAccuracy: sop.correct / Math.max(1, sop.count), masked: mlm.count,
  };
}

export interface PretrainProgress extends PretrainMetrics {
  readonly step: number;
  readonly totalSteps: number;
  readonly lr: number;
  readonly gradNorm: number;
  readonly stepsPerSecond: number;
  readonly tokensPerSecond: number;
}

export interface PretrainOptions {
  readonly steps: number;
  readonly batch: BatchOptions;
  readonly learningRate: number;
  readonly warmupSteps: number;
  readonly maxGradNorm: number;
  readonly seed: number;
  readonly resume?: TrainPosition & { readonly state: TrainState; readonly headState: HeadState };
  /** Stop after this step (the schedule still runs to `steps`). */
  readonly stopAtStep?: number;
  readonly now: () => number;
  readonly onProgress?: (p: PretrainProgress) => void;
  readonly checkpointEvery?: number;
  readonly onCheckpoint?: (state: TrainState, headState: HeadState, at: TrainPosition) => void;
}

const MAX_NONFINITE_IN_A_ROW = 10;

export function pretrain(model: AlbertModel, heads: PretrainHeads, corpus: TokenizedCorpus, o: PretrainOptions): TrainPosition & { state: TrainState; headState: HeadState; history: PretrainMetrics[]; skipped: number } {
  const state = o.resume?.state ?? newTrainState(model.weights);
  const headState = o.resume?.headState ?? newHeadState(heads);
  const slots = [...paramSlots(model.weights, state, model.config, (n) => !n.startsWith(EXIT_HEAD_PREFIX)), ...headSlots(heads, headState, model)];
  let optimizerSteps = o.resume?.optimizerSteps ?? 0;
  const first = (o.resume?.step ?? 0) + 1;
  const last = Math.max(first - 1, Math.min(o.steps, o.stopAtStep ?? o.steps));
  const history: PretrainMetrics[] = [];
  let skipped = 0, badInARow = 0, tokens = 0;
  const t0 = o.now();
  for (let step = first; step <= last; step++) {
    const b = pretrainBatchOfStep(corpus, o.seed, step, o.batch);
    zeroGrads(slots);
    const r = pretrainLoss(model, heads, b, { weights: state.grads, heads: headState.grads });
    const lr = linearWarmupDecay(step, o.learningRate, o.warmupSteps, o.steps);
    const gradNorm = Number.isFinite(r.loss) ? clipGradNorm(slots, o.maxGradNorm) : NaN;
    if (!Number.isFinite(gradNorm)) {
      skipped++;
      if (++badInARow >= MAX_NONFINITE_IN_A_ROW) throw new TrainingError(`step ${step}`, `loss is ${r.loss} for ${badInARow} steps in a row; lower the learning rate (${o.learningRate})`);
      continue;
    }
    badInARow = 0;
    adamwStep(slots, lr, ++optimizerSteps, TORCH_ADAMW_DEFAULTS);
    history.push(r);
    tokens += b.inputs.batch * b.inputs.seq;
    const elapsed = Math.max((o.now() - t0) / 1000, 1e-9);
    o.onProgress?.({ ...r, step, totalSteps: last, lr, gradNorm, stepsPerSecond: (step - first + 1) / elapsed, tokensPerSecond: tokens / elapsed });
    if (o.checkpointEvery !== undefined && step % o.checkpointEvery === 0 && step !== last) o.onCheckpoint?.(state, headState, { step, optimizerSteps });
  }
  o.onCheckpoint?.(state, headState, { step: last, optimizerSteps });
  return { state, headState, step: last, optimizerSteps, history, skipped };
}

/** Mean metrics of fixed batches (held-out text), forward only. */
export function evaluatePretrain(model: AlbertModel, heads: PretrainHeads, batches: readonly PretrainBatch[]): PretrainMetrics {
  let mlmSum = 0, mlmCorrect = 0, masked = 0, sopSum = 0, sopCorrect = 0, n = 0;
  for (const b of batches) {
    const r = pretrainLoss(model, heads, b, null);
    mlmSum += r.mlmLoss * r.masked;
    mlmCorrect += r.mlmAccuracy * r.masked;
    masked += r.masked;
    sopSum += r.sopLoss * b.inputs.batch;
    sopCorrect += r.sopAccuracy * b.inputs.batch;
    n += b.inputs.batch;
  }
  const mlm = mlmSum / Math.max(1, masked), sop = sopSum / Math.max(1, n);
  return { loss: mlm + sop, mlmLoss: mlm, mlmAccuracy: mlmCorrect / Math.max(1, masked), sopLoss: sop, sopAccuracy: sopCorrect / Math.max(1, n), masked };
}
