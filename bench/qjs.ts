/**
 * `npm run bench:qjs [-- --questions N] [-- --reps R] [-- --json]`: the device's QA program as one
 * native QuickJS binary (elma-qjs, issue 18) against the same code on Node 20, side by side in one
 * run on this machine. Each engine is its own process, started afresh and timed by GNU time
 * (/usr/bin/time: wall, user + system CPU, max RSS), answering the first N synthetic questions of
 * seed 41 (default 50) on the default model under its own exit policy, one JSON line per answer:
 *
 *   elma-qjs         QuickJS 2021-03-27 + ELMA's C kernels + static OpenBLAS (dist/native, build/qjs)
 *   elma-qjs-small   the same on build/qjs/small-sgemm.c instead of OpenBLAS
 *   Node native      Node 20 + koffi + dist/native/libelma_native.so (OpenBLAS): the device program's way today
 *   Node js          Node 20 on the portable TypeScript kernels
 *
 * The columns: the program's size stripped (what a device must hold to run it: for Node its
 * binary, the bundle, koffi's binary, libelma_native and libopenblas); "ready" = process wall time
 * minus the answering, i.e. start, bundle verified (SHA-256 of every file), model and tokenizer
 * opened (and the CPU time of that); ms/question = the median of each answer's own clock (then the
 * median over the R runs); CPU ms/question = user + system time per question net of the start (the
 * N-question run less a 1-question run, over N − 1): on a machine shared with other jobs the CPU
 * columns are the ones to read. Max RSS with one question (≈ the model open, at rest) and with N. The quickjs-emscripten engine (QuickJS in wasm,
 * kernels interpreted) is bench:quickjs's: ~6 s per question, not repeated here.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { synthesizeSquad } from '../models/synth/generate.ts';
import { parseSquad } from '../engine/squad/dataset.ts';
import type { QuestionAnswer } from '../engine/qa/answer-questions.ts';
import { bundleQjsCore, findElmaQjs } from '../build/quickjs/qjs-core-bundle.ts';
import { machine, median, printTable } from './_report.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'out', 'bench-qjs');
const DEFAULT_MODEL = path.join(ROOT, 'models', 'default');
const TIME = '/usr/bin/time';

const arg = (name: string, def: number): number => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : def; };
const json = process.argv.includes('--json');
const n = arg('--questions', 50), reps = arg('--reps', 3);
const fail = (m: string): never => { process.stderr.write(`bench:qjs: ${m}\n`); process.exit(2); };
if (!Number.isSafeInteger(n) || n < 1) fail('--questions must be a positive integer');
if (!Number.isSafeInteger(reps) || reps < 1) fail('--reps must be a positive integer');
if (!existsSync(TIME)) fail(`${TIME} (GNU time) is needed for CPU time and max RSS: apt-get install time`);
const qjs = findElmaQjs(), qjsSmall = findElmaQjs('elma-qjs-small');
if (qjs === null || qjsSmall === null) fail('dist/native/elma-qjs(-small) is missing: npm run build:native');
const log = (m: string): void => { if (!json) process.stderr.write(m); };

mkdirSync(OUT, { recursive: true });
const core = path.join(OUT, 'elma-qjs-core.js');
writeFileSync(core, await bundleQjsCore());
const nodeProgram = path.join(OUT, 'node-answerer.mjs');
await build({
  entryPoints: [path.join(ROOT, 'bench', '_qjs-node-answerer.ts')], outfile: nodeProgram, bundle: true, platform: 'node', format: 'esm',
  target: 'node20', minify: true, keepNames: true, legalComments: 'none', logLevel: 'warning',
});
const all = parseSquad(synthesizeSquad({ seed: 41, questions: n })).map((e) => ({ id: e.id, question: e.question, context: e.context }));
const qFile = path.join(OUT, `questions-${n}.json`), oneFile = path.join(OUT, 'questions-1.json');
writeFileSync(qFile, JSON.stringify(all));
writeFileSync(oneFile, JSON.stringify(all.slice(0, 1)));

/** A stripped copy's size (the binaries we build are stripped already; Node's is not). */
function strippedSize(file: string): number {
  const copy = path.join(OUT, `${path.basename(file)}.stripped`);
  copyFileSync(file, copy);
  const r = spawnSync('strip', [copy]);
  return statSync(r.status === 0 ? copy : file).size;
}
const size = (f: string): number => statSync(realpathSync(f)).size;
const koffiNode = path.join(ROOT, 'node_modules', '@koromix', `koffi-linux-${process.arch}`, `linux_${process.arch}`, 'koffi.node');
const openblas = ['/usr/lib/x86_64-linux-gnu/libopenblas.so.0', '/usr/lib/aarch64-linux-gnu/libopenblas.so.0'].find(existsSync);
const nodeBinary = strippedSize(process.execPath);
const nodeParts = nodeBinary + size(nodeProgram) + size(koffiNode) + size(path.join(ROOT, 'dist', 'native', 'libelma_native.so')) + (openblas !== undefined ? size(openblas) : 0);

interface Engine { name: string; cmd: string; args: (questions: string) => string[]; bytes: number; parts: string }
const engines: Engine[] = [
  { name: 'elma-qjs', cmd: qjs!, args: (q) => [core, '--bundle', DEFAULT_MODEL, '--questions', q], bytes: size(qjs!) + size(core), parts: `static binary ${(size(qjs!) / 2 ** 20).toFixed(1)} MiB + core ${(size(core) / 1024).toFixed(0)} KiB` },
  { name: 'elma-qjs-small', cmd: qjsSmall!, args: (q) => [core, '--bundle', DEFAULT_MODEL, '--questions', q], bytes: size(qjsSmall!) + size(core), parts: `static binary ${(size(qjsSmall!) / 2 ** 20).toFixed(1)} MiB + core ${(size(core) / 1024).toFixed(0)} KiB` },
  { name: 'Node native', cmd: process.execPath, args: (q) => [nodeProgram, '--bundle', DEFAULT_MODEL, '--questions', q, '--backend', 'native'], bytes: nodeParts, parts: `node ${(nodeBinary / 2 ** 20).toFixed(1)} MiB + bundle, koffi, libelma_native, libopenblas; glibc ≥ 2.28` },
  { name: 'Node js', cmd: process.execPath, args: (q) => [nodeProgram, '--bundle', DEFAULT_MODEL, '--questions', q, '--backend', 'js'], bytes: nodeBinary + size(nodeProgram), parts: `node ${(nodeBinary / 2 ** 20).toFixed(1)} MiB + bundle; glibc ≥ 2.28` },
];

interface Run { wallS: number; cpuS: number; maxRssKiB: number; answers: QuestionAnswer[] }
function runOnce(e: Engine, questions: string): Run {
  const r = spawnSync(TIME, ['-f', '%e %U %S %M', e.cmd, ...e.args(questions)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) fail(`${e.name} failed (${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const [wall, user, sys, rss] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { wallS: wall!, cpuS: user! + sys!, maxRssKiB: rss!, answers: r.stdout.trim().split('\n').map((l) => JSON.parse(l) as QuestionAnswer) };
}

log(`machine: ${machine()}\n${n} questions (synthetic seed 41), default model, its own exit policy; ${reps} runs per engine, interleaved\n`);
const runs = new Map<string, Run[]>(engines.map((e) => [e.name, []]));
const ones = new Map<string, Run[]>(engines.map((e) => [e.name, []]));
for (let r = 0; r < reps; r++) {
  for (const e of engines) {
    log(`run ${r + 1}/${reps}: ${e.name} … `);
    runs.get(e.name)!.push(runOnce(e, qFile));
    ones.get(e.name)!.push(runOnce(e, oneFile));
    log('done\n');
  }
}

const reference = runs.get('Node native')![0]!.answers;
const rows = engines.map((e) => {
  const rs = runs.get(e.name)!;
  const msMedian = median(rs.map((x) => median(x.answers.map((a) => a.ms))));
  const readyS = median(rs.map((x) => x.wallS - x.answers.reduce((s, a) => s + a.ms, 0) / 1000));
  const one = ones.get(e.name)!;
  // CPU per question net of the start: the N-question run's CPU less the 1-question run's, over N − 1.
  const cpuMarginal = n > 1 ? median(rs.map((x, i) => ((x.cpuS - one[i]!.cpuS) * 1000) / (n - 1))) : median(rs.map((x) => x.cpuS * 1000));
  const same = rs.every((x) => x.answers.length === n && x.answers.every((a, i) => a.text === reference[i]!.text && a.layer === reference[i]!.layer));
  return {
    engine: e.name, program_bytes: e.bytes, program: e.parts, ready_s: readyS, ms_per_question_median: msMedian,
    cpu_ms_per_question: cpuMarginal, cpu_s_to_ready: median(one.map((x) => x.cpuS)) - cpuMarginal / 1000,
    max_rss_mib_1: median(one.map((x) => x.maxRssKiB)) / 1024,
    max_rss_mib_n: median(rs.map((x) => x.maxRssKiB)) / 1024, same_answers_as_node_native: same,
  };
});
// The arm64 builds, when the tests or `buildElmaQjs('arm64')` made them (build/quickjs/qjs-host-build.ts): sizes only.
const arm64 = ['elma-qjs', 'elma-qjs-small'].map((b) => path.join(ROOT, 'out', 'qjs-arm64', b)).filter(existsSync).map((f) => ({ program: path.basename(f), bytes: size(f) }));
if (json) {
  process.stdout.write(`${JSON.stringify({ machine: machine(), questions: n, reps, rows, arm64 })}\n`);
} else {
  console.log(printTable(['engine', 'program (stripped)', 'what it is', 'ready: wall s / CPU s', 'ms/question (median, wall)', 'CPU ms/question', 'max RSS MiB, 1 q', `max RSS MiB, ${n} q`, 'same answers'], rows.map((r) => [
    r.engine, `${(r.program_bytes / 2 ** 20).toFixed(1)} MiB`, r.program, `${r.ready_s.toFixed(2)} / ${r.cpu_s_to_ready.toFixed(2)}`, r.ms_per_question_median, r.cpu_ms_per_question, r.max_rss_mib_1, r.max_rss_mib_n, r.same_answers_as_node_native ? 'yes' : 'NO',
  ])));
  if (arm64.length > 0) console.log(`\narm64, static, stripped (out/qjs-arm64): ${arm64.map((a) => `${a.program} ${(a.bytes / 2 ** 20).toFixed(2)} MiB`).join(', ')}`);
}
