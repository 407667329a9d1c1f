/**
 * `npm run bench:dispatch [-- --json] [-- --reps N] [-- --threads T]`: one ALBERT layer (albert-base
 * shape, batch 1, sequence 128 and 384) on the native backend under three BLAS settings, beside
 * ONNX Runtime, side by side in one run (issue 19; docs/backends.md, "CPU dispatch"):
 *
 *   elma dispatch   out of the box: OPENBLAS_CORETYPE chosen by ELMA from the CPU's features
 *   BLAS's own      ELMA_BLAS_DISPATCH=0: OpenBLAS's own detection (its table of CPU models)
 *   BLAS generic    ELMA_BLAS_DISPATCH=0 OPENBLAS_CORETYPE=Prescott (armv8 on arm64): the kernels
 *                   OpenBLAS 0.3.21 falls back to on a CPU it does not know, as on issue 19's
 *                   Xeon (family 6 model 207); here forced, since this CPU is one it knows
 *   onnx            ONNX Runtime (MLAS chooses its kernels from the CPU's features itself)
 *
 * Each setting is its own process (bench/_layer-process.ts): OpenBLAS chooses once per process,
 * when it loads. The processes take turns rep by rep, so load from other processes hits all alike;
 * the table shows medians, of_peak against the machine's fp32 peak (bench/_peak.ts) and each
 * setting's time as a ratio to ONNX Runtime's at the same sequence. It also shows the CPU time of
 * all of each process's threads per layer: on a machine shared with other work, wall times swing
 * with what else runs, while CPU time still says how much work the kernels took.
 */
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALBERT_BASE } from './_albert-base.ts';
import { describePeak, machinePeak } from './_peak.ts';
import { machine, median, printTable } from './_report.ts';

const arg = (name: string, def: number): number => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : def; };
const json = process.argv.includes('--json');
const reps = arg('--reps', 9);
const threads = arg('--threads', os.cpus().length);
const log = (m: string): void => { if (!json) process.stderr.write(m); };
const HERE = path.dirname(fileURLToPath(import.meta.url));
const GENERIC = process.arch === 'arm64' ? 'armv8' : 'Prescott';

interface Setting {
  readonly name: string;
  readonly kind: 'native' | 'onnx';
  /** Environment changes: a string sets, null removes. */
  readonly env: Readonly<Record<string, string | null>>;
}
const SETTINGS: readonly Setting[] = [
  { name: 'elma dispatch', kind: 'native', env: { OPENBLAS_CORETYPE: null, ELMA_BLAS_DISPATCH: null } },
  { name: "BLAS's own", kind: 'native', env: { OPENBLAS_CORETYPE: null, ELMA_BLAS_DISPATCH: '0' } },
  { name: `BLAS generic (${GENERIC})`, kind: 'native', env: { OPENBLAS_CORETYPE: GENERIC, ELMA_BLAS_DISPATCH: '0' } },
  { name: 'onnx', kind: 'onnx', env: {} },
];

interface Ready { ready: true; info: string; blasCore: string | null; blasDispatch: string | null }
interface Timed { seq: number; ms: number; cpuMs: number }

/** A layer process; resolves once it has loaded its backend. */
function start(s: Setting): Promise<{ child: ChildProcess; ready: Ready }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(s.env)) { if (v === null) delete env[k]; else env[k] = v; }
  const child = fork(path.join(HERE, '_layer-process.ts'), [s.kind, String(threads)], { env, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (m: Ready) => { resolve({ child, ready: m }); });
    child.once('exit', (code) => { reject(new Error(`bench:dispatch: the ${s.name} process exited (${code}) before it was ready`)); });
  });
}

function timeOne(child: ChildProcess, seq: number): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => { reject(new Error(`bench:dispatch: a layer process exited (${code}) mid-run`)); };
    child.once('exit', onExit);
    child.once('message', (m: Timed) => { child.off('exit', onExit); resolve(m); });
    child.send({ seq });
  });
}

const cfg = ALBERT_BASE;
const H = cfg.hiddenSize, I = cfg.intermediateSize;
const layerFlops = (s: number): number => 2 * s * H * H * 4 + 2 * s * H * I * 2 + 2 * 2 * s * s * H;

log(`machine: ${machine()}; threads ${threads}\n`);
const peak = machinePeak(threads);
log(`fp32 peak: ${describePeak(peak)}\n`);
log(`starting ${SETTINGS.length} layer processes … `);
const procs = await Promise.all(SETTINGS.map(start));
log('ready\n');
for (const [i, p] of procs.entries()) log(`  ${SETTINGS[i]!.name}: ${p.ready.info}\n`);

const SEQS = [128, 384];
const times = new Map<string, number[]>();
const cpuTimes = new Map<string, number[]>();
for (const seq of SEQS) {
  log(`seq ${seq}: ${reps} alternating runs … `);
  for (let r = -1; r < reps; r++) { // r = -1: a warm-up round, not kept
    for (const [i, p] of procs.entries()) {
      const { ms, cpuMs } = await timeOne(p.child, seq);
      if (r >= 0) {
        times.set(`${i}/${seq}`, [...(times.get(`${i}/${seq}`) ?? []), ms]);
        cpuTimes.set(`${i}/${seq}`, [...(cpuTimes.get(`${i}/${seq}`) ?? []), cpuMs]);
      }
    }
  }
  log('done\n');
}
for (const p of procs) p.child.send({ exit: true });

const onnxIndex = SETTINGS.findIndex((s) => s.kind === 'onnx');
const results: Record<string, unknown>[] = [];
const rows: (string | number)[][] = [];
for (const seq of SEQS) {
  const onnxMs = median(times.get(`${onnxIndex}/${seq}`)!);
  const onnxCpuMs = median(cpuTimes.get(`${onnxIndex}/${seq}`)!);
  for (const [i, s] of SETTINGS.entries()) {
    const ms = median(times.get(`${i}/${seq}`)!);
    const cpuMs = median(cpuTimes.get(`${i}/${seq}`)!);
    const gflops = layerFlops(seq) / (ms * 1e6);
    const ready = procs[i]!.ready;
    results.push({
      backend: s.kind, precision: 'fp32', op: 'layer', batch: 1, seq, ms, gflops, of_peak: gflops / peak.gflops,
      blas_setting: s.kind === 'native' ? s.name : null, blas_core: ready.blasCore, blas_dispatch: ready.blasDispatch, vs_onnx: ms / onnxMs,
      cpu_ms: cpuMs, cpu_vs_onnx: cpuMs / onnxCpuMs,
    });
    rows.push([s.name, s.kind === 'native' ? (ready.blasCore ?? '?') : 'MLAS', seq, ms, gflops, `${((100 * gflops) / peak.gflops).toFixed(0)}%`, `${(ms / onnxMs).toFixed(2)}×`, cpuMs, `${(cpuMs / onnxCpuMs).toFixed(2)}×`]);
  }
}

if (json) {
  process.stdout.write(`${JSON.stringify({ bench: 'dispatch', machine: machine(), threads, reps, date: new Date().toISOString(), peak: { ...peak, formula: describePeak(peak) }, results }, null, 2)}\n`);
} else {
  process.stdout.write(`\nOne ALBERT layer (albert-base-v2 shape, batch 1, fp32), ${threads} threads, each setting its own process; median of ${reps} alternating runs\n`);
  process.stdout.write(`of peak: against ${describePeak(peak)}\n`);
  process.stdout.write(`${printTable(['setting', 'kernels', 'seq', 'ms', 'GFLOP/s', 'of peak', 'time / ONNX Runtime', 'CPU ms', 'CPU / ONNX Runtime'], rows)}\n`);
}
