/**
 * Forward-with-saved-state and backward of the operations of an ALBERT layer (llm.c's hand-written
 * backward passes are the model). Every matrix product goes through the backend's `linear`, so a
 * faster backend speeds training too; the rest is element-wise and cheap.
 *
 * Shapes are row-major; Linear weights are [out, in] (Hugging Face).
 */
import type { Backend } from '../../kernels/backend.ts';

/** out[c, r] = x[r, c]. */
export function transpose(x: Float32Array, rows: number, cols: number, out = new Float32Array(rows * cols)): Float32Array {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = x[o + c]!;
  }
  return out;
}

function addInto(dst: Float32Array, src: Float32Array): void {
  for (let i = 0; i < dst.length; i++) dst[i]! += src[i]!;
}

/**
 * Backward of y = x·wᵀ + b for x [rows, inF], w [outF, inF], given dy [rows, outF]:
 * dx (+)= dy·w, dw += dyᵀ·x, db += Σ_rows dy. `dx` is overwritten (not accumulated) when given.
 */
export function linearBackward(be: Backend, x: Float32Array, rows: number, inF: number, w: Float32Array, outF: number,
  dy: Float32Array, dx: Float32Array | null, dw: Float32Array | null, db: Float32Array | null): void {
  if (dx !== null) be.linear(dy, rows, outF, transpose(w, outF, inF), null, inF, dx);
  if (dw !== null) {
    const t = new Float32Array(outF * inF);
    be.linear(transpose(dy, rows, outF), outF, rows, transpose(x, rows, inF), null, inF, t);
    addInto(dw, t);
  }
  if (db !== null) {
    for (let r = 0; r < rows; r++) {
      const o = r * outF;
      for (let j = 0; j < outF; j++) db[j]! += dy[o + j]!;
    }
  }
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

/**
 * Masked multi-head attention (the same computation as kernels/js/attention.ts) that keeps the
 * attention weights for the backward pass.
 */
export function attentionForward(be: Backend, q: Float32Array, k: Float32Array, v: Float32Array, mask: Int32Array,
  batch: number, seq: number, heads: number, headDim: number, out: Float32Array): AttentionSaved {
  const hidden = heads * headDim;
  const scale = 1 / Math.sqrt(headDim);
  const probs = new Float32Array(batch * heads * seq * seq);
  const qh = new Float32Array(seq * headDim), kh = new Float32Array(seq * headDim), vt = new Float32Array(headDim * seq);
  const sc = new Float32Array(seq * seq), ctx = new Float32Array(seq * headDim);
  for (let b = 0; b < batch; b++) {
    let any = false;
    for (let j = 0; j < seq; j++) if (mask[b * seq + j] !== 0) any = true;
    for (let h = 0; h < heads; h++) {
      gatherHead(q, b, h, seq, hidden, headDim, qh);
      gatherHead(k, b, h, seq, hidden, headDim, kh);
      for (let j = 0; j < seq; j++) for (let d = 0; d < headDim; d++) vt[d * seq + j] = v[(b * seq + j) * hidden + h * headDim + d]!;
      be.linear(qh, seq, headDim, kh, null, seq, sc);
      const p = probs.subarray(((b * heads + h) * seq) * seq, ((b * heads + h) * seq + seq) * seq);
      for (let i = 0; i < seq; i++) {
        let max = -Infinity;
        for (let j = 0; j < seq; j++) if (!any || mask[b * seq + j] !== 0) max = Math.max(max, sc[i * seq + j]! * scale);
        let z = 0;
        for (let j = 0; j < seq; j++) {
          const e = !any || mask[b * seq + j] !== 0 ? Math.exp(sc[i * seq + j]! * scale - max) : 0;
          p[i * seq + j] = e;
          z += e;
        }
        for (let j = 0; j < seq; j++) p[i * seq + j]! /= z;
      }
      be.linear(p, seq, seq, vt, null, headDim, ctx);
      scatterHead(ctx, b, h, seq, hidden, headDim, out, false);
    }
  }
  return { probs };
}

function gatherHead(x: Float32Array, b: number, h: number, seq: number, hidden: number, headDim: number, out: Float32Array): void {
  for (let i = 0; i < seq; i++) {
    const src = (b * seq + i) * hidden + h * headDim;
    out.set(x.subarray(src, src + headDim), i * headDim);
  }
}

function scatterHead(x: Float32Array, b: number, h: number, seq: number, hidden: number, headDim: number, out: Float32Array, add: boolean): void {
  for (let i = 0; i < seq; i++) {
    const dst = (b * seq + i) * hidden + h * headDim;
    for (let d = 0; d < headDim; d++) out[dst + d] = (add ? out[dst + d]! : 0) + x[i * headDim + d]!;
  }
}

/**
 * Backward of attention: with P the weights and dC the gradient of the context,
 * dV = Pᵀ·dC, dP = dC·Vᵀ, dS = P ⊙ (dP − rowsum(dP ⊙ P)), dQ = s·dS·K, dK = s·dSᵀ·Q  (s = 1/√d).
 * dq, dk, dv are overwritten.
 */
export function attentionBackward(be: Backend, saved: AttentionSaved, q: Float32Array, k: Float32Array, v: Float32Array,
  dctx: Float32Array, batch: number, seq: number, heads: number, headDim: number,
  dq: Float32Array, dk: Float32Array, dv: Float32Array): void {
  const hidden = heads * headDim;
  const scale = 1 / Math.sqrt(headDim);
  const qh = new Float32Array(seq * headDim), kh = new Float32Array(seq * headDim), vh = new Float32Array(seq * headDim);
  const dch = new Float32Array(seq * headDim), dp = new Float32Array(seq * seq), tmp = new Float32Array(seq * headDim);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const p = saved.probs.subarray(((b * heads + h) * seq) * seq, ((b * heads + h) * seq + seq) * seq);
      gatherHead(q, b, h, seq, hidden, headDim, qh);
      gatherHead(k, b, h, seq, hidden, headDim, kh);
      gatherHead(v, b, h, seq, hidden, headDim, vh);
      gatherHead(dctx, b, h, seq, hidden, headDim, dch);
      // dV [seq, d] = Pᵀ [seq, seq] · dC [seq, d]  → linear(Pᵀ, seq, seq, dCᵀ [d, seq])
      be.linear(transpose(p, seq, seq), seq, seq, transpose(dch, seq, headDim), null, headDim, tmp);
      scatterHead(tmp, b, h, seq, hidden, headDim, dv, false);
      // dP [seq, seq] = dC · Vᵀ → linear(dC, seq, d, V [seq, d])
      be.linear(dch, seq, headDim, vh, null, seq, dp);
      for (let i = 0; i < seq; i++) {
        let dot = 0;
        for (let j = 0; j < seq; j++) dot += dp[i * seq + j]! * p[i * seq + j]!;
        for (let j = 0; j < seq; j++) dp[i * seq + j] = p[i * seq + j]! * (dp[i * seq + j]! - dot) * scale;
      }
      // dQ = dS · K → linear(dS, seq, seq, Kᵀ [d, seq]);  dK = dSᵀ · Q → linear(dSᵀ, seq, seq, Qᵀ)
      be.linear(dp, seq, seq, transpose(kh, seq, headDim), null, headDim, tmp);
      scatterHead(tmp, b, h, seq, hidden, headDim, dq, false);
      be.linear(transpose(dp, seq, seq), seq, seq, transpose(qh, seq, headDim), null, headDim, tmp);
      scatterHead(tmp, b, h, seq, hidden, headDim, dk, false);
    }
  }
}
