/**
 * Stage 1 of DeeBERT's recipe (Xin et al. 2020, §3.2): train the backbone and the final QA head on
 * the QA loss at the last layer, with AdamW, linear warm-up and decay, and gradient clipping.
 * Exit heads are left alone (stage 2 trains them on the frozen backbone).
 *
 * Runs can stop and resume exactly: the batch of a step depends only on (seed, step), and a
 * checkpoint holds the weights, the AdamW moments and the step.
 */
import type { AlbertModel } from '../albert/model.ts';
import { EXIT_HEAD_PREFIX, type Linear } from '../albert/weights.ts';
import { ElmaError } from '../errors.ts';
import { adamwStep, clipGradNorm, TORCH_ADAMW_DEFAULTS, type AdamWConfig } from './adamw.ts';
import { backward, forwardWithTape } from './backprop.ts';
import { newTrainState, paramSlots, zeroGrads, type TrainState } from './param-slots.ts';
import { qaLoss } from './qa-loss.ts';
import { linearWarmupDecay } from './schedule.ts';
import { batchOfStep, type TrainBatch, type TrainFeature } from './train-data.ts';

/** Training that cannot go on: no data, a loss that stays non-finite. */
export class TrainingError extends ElmaError {}

export interface TrainProgress {
  readonly step: number;
  readonly totalSteps: number;
  readonly loss: number;
  readonly lr: number;
  readonly gradNorm: number;
  readonly stepsPerSecond: number;
  readonly etaSeconds: number;
  readonly skipped: number;
}

export interface BackboneTrainOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Fraction of the steps spent warming up (HF warmup_ratio). */
  readonly warmupRatio: number;
  readonly maxGradNorm: number;
  readonly seed: number;
  /**
   * Deep supervision: the final QA head also reads every earlier hidden state, and the loss is the
   * average over layers weighted by depth (w_l = l / Σ l, so the last layer weighs most). From
   * scratch this gives every step of the shared layer a direct gradient, which a 12-step post-LN
   * stack otherwise learns slowly, and it makes early answers possible that early exit then uses
   * (the weighted-average loss of Kaya et al. 2019 "Shallow-Deep Networks" and of the BERxiT /
   * PABEE line of work). Off: DeeBERT's stage 1, the final layer alone.
   */
  readonly deepSupervision?: boolean;
  readonly adamw?: AdamWConfig;
  /** Stop after this step (to train in pieces); default: the end of the last epoch. */
  readonly stopAtStep?: number;
  /** Resume: the state, step and optimizer step count of a checkpoint (weights are already in the model). */
  readonly resume?: TrainPosition & { readonly state: TrainState };
  /** A clock in ms, for steps/s and ETA (performance.now); injected to stay platform-neutral. */
  readonly now: () => number;
  readonly onProgress?: (p: TrainProgress) => void;
  /** Called every `checkpointEvery` steps and at the end, with what a checkpoint must hold. */
  readonly checkpointEvery?: number;
  readonly onCheckpoint?: (state: TrainState, at: TrainPosition) => void;
}

/** Where a run stands: the last step done and the AdamW steps taken (non-finite steps are skipped). */
export interface TrainPosition {
  readonly step: number;
  readonly optimizerSteps: number;
}

/** Consecutive non-finite losses tolerated (skipped, counted) before training stops with an error. */
const MAX_NONFINITE_IN_A_ROW = 10;

/**
 * The stage-1 loss of one batch and its gradient per hidden state (index l = hidden_states.l):
 * the final layer's QA loss, or with deep supervision the depth-weighted average over all layers.
 * The loss reported is the final layer's, so runs with and without deep supervision compare.
 */
function supervisedLoss(model: AlbertModel, hidden: readonly Float32Array[], b: TrainBatch, gradHead: Linear, deep: boolean): { loss: number; dHidden: (Float32Array | null)[] } {
  const L = model.config.numHiddenLayers, head = model.weights.qaOutputs!;
  const dHidden: (Float32Array | null)[] = new Array<Float32Array | null>(L + 1).fill(null);
  const norm = (L * (L + 1)) / 2;
  let loss = NaN, total = 0;
  for (let l = deep ? 1 : L; l <= L; l++) {
    const weight = deep ? l / norm : 1;
    const r = qaLoss(model, hidden[l]!, b.inputs.batch, b.inputs.seq, head, gradHead, b.startPositions, b.endPositions, weight);
    dHidden[l] = r.dHidden;
    total += weight * r.loss;
    if (l === L) loss = r.loss;
  }
  return { loss: Number.isFinite(total) ? loss : total, dHidden };
}

export function trainBackbone(model: AlbertModel, features: readonly TrainFeature[], o: BackboneTrainOptions): TrainPosition & { state: TrainState; losses: number[]; skipped: number } {
  if (features.length === 0) throw new TrainingError('training data', 'has no features');
  if (model.weights.qaOutputs === undefined) throw new TrainingError('model', 'has no QA head to train');
  const perEpoch = Math.ceil(features.length / o.batchSize);
  const totalSteps = perEpoch * o.epochs;
  const warmup = Math.round(o.warmupRatio * totalSteps);
  const state = o.resume?.state ?? newTrainState(model.weights);
  const slots = paramSlots(model.weights, state, model.config, (n) => !n.startsWith(EXIT_HEAD_PREFIX));
  const losses: number[] = [];
  let skipped = 0, badInARow = 0;
  let optimizerSteps = o.resume?.optimizerSteps ?? 0;
  const first = (o.resume?.step ?? 0) + 1;
  // A resumed run already past stopAtStep does nothing more (and keeps its step).
  const last = Math.max(first - 1, Math.min(totalSteps, o.stopAtStep ?? totalSteps));
  const t0 = o.now();
  for (let step = first; step <= last; step++) {
    const b = batchOfStep(features, o.batchSize, o.seed, step);
    zeroGrads(slots);
    const tape = forwardWithTape(model, b.inputs, state.grads);
    const res = supervisedLoss(model, tape.hiddenStates, b, state.grads.qaOutputs!, o.deepSupervision === true);
    const lr = linearWarmupDecay(step, o.learningRate, warmup, totalSteps);
    if (!Number.isFinite(res.loss)) {
      skipped++;
      if (++badInARow >= MAX_NONFINITE_IN_A_ROW) {
        throw new TrainingError(`step ${step}`, `loss is ${res.loss} for ${badInARow} steps in a row; lower the learning rate (${o.learningRate}) or check the data`);
      }
      continue;
    }
    badInARow = 0;
    backward(model, tape, (l) => res.dHidden[l] ?? null, state.grads);
    const gradNorm = clipGradNorm(slots, o.maxGradNorm);
    if (!Number.isFinite(gradNorm)) { skipped++; continue; }
    adamwStep(slots, lr, ++optimizerSteps, o.adamw ?? TORCH_ADAMW_DEFAULTS);
    losses.push(res.loss);
    const elapsed = (o.now() - t0) / 1000;
    const rate = (step - first + 1) / Math.max(elapsed, 1e-9);
    o.onProgress?.({ step, totalSteps: last, loss: res.loss, lr, gradNorm, stepsPerSecond: rate, etaSeconds: (last - step) / rate, skipped });
    if (o.checkpointEvery !== undefined && step % o.checkpointEvery === 0 && step !== last) o.onCheckpoint?.(state, { step, optimizerSteps });
  }
  o.onCheckpoint?.(state, { step: last, optimizerSteps });
  return { state, step: last, optimizerSteps, losses, skipped };
}
