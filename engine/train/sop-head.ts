/**
 * ALBERT's sentence-order prediction (Lan et al. 2020, §3 "Inter-sentence coherence loss"): two
 * consecutive segments of one document, in order (label 0) or swapped (label 1), classified from
 * the pooled [CLS] state — HF AlbertForPreTraining: pooled = tanh(pooler(h[:, 0])) (AlbertModel's
 * pooler), logits = sop_classifier.classifier(pooled) [batch, 2], cross-entropy averaged over the
 * batch. Forward and backward.
 */
import type { AlbertConfig } from '../albert/config.ts';
import type { Linear } from '../albert/weights.ts';
import type { Backend } from '../../kernels/backend.ts';
import { Random } from '../random.ts';
import { activationBackward, linearBackward } from './_grad-ops.ts';

/** HF's init for a Linear [out, inF]: weight ~ N(0, range), bias 0 (the pooler and the SOP classifier). */
export function initLinear(out: number, inF: number, seed: number, range = 0.02): Linear {
  const r = new Random(seed);
  const w = new Float32Array(out * inF);
  for (let i = 0; i < w.length; i++) w[i] = r.normal() * range;
  return { weight: w, bias: new Float32Array(out) };
}

export interface SopResult {
  readonly loss: number;
  readonly correct: number;
  readonly count: number;
}

export interface SopGrads {
  readonly pooler: Linear;
  readonly classifier: Linear;
  /** [batch·seq, hidden]: row b·seq (the [CLS] of b) receives weight·∂loss/∂h (added). */
  readonly dHidden: Float32Array;
}

/** The SOP loss on `hidden` [batch·seq, hidden] for `labels` (0 in order, 1 swapped). */
export function sopLoss(be: Backend, c: AlbertConfig, pooler: Linear, classifier: Linear, hidden: Float32Array, batch: number, seq: number,
  labels: ArrayLike<number>, grads: SopGrads | null, weight = 1): SopResult {
  const H = c.hiddenSize;
  const cls = new Float32Array(batch * H);
  for (let b = 0; b < batch; b++) cls.set(hidden.subarray(b * seq * H, b * seq * H + H), b * H);
  const pre = new Float32Array(batch * H);
  be.linear(cls, batch, H, pooler.weight, pooler.bias, H, pre);
  const pooled = pre.slice();
  be.activation('tanh', pooled);
  const logits = new Float32Array(batch * 2);
  be.linear(pooled, batch, H, classifier.weight, classifier.bias, 2, logits);
  let loss = 0, correct = 0;
  const dlogits = new Float32Array(batch * 2);
  for (let b = 0; b < batch; b++) {
    const a = logits[2 * b]!, d = logits[2 * b + 1]!, y = labels[b]!;
    const max = Math.max(a, d);
    const z = Math.exp(a - max) + Math.exp(d - max);
    loss += Math.log(z) + max - (y === 0 ? a : d);
    if ((d > a ? 1 : 0) === y) correct++;
    dlogits[2 * b] = (weight / batch) * (Math.exp(a - max) / z - (y === 0 ? 1 : 0));
    dlogits[2 * b + 1] = (weight / batch) * (Math.exp(d - max) / z - (y === 1 ? 1 : 0));
  }
  if (grads !== null) {
    const dpooled = new Float32Array(batch * H);
    linearBackward(be, pooled, batch, H, classifier.weight, 2, dlogits, dpooled, grads.classifier.weight, grads.classifier.bias);
    activationBackward(be, 'tanh', pre, dpooled);
    const dcls = new Float32Array(batch * H);
    linearBackward(be, cls, batch, H, pooler.weight, H, dpooled, dcls, grads.pooler.weight, grads.pooler.bias);
    for (let b = 0; b < batch; b++) for (let k = 0; k < H; k++) grads.dHidden[b * seq * H + k]! += dcls[b * H + k]!;
  }
  return { loss: loss / batch, correct, count: batch };
}
