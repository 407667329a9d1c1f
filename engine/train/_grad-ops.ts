/**
 * Forward-with-saved-state and backward of the operations of an ALBERT layer (llm.c's hand-written
 * backward passes are the model). Matrix products and attention go through the backend's
 * TrainingOps (native kernels when available, kernels/js/training.ts otherwise); the rest is
 * element-wise and cheap.
 *
 * Shapes are row-major; Linear weights are [out, in] (Hugging Face).
 */
import type { Activation } from '../../kernels/activation.ts';
import type { Backend, TrainingOps } from '../../kernels/backend.ts';
import { jsTrainingOps } from '../../kernels/js/training.ts';

/** The backend's training kernels, or the portable ones. */
export function trainingOps(be: Backend): TrainingOps {
  return be.training ?? jsTrainingOps;
}

/**
 * Backward of y = x·wᵀ + b for x [rows, inF], w [outF, inF], given dy [rows, outF]:
 * dx = dy·w (overwritten), dw += dyᵀ·x, db += Σ_rows dy.
 */
export function linearBackward(be: Backend, x: Float32Array, rows: number, inF: number, w: Float32Array, outF: number,
  dy: Float32Array, dx: Float32Array | null, dw: Float32Array | null, db: Float32Array | null): void {
  const ops = trainingOps(be);
  if (dx !== null) ops.gemm(false, false, rows, inF, outF, 1, dy, outF, w, inF, 0, dx, inF);
  if (dw !== null) ops.gemm(true, false, outF, inF, rows, 1, dy, outF, x, inF, 1, dw, inF);
  if (db !== null) ops.biasGrad(dy, rows, outF, db);
}

/** dy *= act'(x) in place, on the backend's kernel when it has one for `kind`. */
export function activationBackward(be: Backend, kind: Activation, x: Float32Array, dy: Float32Array): void {
  if (!trainingOps(be).activationBackward(kind, x, dy)) jsTrainingOps.activationBackward(kind, x, dy);
}

export interface LayerNormSaved {
  /** Normalised input x̂ [rows, cols]. */
  readonly xhat: Float32Array;
  /** 1/√(var + eps) per row. */
  readonly rstd: Float32Array;
}

/** LayerNorm(x (+ residual)) into `out`, keeping x̂ and 1/σ for the backward pass. */
export function layerNormForward(x: Float32Array, residual: Float32Array | null, rows: number, cols: number,
  gamma: Float32Array, beta: Float32Array, eps: number, out: Float32Array): LayerNormSaved {
  const xhat = new Float32Array(rows * cols);
  const rstd = new Float32Array(rows);
  const v = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let mean = 0;
    for (let c = 0; c < cols; c++) { v[c] = residual === null ? x[o + c]! : x[o + c]! + residual[o + c]!; mean += v[c]!; }
    mean /= cols;
    let variance = 0;
    for (let c = 0; c < cols; c++) { const d = v[c]! - mean; variance += d * d; }
    const inv = 1 / Math.sqrt(variance / cols + eps);
    rstd[r] = inv;
    for (let c = 0; c < cols; c++) {
      const h = (v[c]! - mean) * inv;
      xhat[o + c] = h;
      out[o + c] = h * gamma[c]! + beta[c]!;
    }
  }
  return { xhat, rstd };
}

/** dx = (1/σ)(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) with ĝ = dy·γ; dγ += Σ dy·x̂, dβ += Σ dy. */
export function layerNormBackward(s: LayerNormSaved, rows: number, cols: number, gamma: Float32Array, dy: Float32Array,
  dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let m1 = 0, m2 = 0;
    for (let c = 0; c < cols; c++) {
      const g = dy[o + c]! * gamma[c]!;
      m1 += g;
      m2 += g * s.xhat[o + c]!;
      dgamma[c]! += dy[o + c]! * s.xhat[o + c]!;
      dbeta[c]! += dy[o + c]!;
    }
    m1 /= cols;
    m2 /= cols;
    const inv = s.rstd[r]!;
    for (let c = 0; c < cols; c++) dx[o + c] = inv * (dy[o + c]! * gamma[c]! - m1 - s.xhat[o + c]! * m2);
  }
}

export interface AttentionSaved {
  /** Softmax weights per (row, head): [batch, heads, seq, seq], zero for masked keys. */
  readonly probs: Float32Array;
}

/** Masked multi-head attention (HF AlbertAttention) that keeps its weights for the backward pass. */
export function attentionForward(be: Backend, q: Float32Array, k: Float32Array, v: Float32Array, mask: Int32Array,
  batch: number, seq: number, heads: number, headDim: number, out: Float32Array): AttentionSaved {
  const probs = new Float32Array(batch * heads * seq * seq);
  trainingOps(be).attentionForward(q, k, v, mask, batch, seq, heads, headDim, out, probs);
  return { probs };
}

/**
 * Backward of attention: with P the weights and dC the gradient of the context,
 * dV = Pᵀ·dC, dP = dC·Vᵀ, dS = P ⊙ (dP − rowsum(dP ⊙ P)), dQ = s·dS·K, dK = s·dSᵀ·Q  (s = 1/√d).
 * dq, dk, dv are overwritten.
 */
export function attentionBackward(be: Backend, saved: AttentionSaved, q: Float32Array, k: Float32Array, v: Float32Array,
  dctx: Float32Array, batch: number, seq: number, heads: number, headDim: number,
  dq: Float32Array, dk: Float32Array, dv: Float32Array): void {
  trainingOps(be).attentionBackward(q, k, v, saved.probs, dctx, batch, seq, heads, headDim, dq, dk, dv);
}
