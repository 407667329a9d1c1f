/**
 * `npm run bench:layer [-- --json] [-- --reps N] [-- --threads T] [-- --layer-only] [-- --baseline LIB]`: the backends side by side in one
 * run, albert-base-v2 shape (hidden 768, 12 heads, intermediate 3072, gelu_new), batch 1.
 *
 *   peak         the machine's theoretical fp32 peak: cores × measured clock × FLOPs per cycle from
 *                the instruction set (bench/_peak.ts); every row's of_peak is against it
 *   sgemm        one plain OpenBLAS sgemm (2048³, BLAS's own threads) through libelma_native, a row
 *                of its own (how far the BLAS gets on this machine)
 *   layer        one ALBERT layer at sequence 384 and 128: native (fused C layer), onnx (ONNX Runtime,
 *                all graph optimisations, same thread count, running the exported layer graph), js
 *   model        12 layers, and the early-exit loop, per question at sequence 384 (embeddings + layers
 *                + exit heads); batch 8 with early exit (rows leave the batch), questions per second
 *
 * --baseline LIB adds a second libelma_native (e.g. a copy of the previous build) to the layer runs as
 * `native-base` (fp32, and int8 when both libraries have it): an A/B of a kernel change in the same
 * alternation, so load hits both alike.
 *
 * native and onnx runs alternate rep by rep, so load from other processes hits both alike; the
 * table shows medians. Random weights have no meaningful confidence, so the exit threshold is
 * bisected on a first full run so that the median row exits at layer 6: the table reports the mean depth.
 *
 * --json: { bench, machine, threads, peak, results }; every row of results has backend, precision
 * ('fp32' for all current ones), op, seq (null for sgemm), ms, gflops and of_peak (addResult).
 * How the BLAS's kernels were chosen (dispatch on/off, a BLAS that does not know the CPU) is
 * bench:dispatch's table (bench/blas-dispatch.ts).
 */
import { createNativeBackend, type NativeBackend } from '../kernels/native/index.ts';
import { createOnnxBackend, type OnnxBackend } from '../kernels/onnx/index.ts';
import { jsBackend } from '../kernels/js/index.ts';
import { AlbertModel, runLayerByOps, type ModelInputs } from '../engine/albert/model.ts';
import { runEarlyExit, type ExitPolicy } from '../engine/exit/early-exit.ts';
import type { Backend, LayerShape } from '../kernels/backend.ts';
import { BackendError } from '../kernels/errors.ts';
import { describeBlasDispatch } from '../kernels/native/blas-dispatch.ts';
import { ALBERT_BASE, randomAlbertWeights } from './_albert-base.ts';
import { machine, median, printTable, randomFloats } from './_report.ts';
import { describePeak, machinePeak } from './_peak.ts';
import os from 'node:os';

const arg = (name: string, def: number): number => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : def; };
const json = process.argv.includes('--json');
const reps = arg('--reps', 9);
const threads = arg('--threads', os.cpus().length);
const layerOnly = process.argv.includes('--layer-only'); // skip the whole-model runs (quick A/B of a kernel change)
const log = (m: string): void => { if (!json) process.stderr.write(m); };
const cfg = ALBERT_BASE;
const H = cfg.hiddenSize, I = cfg.intermediateSize;

const tryMake = <T>(f: () => T): T | null => { try { return f(); } catch (e) { if (e instanceof BackendError) { log(`${e.message}\n`); return null; } throw e; } };
const native: NativeBackend | null = tryMake(() => createNativeBackend({ threads }));
// The int8 layer (docs/backends.md, "int8"): the same library, the six matrices as int8 GEMMs.
const nativeInt8: NativeBackend | null = native !== null ? tryMake(() => createNativeBackend({ threads, precision: 'int8' })) : null;
// The bf16 layer (docs/backends.md, "bf16"), where the CPU has bf16 instructions (else a line says why not).
const nativeBf16: NativeBackend | null = native !== null ? tryMake(() => createNativeBackend({ threads, precision: 'bf16' })) : null;
const onnx: OnnxBackend | null = tryMake(() => createOnnxBackend({ threads }));
const backends = [native, onnx].filter((b): b is NativeBackend | OnnxBackend => b !== null) as Backend[];
const baselineLib = process.argv.indexOf('--baseline') > 0 ? process.argv[process.argv.indexOf('--baseline') + 1] : undefined;
const baseline: NativeBackend | null = baselineLib !== undefined ? tryMake(() => createNativeBackend({ threads, library: baselineLib })) : null;
// The baseline's int8 layer too, when both libraries have one (an A/B of an int8 kernel change).
const baselineInt8: NativeBackend | null = baseline !== null && nativeInt8 !== null && baseline.int8 !== undefined
  ? tryMake(() => createNativeBackend({ threads, library: baselineLib!, precision: 'int8' })) : null;
const layerBackends: Backend[] = [...backends, ...(nativeInt8 !== null ? [nativeInt8] : []), ...(nativeBf16 !== null ? [nativeBf16] : []),
  ...(baseline !== null ? [{ ...baseline, name: 'native-base' } as Backend] : []),
  ...(baselineInt8 !== null ? [{ ...baselineInt8, name: 'native-base' } as Backend] : [])];

function layerFlops(b: number, s: number): number {
  return 2 * b * s * H * H * 4 + 2 * b * s * H * I * 2 + 2 * 2 * b * s * s * H;
}

/** Time each fn `n` times, alternating between them; returns the median ms of each. */
function sideBySide(fns: readonly (() => void)[], n: number): number[] {
  for (const f of fns) f(); // warm-up: sessions, scratch memory, caches
  const t: number[][] = fns.map(() => []);
  for (let r = 0; r < n; r++) fns.forEach((f, i) => { const t0 = performance.now(); f(); t[i]!.push(performance.now() - t0); });
  return t.map(median);
}

log(`machine: ${machine()}; threads ${threads}${native !== null ? `; ${native.info}` : ''}\n`);
const peak = machinePeak(threads);
log(`fp32 peak: ${describePeak(peak)}\n`);

type Precision = 'fp32' | 'int8' | 'bf16';
/** One row of --json's results: what every row has, plus whatever else the row wants to say. */
interface ResultRow {
  readonly backend: string;
  readonly precision: Precision;
  readonly op: string;
  readonly seq: number | null;
  readonly ms: number;
  readonly [extra: string]: unknown;
}
const results: Record<string, unknown>[] = [];
/** Add a result row with its GFLOP/s and of_peak (useful FLOPs in `ms` against the machine's fp32 peak). */
function addResult(row: ResultRow, flops: number): { gflops: number; ofPeak: number } {
  const gflops = flops / (row.ms * 1e6);
  const ofPeak = gflops / peak.gflops;
  results.push({ ...row, gflops, of_peak: ofPeak });
  return { gflops, ofPeak };
}
const pct = (x: number): string => `${(100 * x).toFixed(0)}%`;
const layerRows: (string | number)[][] = [];
const precisionOf = (b: Backend): Precision => ('precision' in b ? (b as NativeBackend).precision : 'fp32');
/** An int8 row says which path ran it (avx512-vnni, avx-vnni, avx2, neon-dot, neon, portable). */
const int8PathOf = (b: Backend): Record<string, string> => (precisionOf(b) === 'int8' ? { int8_path: (b as NativeBackend).int8?.path() ?? '' }
  : precisionOf(b) === 'bf16' ? { bf16_path: (b as NativeBackend).bf16?.path() ?? '' } : {});
const blasOf = (b: Backend): Record<string, string> =>
  'blasCore' in b ? { blas_core: (b as NativeBackend).blasCore, blas_dispatch: describeBlasDispatch((b as NativeBackend).blasDispatch) } : {};

let sgemmGflops = NaN;
if (native !== null) {
  const n = 2048, a = randomFloats(n * n, 3), b = randomFloats(n * n, 4), c = new Float32Array(n * n);
  const ts: number[] = [];
  for (let r = 0; r < 5; r++) { const t0 = performance.now(); native.bindings.sgemmNT(a, b, n, n, n, c); ts.push(performance.now() - t0); }
  const best = Math.min(...ts);
  const { gflops, ofPeak } = addResult({ backend: 'native', precision: 'fp32', op: 'sgemm', seq: null, ms: best, m: n, n, k: n, ms_median: median(ts), ...blasOf(native) }, 2 * n ** 3);
  sgemmGflops = gflops;
  log(`sgemm (OpenBLAS ${native.blasCore}, ${n}³, best of 5): ${gflops.toFixed(1)} GFLOP/s, ${pct(ofPeak)} of peak (median ${((2 * n ** 3) / (median(ts) * 1e6)).toFixed(1)})\n`);
  layerRows.push(['native', 'sgemm 2048³ (best of 5)', 'fp32', '', '', best, gflops, pct(ofPeak)]);
}

const w = randomAlbertWeights(cfg).groups[0]![0]!;
for (const S of [384, 128]) {
  const shape: LayerShape = { batch: 1, seq: S, hidden: H, heads: cfg.numAttentionHeads, intermediate: I, activation: cfg.hiddenAct, layerNormEps: cfg.layerNormEps };
  const x0 = randomFloats(S * H, 7, 1), mask = new Int32Array(S).fill(1);
  log(`layer at seq ${S}: ${layerBackends.map((b) => b.name).join(' vs ')} (${reps} alternating runs) … `);
  const ms = sideBySide(layerBackends.map((b) => () => { b.layer!(x0.slice(), mask, w, shape); }), reps);
  const jsReps = S >= 384 ? 1 : 3;
  // The TypeScript backend has no fused layer: the engine composes it from its ops.
  const jsMs = median(Array.from({ length: jsReps }, () => { const x = x0.slice(); const t0 = performance.now(); runLayerByOps(jsBackend, x, mask, w, shape); return performance.now() - t0; }));
  log('done\n');
  [...layerBackends.map((b, i) => [b.name, ms[i]!, { ...blasOf(b), ...int8PathOf(b) }, precisionOf(b)] as const), ['js', jsMs, {}, 'fp32'] as const].forEach(([name, t, blas, precision]) => {
    const { gflops, ofPeak } = addResult({ backend: name, precision, op: 'layer', batch: 1, seq: S, ms: t, ...blas }, layerFlops(1, S));
    layerRows.push([name, 'ALBERT layer', precision === 'int8' ? `int8 (${blas.int8_path})` : precision === 'bf16' ? `bf16 (${blas.bf16_path})` : precision, 1, S, t, gflops, pct(ofPeak)]);
  });
}

// --- whole model: 12 layers vs early exit, per question; batch 8 with early exit ------------------
const S = 384;
function inputsFor(batch: number, seed: number): { inputs: ModelInputs; context: Int32Array } {
  const n = batch * S;
  const ids = Int32Array.from(randomFloats(n, seed, 1), (v) => Math.floor(Math.abs(v) * (cfg.vocabSize - 1)));
  const types = Int32Array.from({ length: n }, (_, i) => (i % S >= 24 ? 1 : 0));
  const context = Int32Array.from({ length: n }, (_, i) => (i % S >= 24 && i % S < S - 1 ? 1 : 0));
  return { inputs: { batch, seq: S, inputIds: ids, tokenTypeIds: types, attentionMask: new Int32Array(n).fill(1) }, context };
}
const modelRows: (string | number)[][] = [];
const weights = randomAlbertWeights(cfg);
for (const be of layerOnly ? [] : backends) {
  const model = new AlbertModel(cfg, weights, be);
  const one = inputsFor(1, 11), eight = inputsFor(8, 12);
  const all: ExitPolicy = { thresholds: new Array<number>(cfg.numHiddenLayers).fill(0), depthLimit: cfg.numHiddenLayers };
  const probe = runEarlyExit(model, eight.inputs, eight.context, all, { maxAnswerLength: 30 });
  // One threshold for every layer, bisected so the 8 probe rows run 6 layers on average (the device's depth limit).
  const depthAt = (t: number): number => median(probe.rows.map((r) => { const i = r.entropies.findIndex((h) => h < t); return i < 0 ? 12 : i + 1; }));
  let lo = 0, hi = 1;
  for (let i = 0; i < 40; i++) { const mid = (lo + hi) / 2; if (depthAt(mid) > 6) lo = mid; else hi = mid; }
  const policy: ExitPolicy = { thresholds: new Array<number>(cfg.numHiddenLayers).fill(hi), depthLimit: cfg.numHiddenLayers };
  const n = Math.max(1, Math.floor(reps / 3));
  log(`${be.name}: 12 layers vs early exit at seq ${S} (${n} runs) … `);
  let depth1 = 0, depth8 = 0;
  const [full, early, early8] = sideBySide([
    () => { runEarlyExit(model, one.inputs, one.context, all, { maxAnswerLength: 30 }); },
    () => { depth1 = runEarlyExit(model, one.inputs, one.context, policy, { maxAnswerLength: 30 }).rowLayers; },
    () => { depth8 = runEarlyExit(model, eight.inputs, eight.context, policy, { maxAnswerLength: 30 }).rowLayers / 8; },
  ], n) as [number, number, number];
  log('done\n');
  modelRows.push([be.name, '12 layers', 1, 12, full, 1000 / full]);
  modelRows.push([be.name, 'early exit', 1, depth1, early, 1000 / early]);
  modelRows.push([be.name, 'early exit', 8, depth8, early8, 8000 / early8]);
  // of_peak counts the layers' FLOPs only (embeddings and exit heads are under 1% of a layer's).
  addResult({ backend: be.name, precision: 'fp32', op: 'model-12', batch: 1, seq: S, ms: full, ms_per_question: full }, 12 * layerFlops(1, S));
  addResult({ backend: be.name, precision: 'fp32', op: 'early-exit', batch: 1, seq: S, ms: early, mean_layers: depth1, ms_per_question: early, threshold: policy.thresholds[0] }, depth1 * layerFlops(1, S));
  addResult({ backend: be.name, precision: 'fp32', op: 'early-exit', batch: 8, seq: S, ms: early8, mean_layers: depth8, ms_per_batch: early8, questions_per_s: 8000 / early8 }, 8 * depth8 * layerFlops(1, S));
}

if (json) {
  process.stdout.write(`${JSON.stringify({ bench: 'layer', machine: machine(), threads, date: new Date().toISOString(), peak: { ...peak, formula: describePeak(peak) }, sgemm_gflops: sgemmGflops, shape: { hidden: H, heads: cfg.numAttentionHeads, intermediate: I, activation: cfg.hiddenAct }, results }, null, 2)}\n`);
} else {
  process.stdout.write(`\nOne ALBERT layer, albert-base-v2 shape, batch 1, ${threads} threads; median of ${reps} alternating runs (js: 1 at seq 384, 3 at 128)\n`);
  process.stdout.write(`of peak: against the machine's fp32 peak, ${describePeak(peak)}\n`);
  process.stdout.write(`${printTable(['backend', 'op', 'precision', 'batch', 'seq', 'ms', 'GFLOP/s', 'of peak'], layerRows)}\n\n`);
  if (!layerOnly) process.stdout.write(`Whole model at sequence ${S} (embeddings, layers, exit heads and entropies), median of ${Math.max(1, Math.floor(reps / 3))} runs\n`);
  if (!layerOnly) process.stdout.write(`${printTable(['backend', 'run', 'batch', 'mean layers', 'ms per batch', 'questions/s'], modelRows)}\n`);
}
