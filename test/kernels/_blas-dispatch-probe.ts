/**
 * A child process for test/kernels/blas-dispatch.test.ts: loads the native backend (on the main
 * thread, or in a worker thread with `worker`), runs one small linear op against plain loops, and
 * prints one JSON line: how OpenBLAS's kernels were chosen, which it runs, and whether
 * OPENBLAS_CORETYPE is left in the environment afterwards.
 */
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { createNativeBackend } from '../../kernels/native/index.ts';
import { loadCpuLibrary } from '../../kernels/native/cpu-library.ts';

function probe(): Record<string, unknown> {
  const b = createNativeBackend({ threads: 2 });
  // y = x·Wᵀ + b on [37×53]·[29×53]ᵀ through OpenBLAS's sgemm, against a plain loop.
  const rows = 37, inF = 53, outF = 29;
  const x = Float32Array.from({ length: rows * inF }, (_, i) => Math.sin(i * 0.37));
  const w = Float32Array.from({ length: outF * inF }, (_, i) => Math.cos(i * 0.11));
  const bias = Float32Array.from({ length: outF }, (_, i) => i * 0.01);
  const y = new Float32Array(rows * outF);
  b.linear(x, rows, inF, w, bias, outF, y);
  let err = 0, ref2 = 0;
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outF; o++) {
      let s = bias[o]!;
      for (let k = 0; k < inF; k++) s += x[r * inF + k]! * w[o * inF + k]!;
      err += (y[r * outF + o]! - s) ** 2; ref2 += s * s;
    }
  }
  const cpu = loadCpuLibrary();
  return {
    dispatch: b.blasDispatch ?? null,
    blasCore: b.blasCore,
    info: b.info,
    linearNmse: err / ref2,
    coretypeAfterLoad: typeof cpu === 'string' ? null : cpu.envGet('OPENBLAS_CORETYPE'),
  };
}

if (!isMainThread) {
  parentPort!.postMessage(probe());
} else if (process.argv[2] === 'worker') {
  // A worker does not inherit --import hooks on Node 20: register tsx in it (as runtime/elma-worker.ts does).
  const code = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((api) => { api.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const worker = new Worker(code, { eval: true });
  worker.once('message', (m) => { process.stdout.write(`${JSON.stringify({ ...m, thread: 'worker' })}\n`); void worker.terminate(); });
  worker.once('error', (e) => { throw e; });
} else {
  process.stdout.write(`${JSON.stringify({ ...probe(), thread: 'main' })}\n`);
}
