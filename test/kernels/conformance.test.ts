/**
 * The backend conformance suite (ggml's test-backend-ops is the model): every available backend
 * (AVAILABLE_BACKENDS: js, and native, onnx, cuda where they load), op by op and layer by layer,
 * against plain-loop references written straight from the formulas and against the TypeScript
 * backend. Shapes are chosen to hit the edges of blocked kernels (rows and outputs not multiples
 * of 4, inner dimensions longer than one cache panel) and of attention masks (padding, a row with
 * every key masked). Bound: NMSE ≤ 1e-7 in fp32 (docs/backends.md has the fp16 bound).
 */
import test from 'ava';
import type { Backend, LayerShape, LayerWeights } from '../../kernels/backend.ts';
import { ACTIVATIONS, activationFn } from '../../kernels/activation.ts';
import { jsBackend } from '../../kernels/js/index.ts';
import { runLayerByOps } from '../../engine/albert/model.ts';
import { AVAILABLE_BACKENDS, selectBackend } from '../../runtime/backend-select.ts';
import { randomFloats } from '../../bench/_report.ts';
import { reportUnavailableBackends } from '../_native.ts';

/** Normalised mean squared error, the conformance measure (≤ 1e-7 in fp32). */
function nmse(got: Float32Array, want: Float32Array): number {
  let num = 0, den = 0;
  for (let i = 0; i < want.length; i++) { num += (got[i]! - want[i]!) ** 2; den += want[i]! ** 2; }
  return num / Math.max(den, 1e-30);
}

function refLinear(x: Float32Array, rows: number, inF: number, w: Float32Array, b: Float32Array | null, outF: number): Float32Array {
  const out = new Float32Array(rows * outF);
  for (let r = 0; r < rows; r++) for (let o = 0; o < outF; o++) {
    let s = b === null ? 0 : b[o]!;
    for (let k = 0; k < inF; k++) s += x[r * inF + k]! * w[o * inF + k]!;
    out[r * outF + o] = s;
  }
  return out;
}

function refLayerNorm(x: Float32Array, res: Float32Array | null, rows: number, cols: number, g: Float32Array, b: Float32Array, eps: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const v = Array.from({ length: cols }, (_, c) => x[r * cols + c]! + (res === null ? 0 : res[r * cols + c]!));
    const mean = v.reduce((a, y) => a + y, 0) / cols;
    const vr = v.reduce((a, y) => a + (y - mean) ** 2, 0) / cols;
    v.forEach((y, c) => { out[r * cols + c] = ((y - mean) / Math.sqrt(vr + eps)) * g[c]! + b[c]!; });
  }
  return out;
}

function refAttention(q: Float32Array, k: Float32Array, v: Float32Array, mask: Int32Array, B: number, S: number, Hn: number, D: number): Float32Array {
  const Hd = Hn * D;
  const out = new Float32Array(B * S * Hd);
  for (let b = 0; b < B; b++) for (let h = 0; h < Hn; h++) for (let i = 0; i < S; i++) {
    // HF: scores + (1 - mask) * finfo(float32).min, then softmax.
    const sc = Array.from({ length: S }, (_, j) => {
      let s = 0;
      for (let d = 0; d < D; d++) s += q[(b * S + i) * Hd + h * D + d]! * k[(b * S + j) * Hd + h * D + d]!;
      return s / Math.sqrt(D) + (mask[b * S + j] === 1 ? 0 : -3.4028234663852886e38);
    });
    const m = Math.max(...sc);
    const e = sc.map((s) => Math.exp(s - m));
    const z = e.reduce((a, y) => a + y, 0);
    for (let d = 0; d < D; d++) {
      let acc = 0;
      for (let j = 0; j < S; j++) acc += (e[j]! / z) * v[(b * S + j) * Hd + h * D + d]!;
      out[(b * S + i) * Hd + h * D + d] = acc;
    }
  }
  return out;
}

// Backends that do not load here are loud skips (a native library that is there but does not load fails).
reportUnavailableBackends('the conformance suite');
const backends: Backend[] = AVAILABLE_BACKENDS.map((n) => selectBackend(n));

for (const be of backends) {
  test(`${be.name}: linear matches the reference on ragged shapes`, (t) => {
    for (const [rows, inF, outF] of [[1, 1, 1], [3, 5, 7], [5, 300, 6], [9, 64, 2], [17, 513, 13]] as const) {
      const x = randomFloats(rows * inF, rows + 1, 1), w = randomFloats(outF * inF, inF + 2, 1), b = randomFloats(outF, 9, 1);
      for (const bias of [b, null]) {
        const out = new Float32Array(rows * outF);
        be.linear(x, rows, inF, w, bias, outF, out);
        t.true(nmse(out, refLinear(x, rows, inF, w, bias, outF)) <= 1e-7, `[${rows}×${inF}]·[${outF}×${inF}]ᵀ`);
      }
    }
    t.throws(() => be.linear(new Float32Array(3), 2, 2, new Float32Array(4), null, 2, new Float32Array(4)), { instanceOf: RangeError });
  });

  test(`${be.name}: layerNorm (with and without residual) matches the reference`, (t) => {
    const rows = 7, cols = 37;
    const x = randomFloats(rows * cols, 1, 3), r = randomFloats(rows * cols, 2, 3), g = randomFloats(cols, 3, 1), b = randomFloats(cols, 4, 1);
    for (const res of [null, r]) {
      const out = new Float32Array(rows * cols);
      be.layerNorm(x, res, rows, cols, g, b, 1e-12, out);
      t.true(nmse(out, refLayerNorm(x, res, rows, cols, g, b, 1e-12)) <= 1e-7);
    }
  });

  test(`${be.name}: softmax and activations match the formulas`, (t) => {
    const x = randomFloats(3 * 11, 5, 10);
    const got = x.slice();
    be.softmax(got, 3, 11);
    for (let r = 0; r < 3; r++) {
      const row = Array.from(x.subarray(r * 11, r * 11 + 11));
      const z = row.reduce((a, y) => a + Math.exp(y), 0);
      row.forEach((y, c) => t.true(Math.abs(got[r * 11 + c]! - Math.exp(y) / z) < 1e-7));
    }
    for (const a of ['gelu', 'gelu_new', 'relu', 'silu'] as const) {
      const y = x.slice();
      be.activation(a, y);
      const f = activationFn(a);
      t.true(nmse(y, Float32Array.from(x, f)) <= 1e-7, a);
    }
  });

  test(`${be.name}: attention with padding masks matches the HF formula`, (t) => {
    const B = 3, S = 6, Hn = 2, D = 5;
    const q = randomFloats(B * S * Hn * D, 11, 1), k = randomFloats(B * S * Hn * D, 12, 1), v = randomFloats(B * S * Hn * D, 13, 1);
    const mask = Int32Array.from({ length: B * S }, (_, i) => (Math.floor(i / S) === 1 && i % S >= 4 ? 0 : 1));
    const out = new Float32Array(B * S * Hn * D);
    be.attention(q, k, v, mask, B, S, Hn, D, out);
    t.true(nmse(out, refAttention(q, k, v, mask, B, S, Hn, D)) <= 1e-7);
  });

  test(`${be.name}: a whole layer matches the reference ops`, (t) => {
    const shape: LayerShape = { batch: 2, seq: 7, hidden: 24, heads: 3, intermediate: 40, activation: 'gelu_new', layerNormEps: 1e-12 };
    let s = 20;
    const lin = (o: number, i: number) => ({ weight: randomFloats(o * i, s++, 0.3), bias: randomFloats(o, s++, 0.3) });
    const w: LayerWeights = {
      query: lin(24, 24), key: lin(24, 24), value: lin(24, 24), dense: lin(24, 24), attentionLayerNorm: lin(24, 1),
      ffn: lin(40, 24), ffnOutput: lin(24, 40), fullLayerLayerNorm: lin(24, 1),
    };
    const x = randomFloats(2 * 7 * 24, 77, 1);
    const mask = Int32Array.from({ length: 14 }, (_, i) => (i >= 12 ? 0 : 1));
    const rows = 14;
    const q = refLinear(x, rows, 24, w.query.weight, w.query.bias, 24), k = refLinear(x, rows, 24, w.key.weight, w.key.bias, 24), v = refLinear(x, rows, 24, w.value.weight, w.value.bias, 24);
    const ctx = refAttention(q, k, v, mask, 2, 7, 3, 8);
    const a = refLayerNorm(refLinear(ctx, rows, 24, w.dense.weight, w.dense.bias, 24), x, rows, 24, w.attentionLayerNorm.weight, w.attentionLayerNorm.bias, 1e-12);
    const f = Float32Array.from(refLinear(a, rows, 24, w.ffn.weight, w.ffn.bias, 40), activationFn('gelu_new'));
    const want = refLayerNorm(refLinear(f, rows, 40, w.ffnOutput.weight, w.ffnOutput.bias, 24), a, rows, 24, w.fullLayerLayerNorm.weight, w.fullLayerLayerNorm.bias, 1e-12);
    const got = x.slice();
    if (be.layer !== undefined) be.layer(got, mask, w, shape);
    else runLayerByOps(be, got, mask, w, shape);
    t.true(nmse(got, want) <= 1e-7);
  });
}

/** A layer's weights at a given shape (deterministic). */
function layerWeights(H: number, I: number, seed: number): LayerWeights {
  let s = seed;
  const lin = (o: number, i: number) => ({ weight: randomFloats(o * i, s++, 0.3), bias: randomFloats(o, s++, 0.3) });
  const norm = (n: number) => ({ weight: Float32Array.from(randomFloats(n, s++, 0.2), (v) => 1 + v), bias: randomFloats(n, s++, 0.1) });
  return { query: lin(H, H), key: lin(H, H), value: lin(H, H), dense: lin(H, H), attentionLayerNorm: norm(H), ffn: lin(I, H), ffnOutput: lin(H, I), fullLayerLayerNorm: norm(H) };
}

for (const be of backends.filter((b) => b.name !== 'js')) {
  test(`${be.name}: every activation matches the TypeScript backend`, (t) => {
    const x = randomFloats(1000, 31, 8);
    for (const a of ACTIVATIONS) {
      const want = x.slice(), got = x.slice();
      jsBackend.activation(a, want);
      be.activation(a, got);
      t.true(nmse(got, want) <= 1e-7, `${a}: nmse ${nmse(got, want)}`);
    }
  });

  test(`${be.name}: attention matches the TypeScript backend, a fully masked row and byte masks included`, (t) => {
    const B = 3, S = 37, Hn = 3, D = 16, n = B * S * Hn * D;
    const q = randomFloats(n, 41, 1), k = randomFloats(n, 42, 1), v = randomFloats(n, 43, 1);
    // row 0 full, row 1 padded after 30, row 2 every key masked (HF: uniform weights)
    const mask = Uint8Array.from({ length: B * S }, (_, i) => (i >= 2 * S || (i >= S && i % S >= 30) ? 0 : 1));
    const want = new Float32Array(n), got = new Float32Array(n);
    jsBackend.attention(q, k, v, mask, B, S, Hn, D, want);
    be.attention(q, k, v, mask, B, S, Hn, D, got);
    t.true(nmse(got, want) <= 1e-7, `nmse ${nmse(got, want)}`);
    t.true(nmse(want, refAttention(q, k, v, Int32Array.from(mask), B, S, Hn, D)) <= 1e-7, 'the TypeScript backend itself');
  });

  for (const [act, B, S, H, Hn, I] of [['gelu', 2, 33, 64, 4, 128], ['gelu_new', 1, 128, 96, 6, 200], ['relu', 3, 5, 32, 2, 48]] as const) {
    test(`${be.name}: layer ${act} [${B}×${S}], hidden ${H}, ${Hn} heads: fused and op by op match the TypeScript backend`, (t) => {
      const shape: LayerShape = { batch: B, seq: S, hidden: H, heads: Hn, intermediate: I, activation: act, layerNormEps: 1e-12 };
      const w = layerWeights(H, I, 100 + H);
      const x = randomFloats(B * S * H, 7, 1);
      const mask = Int32Array.from({ length: B * S }, (_, i) => (i % S < S - (i >= S ? 3 : 0) ? 1 : 0));
      const want = x.slice();
      runLayerByOps(jsBackend, want, mask, w, shape);
      const byOps = x.slice();
      runLayerByOps(be, byOps, mask, w, shape);
      t.true(nmse(byOps, want) <= 1e-7, `op by op: nmse ${nmse(byOps, want)}`);
      if (be.layer !== undefined) {
        const fused = x.slice();
        be.layer(fused, mask, w, shape);
        t.true(nmse(fused, want) <= 1e-7, `fused: nmse ${nmse(fused, want)}`);
        // ALBERT runs the same layer again on its own output: 3 steps stay within the bound.
        for (let i = 0; i < 2; i++) { be.layer(fused, mask, w, shape); runLayerByOps(jsBackend, want, mask, w, shape); }
        t.true(nmse(fused, want) <= 1e-7, `3 steps: nmse ${nmse(fused, want)}`);
      }
    });
  }
}

for (const be of backends) {
  test(`${be.name}: a buffer too small for the shape is a RangeError, not a crash`, (t) => {
    const small = new Float32Array(5), ok = new Float32Array(64);
    t.throws(() => be.linear(small, 2, 4, ok, null, 4, ok), { instanceOf: RangeError });
    t.throws(() => be.linear(ok, 2, 4, ok, null, 4, small), { instanceOf: RangeError });
    t.throws(() => be.layerNorm(small, null, 2, 4, ok, ok, 1e-12, ok), { instanceOf: RangeError });
    t.throws(() => be.softmax(small, 2, 4), { instanceOf: RangeError });
    t.throws(() => be.attention(small, ok, ok, new Int32Array(4), 1, 4, 2, 2, ok), { instanceOf: RangeError });
    t.throws(() => be.addInPlace(ok, small), { instanceOf: RangeError });
    if (be.layer !== undefined) {
      const shape: LayerShape = { batch: 1, seq: 2, hidden: 8, heads: 2, intermediate: 16, activation: 'gelu', layerNormEps: 1e-12 };
      t.throws(() => be.layer!(small, new Int32Array(2), layerWeights(8, 16, 1), shape), { instanceOf: RangeError });
      t.throws(() => be.layer!(new Float32Array(16), new Int32Array(2), layerWeights(8, 8, 1), shape), { instanceOf: RangeError }, 'weights of another intermediate size');
      t.throws(() => be.layer!(new Float32Array(16), new Int32Array(2), layerWeights(8, 16, 1), { ...shape, heads: 3 }), { instanceOf: RangeError }, 'heads not dividing hidden');
    }
  });
}
