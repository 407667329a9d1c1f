/**
 * The portable reference of the backward-pass kernels (kernels/backend.ts TrainingOps), on top of
 * the blocked `linear` kernel; native backends provide faster ones (kernels/native/train-ops.ts).
 */
import type { TrainingOps } from '../backend.ts';
import { linear } from './linear.ts';
import { activationDerivative, type Activation } from '../activation.ts';

/** The rows×cols matrix at `a` (leading dimension lda), transposed or not, copied densely. */
function dense(a: Float32Array, rows: number, cols: number, lda: number, trans: boolean): Float32Array {
  // Returns op(a) as a dense [r, c] matrix where (r, c) = trans ? (cols, rows) : (rows, cols).
  const out = new Float32Array(rows * cols);
  if (trans) {
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * lda + j]!;
  } else {
    for (let i = 0; i < rows; i++) out.set(a.subarray(i * lda, i * lda + cols), i * cols);
  }
  return out;
}

function gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number, a: Float32Array, lda: number,
  b: Float32Array, ldb: number, beta: number, c: Float32Array, ldc: number): void {
  // linear computes x·wᵀ with x [m, k] and w [n, k]: op(a) as x, op(b)ᵀ as w.
  const x = transA ? dense(a, k, m, lda, true) : dense(a, m, k, lda, false);
  const w = transB ? dense(b, n, k, ldb, false) : dense(b, k, n, ldb, true);
  const t = new Float32Array(m * n);
  linear(x, m, k, w, null, n, t);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const o = i * ldc + j;
      c[o] = alpha * t[i * n + j]! + (beta === 0 ? 0 : beta * c[o]!);
    }
  }
}

function attentionForward(q: Float32Array, k: Float32Array, v: Float32Array, mask: Int32Array, batch: number, seq: number,
  heads: number, headDim: number, out: Float32Array, probs: Float32Array): void {
  const H = heads * headDim, S = seq;
  const scale = 1 / Math.sqrt(headDim);
  for (let b = 0; b < batch; b++) {
    let any = false;
    for (let j = 0; j < S; j++) if (mask[b * S + j] !== 0) any = true;
    for (let h = 0; h < heads; h++) {
      const off = b * S * H + h * headDim;
      const p = probs.subarray((b * heads + h) * S * S, (b * heads + h + 1) * S * S);
      gemm(false, true, S, S, headDim, scale, q.subarray(off), H, k.subarray(off), H, 0, p, S);
      for (let i = 0; i < S; i++) {
        let max = -Infinity;
        for (let j = 0; j < S; j++) if (!any || mask[b * S + j] !== 0) max = Math.max(max, p[i * S + j]!);
        let z = 0;
        for (let j = 0; j < S; j++) {
          const e = !any || mask[b * S + j] !== 0 ? Math.exp(p[i * S + j]! - max) : 0;
          p[i * S + j] = e;
          z += e;
        }
        for (let j = 0; j < S; j++) p[i * S + j]! /= z;
      }
      gemm(false, false, S, headDim, S, 1, p, S, v.subarray(off), H, 0, out.subarray(off), H);
    }
  }
}

function attentionBackward(q: Float32Array, k: Float32Array, v: Float32Array, probs: Float32Array, dctx: Float32Array,
  batch: number, seq: number, heads: number, headDim: number, dq: Float32Array, dk: Float32Array, dv: Float32Array): void {
  const H = heads * headDim, S = seq;
  const scale = 1 / Math.sqrt(headDim);
  const ds = new Float32Array(S * S);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const off = b * S * H + h * headDim;
      const p = probs.subarray((b * heads + h) * S * S, (b * heads + h + 1) * S * S);
      gemm(true, false, S, headDim, S, 1, p, S, dctx.subarray(off), H, 0, dv.subarray(off), H);
      gemm(false, true, S, S, headDim, 1, dctx.subarray(off), H, v.subarray(off), H, 0, ds, S);
      for (let i = 0; i < S; i++) {
        let dot = 0;
        for (let j = 0; j < S; j++) dot += ds[i * S + j]! * p[i * S + j]!;
        for (let j = 0; j < S; j++) ds[i * S + j] = p[i * S + j]! * (ds[i * S + j]! - dot) * scale;
      }
      gemm(false, false, S, headDim, S, 1, ds, S, k.subarray(off), H, 0, dq.subarray(off), H);
      gemm(true, false, S, headDim, S, 1, ds, S, q.subarray(off), H, 0, dk.subarray(off), H);
    }
  }
}

function activationBackward(kind: Activation, x: Float32Array, dy: Float32Array): boolean {
  const d = activationDerivative(kind);
  for (let i = 0; i < dy.length; i++) dy[i]! *= d(x[i]!);
  return true;
}

function biasGrad(dy: Float32Array, rows: number, cols: number, db: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) db[j]! += dy[o + j]!;
  }
}

export const jsTrainingOps: TrainingOps = { name: 'js', gemm, attentionForward, attentionBackward, activationBackward, biasGrad };
