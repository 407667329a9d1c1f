/**
 * `npm run bench:engine [-- --json] [-- --reps N]`: per-layer latency and GFLOP/s of the portable
 * TypeScript backend in the albert-base-v2 shape (hidden 768, 12 heads, intermediate 3072), at
 * sequence 128 and 384, batch 1 and 8; plus the Linear kernel alone, to show what the layer is made of.
 */
import { jsBackend } from '../kernels/js/index.ts';
import { runLayerByOps } from '../engine/albert/model.ts';
import type { LayerShape, LayerWeights } from '../kernels/backend.ts';
import { machine, median, printTable, randomFloats, timeIt } from './_report.ts';

const H = 768, HEADS = 12, I = 3072;
const json = process.argv.includes('--json');
const repsArg = process.argv.indexOf('--reps');
const reps = repsArg > 0 ? Number(process.argv[repsArg + 1]) : 3;

let seed = 1;
const lin = (o: number, i: number): { weight: Float32Array; bias: Float32Array } => ({ weight: randomFloats(o * i, seed++), bias: randomFloats(o, seed++) });
const norm = (n: number): { weight: Float32Array; bias: Float32Array } => ({ weight: new Float32Array(n).fill(1), bias: new Float32Array(n) });
const weights: LayerWeights = {
  query: lin(H, H), key: lin(H, H), value: lin(H, H), dense: lin(H, H), attentionLayerNorm: norm(H),
  ffn: lin(I, H), ffnOutput: lin(H, I), fullLayerLayerNorm: norm(H),
};

/** FLOPs of one ALBERT layer: 4 H×H projections, 2 FFN matmuls, QKᵀ and PV (multiply-add = 2). */
function layerFlops(b: number, s: number): number {
  const r = b * s;
  return 2 * r * H * H * 4 + 2 * r * H * I * 2 + 2 * 2 * b * s * s * H;
}

const rows: (string | number)[][] = [];
const results: Record<string, unknown>[] = [];
const log = (m: string): void => { if (!json) process.stderr.write(m); };
log(`machine: ${machine()}\n`);

for (const s of [128, 384]) {
  const x = randomFloats(s * H, 99, 1);
  const out = new Float32Array(s * H);
  log(`linear 768→768 at seq ${s} … `);
  const ms = median(timeIt(() => jsBackend.linear(x, s, H, weights.query.weight, weights.query.bias, H, out), reps));
  const gf = (2 * s * H * H) / (ms * 1e6);
  log(`${ms.toFixed(1)} ms\n`);
  rows.push(['js', 'linear 768→768', 1, s, ms, gf]);
  results.push({ backend: 'js', op: 'linear', batch: 1, seq: s, ms, gflops: gf });
}
for (const s of [128, 384]) {
  const q = randomFloats(s * H, 5, 1), k = randomFloats(s * H, 6, 1), v = randomFloats(s * H, 8, 1);
  const out = new Float32Array(s * H);
  const mask = new Int32Array(s).fill(1);
  log(`attention at seq ${s} … `);
  const ms = median(timeIt(() => jsBackend.attention(q, k, v, mask, 1, s, HEADS, H / HEADS, out), reps));
  const gf = (2 * 2 * s * s * H) / (ms * 1e6);
  log(`${ms.toFixed(1)} ms\n`);
  rows.push(['js', 'attention 12×64', 1, s, ms, gf]);
  results.push({ backend: 'js', op: 'attention', batch: 1, seq: s, ms, gflops: gf });
}
for (const s of [128, 384]) {
  for (const b of [1, 8]) {
    const shape: LayerShape = { batch: b, seq: s, hidden: H, heads: HEADS, intermediate: I, activation: 'gelu_new', layerNormEps: 1e-12 };
    const x = randomFloats(b * s * H, 7, 1);
    const mask = new Int32Array(b * s).fill(1);
    const n = b * s > 1024 ? 1 : reps;
    log(`layer batch ${b} seq ${s} (${n} runs) … `);
    const ms = median(timeIt(() => runLayerByOps(jsBackend, x, mask, weights, shape), n, b * s > 1024 ? 0 : 1));
    const gf = layerFlops(b, s) / (ms * 1e6);
    log(`${ms.toFixed(0)} ms\n`);
    rows.push(['js', 'ALBERT layer', b, s, ms, gf]);
    results.push({ backend: 'js', op: 'layer', batch: b, seq: s, ms, gflops: gf, ms_per_sequence: ms / b });
  }
}

if (json) {
  process.stdout.write(`${JSON.stringify({ bench: 'engine', machine: machine(), date: new Date().toISOString(), shape: { hidden: H, heads: HEADS, intermediate: I }, results }, null, 2)}\n`);
} else {
  process.stdout.write(`\nalbert-base-v2 shape (hidden ${H}, ${HEADS} heads, intermediate ${I}), median of ${reps} runs (1 for batch·seq > 1024)\n`);
  process.stdout.write(`${printTable(['backend', 'op', 'batch', 'seq', 'ms', 'GFLOP/s'], rows)}\n`);
}
