/**
 * Training forward (keeping what the backward pass needs) and the backward pass of ALBERT.
 *
 * Weight sharing: every step that uses a layer group adds its gradients into that group's one
 * gradient buffer, which is what autograd does for HF's shared `albert_layer_groups` modules.
 * Gradients may be injected at any hidden state (the final head at L, exit heads at each l):
 * `backward` walks the steps from L down to 0 and adds them in on its way.
 */
import type { LayerWeights } from '../../kernels/backend.ts';
import { groupOfLayer } from '../albert/config.ts';
import type { AlbertModel, ModelInputs } from '../albert/model.ts';
import type { AlbertWeights } from '../albert/weights.ts';
import {
  activationBackward, attentionBackward, attentionForward, layerNormBackward, layerNormForward, linearBackward,
  type AttentionSaved, type LayerNormSaved,
} from './_grad-ops.ts';

interface LayerTape {
  readonly w: LayerWeights;
  readonly gw: LayerWeights;
  readonly x: Float32Array;
  readonly q: Float32Array; readonly k: Float32Array; readonly v: Float32Array;
  readonly att: AttentionSaved;
  readonly ctx: Float32Array;
  readonly ln1: LayerNormSaved;
  readonly a: Float32Array;
  readonly fPre: Float32Array;
  readonly fAct: Float32Array;
  readonly ln2: LayerNormSaved;
}

export interface Tape {
  readonly inputs: ModelInputs;
  /** The embedding LayerNorm's output [rows, E] and saved state. */
  readonly embOut: Float32Array;
  readonly embLn: LayerNormSaved;
  /** steps[l] holds the inner layers of step l (0-based). */
  readonly steps: LayerTape[][];
  /** hidden_states.0 … hidden_states.L. */
  readonly hiddenStates: Float32Array[];
}

/** The forward pass of `model` on `inputs`, keeping every activation the backward pass needs. */
export function forwardWithTape(model: AlbertModel, inputs: ModelInputs, grads: AlbertWeights): Tape {
  model.validate(inputs);
  const be = model.backend;
  const c = model.config;
  const w = model.weights;
  const { batch, seq } = inputs;
  const rows = batch * seq, E = c.embeddingSize, H = c.hiddenSize, I = c.intermediateSize;
  const emb = new Float32Array(rows * E);
  for (let r = 0; r < rows; r++) {
    const wo = inputs.inputIds[r]! * E, po = (r % seq) * E, to = inputs.tokenTypeIds[r]! * E;
    for (let e = 0; e < E; e++) emb[r * E + e] = w.wordEmbeddings[wo + e]! + w.positionEmbeddings[po + e]! + w.tokenTypeEmbeddings[to + e]!;
  }
  const embOut = new Float32Array(rows * E);
  const embLn = layerNormForward(emb, null, rows, E, w.embeddingLayerNorm.weight, w.embeddingLayerNorm.bias, c.layerNormEps, embOut);
  let x = new Float32Array(rows * H);
  be.linear(embOut, rows, E, w.embeddingHiddenMappingIn.weight, w.embeddingHiddenMappingIn.bias, H, x);
  const hiddenStates = [x];
  const steps: LayerTape[][] = [];
  const act = c.hiddenAct;
  for (let l = 0; l < c.numHiddenLayers; l++) {
    const g = groupOfLayer(c, l);
    const inner: LayerTape[] = [];
    w.groups[g]!.forEach((lw, i) => {
      const q = new Float32Array(rows * H), k = new Float32Array(rows * H), v = new Float32Array(rows * H);
      be.linear(x, rows, H, lw.query.weight, lw.query.bias, H, q);
      be.linear(x, rows, H, lw.key.weight, lw.key.bias, H, k);
      be.linear(x, rows, H, lw.value.weight, lw.value.bias, H, v);
      const ctx = new Float32Array(rows * H);
      const att = attentionForward(be, q, k, v, inputs.attentionMask, batch, seq, c.numAttentionHeads, H / c.numAttentionHeads, ctx);
      const proj = new Float32Array(rows * H);
      be.linear(ctx, rows, H, lw.dense.weight, lw.dense.bias, H, proj);
      const a = new Float32Array(rows * H);
      const ln1 = layerNormForward(proj, x, rows, H, lw.attentionLayerNorm.weight, lw.attentionLayerNorm.bias, c.layerNormEps, a);
      const fPre = new Float32Array(rows * I);
      be.linear(a, rows, H, lw.ffn.weight, lw.ffn.bias, I, fPre);
      const fAct = fPre.slice();
      be.activation(act, fAct);
      const o = new Float32Array(rows * H);
      be.linear(fAct, rows, I, lw.ffnOutput.weight, lw.ffnOutput.bias, H, o);
      const y = new Float32Array(rows * H);
      const ln2 = layerNormForward(o, a, rows, H, lw.fullLayerLayerNorm.weight, lw.fullLayerLayerNorm.bias, c.layerNormEps, y);
      inner.push({ w: lw, gw: grads.groups[g]![i]!, x, q, k, v, att, ctx, ln1, a, fPre, fAct, ln2 });
      x = y;
    });
    steps.push(inner);
    hiddenStates.push(x);
  }
  return { inputs, embOut, embLn, steps, hiddenStates };
}

function layerBackward(model: AlbertModel, t: LayerTape, dy: Float32Array, batch: number, seq: number): Float32Array {
  const be = model.backend;
  const c = model.config;
  const rows = batch * seq, H = c.hiddenSize, I = c.intermediateSize;
  const { w, gw } = t;
  // y = LN2(o + a)
  const dsum = new Float32Array(rows * H);
  layerNormBackward(t.ln2, rows, H, w.fullLayerLayerNorm.weight, dy, dsum, gw.fullLayerLayerNorm.weight, gw.fullLayerLayerNorm.bias);
  // o = ffn_output(fAct)
  const dfAct = new Float32Array(rows * I);
  linearBackward(be, t.fAct, rows, I, w.ffnOutput.weight, H, dsum, dfAct, gw.ffnOutput.weight, gw.ffnOutput.bias);
  activationBackward(be, c.hiddenAct, t.fPre, dfAct);
  // fPre = ffn(a); a also feeds the residual of LN2
  const da = new Float32Array(rows * H);
  linearBackward(be, t.a, rows, H, w.ffn.weight, I, dfAct, da, gw.ffn.weight, gw.ffn.bias);
  for (let i = 0; i < da.length; i++) da[i]! += dsum[i]!;
  // a = LN1(proj + x)
  const dsum1 = new Float32Array(rows * H);
  layerNormBackward(t.ln1, rows, H, w.attentionLayerNorm.weight, da, dsum1, gw.attentionLayerNorm.weight, gw.attentionLayerNorm.bias);
  const dctx = new Float32Array(rows * H);
  linearBackward(be, t.ctx, rows, H, w.dense.weight, H, dsum1, dctx, gw.dense.weight, gw.dense.bias);
  const dq = new Float32Array(rows * H), dk = new Float32Array(rows * H), dv = new Float32Array(rows * H);
  attentionBackward(be, t.att, t.q, t.k, t.v, dctx, batch, seq, c.numAttentionHeads, H / c.numAttentionHeads, dq, dk, dv);
  const dx = dsum1; // the residual path of LN1
  const tmp = new Float32Array(rows * H);
  for (const [dproj, lin] of [[dq, 'query'], [dk, 'key'], [dv, 'value']] as const) {
    linearBackward(be, t.x, rows, H, w[lin].weight, H, dproj, tmp, gw[lin].weight, gw[lin].bias);
    for (let i = 0; i < dx.length; i++) dx[i]! += tmp[i]!;
  }
  return dx;
}

/**
 * Backward pass. `dHidden(l)` gives the gradient of the loss with respect to hidden_states.l
 * (or null when no head reads it). Gradients are ADDED into `grads`.
 */
export function backward(model: AlbertModel, tape: Tape, dHidden: (layer: number) => Float32Array | null, grads: AlbertWeights): void {
  const c = model.config;
  const w = model.weights;
  const { batch, seq } = tape.inputs;
  const rows = batch * seq, E = c.embeddingSize, H = c.hiddenSize;
  let dx: Float32Array = new Float32Array(rows * H);
  for (let l = c.numHiddenLayers; l >= 1; l--) {
    const inj = dHidden(l);
    if (inj !== null) for (let i = 0; i < dx.length; i++) dx[i]! += inj[i]!;
    const inner = tape.steps[l - 1]!;
    for (let i = inner.length - 1; i >= 0; i--) dx = layerBackward(model, inner[i]!, dx, batch, seq);
  }
  const inj0 = dHidden(0);
  if (inj0 !== null) for (let i = 0; i < dx.length; i++) dx[i]! += inj0[i]!;
  const dEmbOut = new Float32Array(rows * E);
  linearBackward(model.backend, tape.embOut, rows, E, w.embeddingHiddenMappingIn.weight, H, dx, dEmbOut,
    grads.embeddingHiddenMappingIn.weight, grads.embeddingHiddenMappingIn.bias);
  const dEmb = new Float32Array(rows * E);
  layerNormBackward(tape.embLn, rows, E, w.embeddingLayerNorm.weight, dEmbOut, dEmb, grads.embeddingLayerNorm.weight, grads.embeddingLayerNorm.bias);
  const { inputIds, tokenTypeIds } = tape.inputs;
  for (let r = 0; r < rows; r++) {
    const wo = inputIds[r]! * E, po = (r % seq) * E, to = tokenTypeIds[r]! * E;
    const padding = inputIds[r] === c.padTokenId; // HF nn.Embedding(padding_idx): that row is never trained
    for (let e = 0; e < E; e++) {
      const g = dEmb[r * E + e]!;
      if (!padding) grads.wordEmbeddings[wo + e]! += g;
      grads.positionEmbeddings[po + e]! += g;
      grads.tokenTypeEmbeddings[to + e]! += g;
    }
  }
}
