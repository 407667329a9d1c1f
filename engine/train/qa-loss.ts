/**
 * The extractive-QA loss of Hugging Face AlbertForQuestionAnswering: the mean of the start and
 * end cross-entropies over the sequence, with positions clamped to [0, seq] and a position equal
 * to seq (outside the sequence) ignored (`CrossEntropyLoss(ignore_index=seq)`), and its gradient.
 */
import type { AlbertModel } from '../albert/model.ts';
import type { Linear } from '../albert/weights.ts';
import { linearBackward } from './_grad-ops.ts';

export interface QaLossResult {
  readonly loss: number;
  /** Gradient with respect to the hidden state the head read, [batch·seq, hidden]. */
  readonly dHidden: Float32Array;
  /** Rows that counted (not ignored) for start and end. */
  readonly counted: { readonly start: number; readonly end: number };
}

/** Mean cross-entropy of rows of logits [batch, seq] against targets; writes scale·∂/∂logits into dlogits. */
function crossEntropy(logits: Float32Array, batch: number, seq: number, targets: Int32Array, scale: number, dlogits: Float32Array): { loss: number; n: number } {
  let n = 0;
  for (let b = 0; b < batch; b++) if (Math.min(Math.max(targets[b]!, 0), seq) !== seq) n++;
  if (n === 0) return { loss: 0, n: 0 };
  let loss = 0;
  for (let b = 0; b < batch; b++) {
    const t = Math.min(Math.max(targets[b]!, 0), seq);
    if (t === seq) continue;
    const o = b * seq;
    let max = -Infinity;
    for (let j = 0; j < seq; j++) max = Math.max(max, logits[o + j]!);
    let z = 0;
    for (let j = 0; j < seq; j++) z += Math.exp(logits[o + j]! - max);
    loss += Math.log(z) + max - logits[o + t]!;
    for (let j = 0; j < seq; j++) dlogits[o + j] = (scale / n) * (Math.exp(logits[o + j]! - max) / z - (j === t ? 1 : 0));
  }
  return { loss: loss / n, n };
}

/**
 * Loss of QA head `head` on hidden [batch·seq, hidden]; adds the head's gradients into `gradHead`
 * (null: frozen head) and returns the gradient for the hidden state, scaled by `weight`.
 */
export function qaLoss(model: AlbertModel, hidden: Float32Array, batch: number, seq: number, head: Linear, gradHead: Linear | null,
  startPositions: Int32Array, endPositions: Int32Array, weight = 1): QaLossResult {
  const rows = batch * seq, H = model.config.hiddenSize;
  const { start, end } = model.qaLogits(hidden, rows, head);
  const dStart = new Float32Array(rows), dEnd = new Float32Array(rows);
  const s = crossEntropy(start, batch, seq, startPositions, weight / 2, dStart);
  const e = crossEntropy(end, batch, seq, endPositions, weight / 2, dEnd);
  const dLogits = new Float32Array(rows * 2);
  for (let r = 0; r < rows; r++) { dLogits[2 * r] = dStart[r]!; dLogits[2 * r + 1] = dEnd[r]!; }
  const dHidden = new Float32Array(rows * H);
  linearBackward(model.backend, hidden, rows, H, head.weight, 2, dLogits, dHidden, gradHead?.weight ?? null, gradHead?.bias ?? null);
  return { loss: (s.loss + e.loss) / 2, dHidden, counted: { start: s.n, end: e.n } };
}
