/**
 * One backend's ALBERT layer in a process of its own, driven over IPC by bench/blas-dispatch.ts:
 * each process loads its libraries under its own environment (OpenBLAS chooses its kernels once,
 * when it loads), so several BLAS settings can be timed side by side in one run.
 *
 *   argv: <native|onnx> <threads>
 *   → { ready: true, info, blasCore, blasDispatch }   once loaded
 *   ← { seq }  → { seq, ms, cpuMs }                   one layer, batch 1, timed here: wall time, and the
 *                                                     CPU time of all the process's threads (on a loaded
 *                                                     machine the steadier measure of the kernels' work)
 */
import { createNativeBackend } from '../kernels/native/index.ts';
import { describeBlasDispatch } from '../kernels/native/blas-dispatch.ts';
import { createOnnxBackend } from '../kernels/onnx/index.ts';
import type { Backend, LayerShape } from '../kernels/backend.ts';
import { ALBERT_BASE, randomLayer } from './_albert-base.ts';
import { randomFloats } from './_report.ts';

const [kind, threadsArg] = process.argv.slice(2);
const threads = Number(threadsArg);
if (process.send === undefined) throw new Error('bench/_layer-process.ts runs as a child of bench/blas-dispatch.ts (IPC)');
if ((kind !== 'native' && kind !== 'onnx') || !Number.isSafeInteger(threads) || threads < 1) {
  throw new Error(`bench/_layer-process.ts: usage <native|onnx> <threads>, got ${kind} ${threadsArg}`);
}
const send = (m: unknown): void => { process.send!(m); };

const native = kind === 'native' ? createNativeBackend({ threads }) : null;
const backend: Backend = native ?? createOnnxBackend({ threads });
const cfg = ALBERT_BASE;
const w = randomLayer(cfg.hiddenSize, cfg.intermediateSize, 11);
const inputs = new Map<number, { x: Float32Array; mask: Int32Array; shape: LayerShape }>();

function inputFor(seq: number): { x: Float32Array; mask: Int32Array; shape: LayerShape } {
  let v = inputs.get(seq);
  if (v === undefined) {
    const shape: LayerShape = { batch: 1, seq, hidden: cfg.hiddenSize, heads: cfg.numAttentionHeads, intermediate: cfg.intermediateSize, activation: cfg.hiddenAct, layerNormEps: cfg.layerNormEps };
    v = { x: randomFloats(seq * cfg.hiddenSize, 7, 1), mask: new Int32Array(seq).fill(1), shape };
    inputs.set(seq, v);
    backend.layer!(v.x.slice(), v.mask, w, shape); // warm-up: packed weights, sessions, scratch memory
  }
  return v;
}

process.on('message', (m: { seq?: number; exit?: boolean }) => {
  if (m.exit === true) { process.disconnect(); return; }
  const seq = m.seq!;
  const { x, mask, shape } = inputFor(seq);
  const input = x.slice();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  backend.layer!(input, mask, w, shape);
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  send({ seq, ms, cpuMs: (c.user + c.system) / 1000 });
});

send({
  ready: true,
  info: native?.info ?? backend.name,
  blasCore: native?.blasCore ?? null,
  blasDispatch: native !== null ? describeBlasDispatch(native.blasDispatch) : null,
});
