/**
 * ALBERT's masked-language-model head (HF AlbertMLMHead, `predictions` in AlbertForPreTraining):
 *   t = LayerNorm(act(dense(h)))     dense: hidden → embedding, act: the config's hidden_act
 *   logits = t · Wᵀ + b              W: the word embeddings (the decoder is tied to them), b: [vocab]
 * and its cross-entropy over the masked positions (mean over them, as HF's CrossEntropyLoss with
 * labels −100 elsewhere), forward and backward. Only the masked rows are computed: the decoder is
 * the head's one big product ([masked, E] × [E, vocab]).
 *
 * The tied decoder's gradient goes into the word embeddings' gradient (dW += dlogitsᵀ·t), added to
 * what the embedding lookup gives them, as autograd does for HF's shared Parameter; that includes
 * the padding row, which only the lookup leaves alone.
 */
import type { AlbertConfig } from '../albert/config.ts';
import type { Linear } from '../albert/weights.ts';
import type { Backend } from '../../kernels/backend.ts';
import { Random } from '../random.ts';
import { activationBackward, layerNormBackward, layerNormForward, linearBackward } from './_grad-ops.ts';

export interface MlmHead {
  /** predictions.dense: [embedding, hidden] and [embedding]. */
  readonly dense: Linear;
  /** predictions.LayerNorm: [embedding] each. */
  readonly layerNorm: Linear;
  /** predictions.bias (= predictions.decoder.bias): [vocab]. */
  readonly bias: Float32Array;
}

/** HF's init: dense ~ N(0, range), biases 0, LayerNorm 1 and 0. */
export function initMlmHead(c: AlbertConfig, seed: number, range = 0.02): MlmHead {
  const r = new Random(seed);
  const w = new Float32Array(c.embeddingSize * c.hiddenSize);
  for (let i = 0; i < w.length; i++) w[i] = r.normal() * range;
  return {
    dense: { weight: w, bias: new Float32Array(c.embeddingSize) },
    layerNorm: { weight: new Float32Array(c.embeddingSize).fill(1), bias: new Float32Array(c.embeddingSize) },
    bias: new Float32Array(c.vocabSize),
  };
}

export interface MlmTarget {
  /** Rows (b·seq + position) of the hidden state to predict at. */
  readonly rows: Int32Array;
  /** The original token of each row. */
  readonly labels: Int32Array;
}

export interface MlmResult {
  /** Mean cross-entropy over the masked rows (0 when there are none). */
  readonly loss: number;
  /** Rows whose highest logit is the label. */
  readonly correct: number;
  readonly count: number;
}

export interface MlmGrads {
  readonly head: MlmHead;
  readonly wordEmbeddings: Float32Array;
  /** [rows, hidden] of the whole batch: the rows of `target` receive weight·∂loss/∂h (added). */
  readonly dHidden: Float32Array;
}

/**
 * The MLM loss of `head` on `hidden` [batch·seq, hidden]; with `grads`, its gradient times `weight`
 * is added into the head's, the word embeddings' and the hidden state's gradients.
 */
export function mlmLoss(be: Backend, c: AlbertConfig, head: MlmHead, wordEmbeddings: Float32Array, hidden: Float32Array,
  target: MlmTarget, grads: MlmGrads | null, weight = 1): MlmResult {
  const m = target.rows.length, H = c.hiddenSize, E = c.embeddingSize, V = c.vocabSize;
  if (m === 0) return { loss: 0, correct: 0, count: 0 };
  const h = new Float32Array(m * H);
  for (let i = 0; i < m; i++) h.set(hidden.subarray(target.rows[i]! * H, (target.rows[i]! + 1) * H), i * H);
  const pre = new Float32Array(m * E);
  be.linear(h, m, H, head.dense.weight, head.dense.bias, E, pre);
  const act = pre.slice();
  be.activation(c.hiddenAct, act);
  const t = new Float32Array(m * E);
  const ln = layerNormForward(act, null, m, E, head.layerNorm.weight, head.layerNorm.bias, c.layerNormEps, t);
  const logits = new Float32Array(m * V);
  be.linear(t, m, E, wordEmbeddings, head.bias, V, logits);
  let loss = 0, correct = 0;
  for (let i = 0; i < m; i++) {
    const o = i * V, y = target.labels[i]!;
    let max = -Infinity, arg = 0;
    for (let j = 0; j < V; j++) if (logits[o + j]! > max) { max = logits[o + j]!; arg = j; }
    let z = 0;
    for (let j = 0; j < V; j++) z += Math.exp(logits[o + j]! - max);
    loss += Math.log(z) + max - logits[o + y]!;
    if (arg === y) correct++;
    if (grads !== null) {
      // ∂(mean CE)/∂logits = (softmax − onehot) / m, in place.
      const s = weight / m;
      for (let j = 0; j < V; j++) logits[o + j] = s * (Math.exp(logits[o + j]! - max) / z - (j === y ? 1 : 0));
    }
  }
  if (grads !== null) {
    const dt = new Float32Array(m * E);
    linearBackward(be, t, m, E, wordEmbeddings, V, logits, dt, grads.wordEmbeddings, grads.head.bias);
    const dact = new Float32Array(m * E);
    layerNormBackward(ln, m, E, head.layerNorm.weight, dt, dact, grads.head.layerNorm.weight, grads.head.layerNorm.bias);
    activationBackward(be, c.hiddenAct, pre, dact);
    const dh = new Float32Array(m * H);
    linearBackward(be, h, m, H, head.dense.weight, E, dact, dh, grads.head.dense.weight, grads.head.dense.bias);
    for (let i = 0; i < m; i++) {
      const r = target.rows[i]! * H;
      for (let k = 0; k < H; k++) grads.dHidden[r + k]! += dh[i * H + k]!;
    }
  }
  return { loss: loss / m, correct, count: m };
}
