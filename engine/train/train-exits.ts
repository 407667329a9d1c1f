/**
 * Stage 2 of DeeBERT's recipe (Xin et al. 2020, §3.2): the backbone is frozen and only the exit
 * heads learn. Each exit l is trained on its layer's hidden state with the hard QA loss and
 * knowledge distillation from the final head's start/end distributions (Hinton et al. 2015):
 *
 *   loss_l = α · CE(z, y) + (1 − α) · T² · KL(softmax(t / T) ‖ softmax(z / T))
 *
 * for the start and the end logits z of exit l < L, teacher logits t of the final head, averaged
 * over start/end and over the batch. Exit L is the final head itself. The same function retrains exits in the cloud on hard examples.
 * Only a forward pass of the backbone is needed, so this stage is cheap.
 */
import type { AlbertModel } from '../albert/model.ts';
import { EXIT_HEAD_PREFIX } from '../albert/weights.ts';
import { adamwStep, TORCH_ADAMW_DEFAULTS, type AdamWConfig } from './adamw.ts';
import { linearBackward } from './_grad-ops.ts';
import { exitRowLoss } from './_distillation.ts';
import { newTrainState, paramSlots, zeroGrads, type TrainState } from './param-slots.ts';
import { linearWarmupDecay } from './schedule.ts';
import { batchOfStep, type TrainFeature } from './train-data.ts';
import { TrainingError, type TrainProgress } from './train-backbone.ts';

export interface ExitTrainOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly warmupRatio: number;
  readonly seed: number;
  /** Distillation temperature T (default 2). */
  readonly temperature?: number;
  /** Weight α of the hard-label loss (default 0.5); 1 − α goes to distillation. */
  readonly alpha?: number;
  readonly adamw?: AdamWConfig;
  readonly now: () => number;
  readonly onProgress?: (p: TrainProgress) => void;
}

export function trainExitHeads(model: AlbertModel, features: readonly TrainFeature[], o: ExitTrainOptions): { state: TrainState; losses: number[][] } {
  if (features.length === 0) throw new TrainingError('training data', 'has no features');
  const teacher = model.weights.qaOutputs;
  if (teacher === undefined) throw new TrainingError('model', 'has no final QA head to distil from');
  const L = model.config.numHiddenLayers, H = model.config.hiddenSize;
  const T = o.temperature ?? 2, alpha = o.alpha ?? 0.5;
  // The last exit IS the final head (DeeBERT: the last off-ramp is the model's own classifier):
  // copy it in and leave it out of training, so the full model answers exactly as stage 1 trained it.
  const last = model.weights.exitHeads[L - 1]!;
  last.weight.set(teacher.weight);
  last.bias.set(teacher.bias);
  const lastName = `${EXIT_HEAD_PREFIX}${L}.`;
  const state = newTrainState(model.weights);
  const slots = paramSlots(model.weights, state, model.config, (n) => n.startsWith(EXIT_HEAD_PREFIX) && !n.startsWith(lastName));
  const totalSteps = Math.ceil(features.length / o.batchSize) * o.epochs;
  const warmup = Math.round(o.warmupRatio * totalSteps);
  const losses: number[][] = [];
  const t0 = o.now();
  for (let step = 1; step <= totalSteps; step++) {
    const { inputs, startPositions, endPositions } = batchOfStep(features, o.batchSize, o.seed, step);
    const { batch, seq } = inputs;
    const rows = batch * seq;
    zeroGrads(slots);
    const hidden: Float32Array[] = [];
    const x = model.embed(inputs);
    for (let l = 0; l < L; l++) {
      model.step(l, x, inputs.attentionMask, batch, seq);
      hidden.push(x.slice());
    }
    const t = model.qaLogits(hidden[L - 1]!, rows, teacher);
    const stepLosses: number[] = [];
    for (let l = 1; l < L; l++) {
      const head = model.weights.exitHeads[l - 1]!;
      const z = model.qaLogits(hidden[l - 1]!, rows, head);
      const dz = new Float32Array(rows * 2), ds = new Float32Array(rows), de = new Float32Array(rows);
      let loss = 0;
      for (let b = 0; b < batch; b++) {
        loss += exitRowLoss(z.start, t.start, b * seq, seq, Math.min(Math.max(startPositions[b]!, 0), seq), T, alpha, 0.5 / batch, ds);
        loss += exitRowLoss(z.end, t.end, b * seq, seq, Math.min(Math.max(endPositions[b]!, 0), seq), T, alpha, 0.5 / batch, de);
      }
      for (let r = 0; r < rows; r++) { dz[2 * r] = ds[r]!; dz[2 * r + 1] = de[r]!; }
      const g = state.grads.exitHeads[l - 1]!;
      linearBackward(model.backend, hidden[l - 1]!, rows, H, head.weight, 2, dz, null, g.weight, g.bias);
      stepLosses.push(loss / (2 * batch));
    }
    const mean = stepLosses.reduce((a, b) => a + b, 0) / Math.max(1, stepLosses.length);
    if (!Number.isFinite(mean)) throw new TrainingError(`exit training step ${step}`, `loss is ${mean}; check the backbone and the data`);
    const lr = linearWarmupDecay(step, o.learningRate, warmup, totalSteps);
    adamwStep(slots, lr, step, o.adamw ?? TORCH_ADAMW_DEFAULTS);
    losses.push(stepLosses);
    const rate = step / Math.max((o.now() - t0) / 1000, 1e-9);
    o.onProgress?.({ step, totalSteps, loss: mean, lr, gradNorm: NaN, stepsPerSecond: rate, etaSeconds: (totalSteps - step) / rate, skipped: 0 });
  }
  return { state, losses };
}
