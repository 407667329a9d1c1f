/**
 * `npm run bench:quickjs [-- --questions N] [-- --json]`: the portable QA core on Node and on QuickJS
 * (quickjs-emscripten) side by side in one run, on the default model under its own exit policy
 * (manifest thresholds and depth limit, as `elma ask`), over the first N synthetic questions of
 * seed 41 (default 20; test/build/quickjs-default-model.test.ts checks the answers are the same).
 *
 * The table gives the core's bundle size (the esbuild IIFE QuickJS evaluates, minified, and gzipped),
 * the time to open the model (parse the manifest, weights and tokenizer.json) and the median
 * ms/question with the mean exit layer. Each engine answers all N questions in one call; the
 * per-question times are the engine's own clock (QuickJS has only Date.now: whole milliseconds).
 * On a shared machine wall time counts the other jobs too, so the table also gives the process's CPU
 * time per question over the call (both engines run on this thread): what one quiet core would take.
 */
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { synthesizeSquad } from '../models/synth/generate.ts';
import { parseSquad } from '../engine/squad/dataset.ts';
import type { QuestionAnswer } from '../engine/qa/answer-questions.ts';
import { openBundle, type HostQuestion } from '../build/quickjs/bundle-answerer.ts';
import { bundleQaCore, openInQuickJs, readBundleFiles } from '../build/quickjs/quickjs-host.ts';
import { machine, median, printTable } from './_report.ts';

const arg = (name: string, def: number): number => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : def; };
const json = process.argv.includes('--json');
const n = arg('--questions', 20);
if (!Number.isSafeInteger(n) || n < 1) {
  process.stderr.write(`bench:quickjs: --questions must be a positive integer, got ${process.argv[process.argv.indexOf('--questions') + 1]}\n`);
  process.exit(2);
}
const log = (m: string): void => { if (!json) process.stderr.write(m); };
const DEFAULT_MODEL = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'models', 'default');

const questions: HostQuestion[] = parseSquad(synthesizeSquad({ seed: 41, questions: n }))
  .map((e) => ({ id: e.id, question: e.question, context: e.context }));
const files = readBundleFiles(DEFAULT_MODEL);
const code = await bundleQaCore({ minify: true });
const codeBytes = Buffer.byteLength(code);
const gzipBytes = gzipSync(code, { level: 9 }).byteLength;
const modelBytes = files.weights.byteLength + Buffer.byteLength(files.tokenizerJson) + Buffer.byteLength(files.manifestJson);

interface Run { engine: string; openMs: number; answers: QuestionAnswer[]; cpuMsPerQuestion: number }
const runs: Run[] = [];

/** `answer()`'s result and the process's CPU time (user + system) per question while it ran. */
function onCpuClock(answer: () => QuestionAnswer[]): { answers: QuestionAnswer[]; cpuMsPerQuestion: number } {
  const before = process.cpuUsage();
  const answers = answer();
  const used = process.cpuUsage(before);
  return { answers, cpuMsPerQuestion: (used.user + used.system) / 1000 / answers.length };
}

log(`machine: ${machine()}\n${n} questions (synthetic seed 41), default model, its own exit policy\n`);
log('Node … ');
let t0 = performance.now();
const onNode = openBundle(files.manifestJson, files.tokenizerJson, files.weights);
const nodeOpenMs = performance.now() - t0;
runs.push({ engine: 'Node', openMs: nodeOpenMs, ...onCpuClock(() => JSON.parse(onNode.answer(JSON.stringify(questions))) as QuestionAnswer[]) });
log('done\nQuickJS … ');
t0 = performance.now();
const onQuickJs = await openInQuickJs(code, files);
const qjsOpenMs = performance.now() - t0;
try {
  runs.push({ engine: 'QuickJS', openMs: qjsOpenMs, ...onCpuClock(() => onQuickJs.answer(questions)) });
} finally {
  onQuickJs.dispose();
}
log('done\n');

const same = runs[0]!.answers.every((a, i) => a.text === runs[1]!.answers[i]!.text && a.layer === runs[1]!.answers[i]!.layer);
const rows = runs.map((r) => {
  const ms = median(r.answers.map((a) => a.ms));
  return {
    engine: r.engine, bundle_bytes: r.engine === 'QuickJS' ? codeBytes : null, bundle_gzip_bytes: r.engine === 'QuickJS' ? gzipBytes : null,
    open_ms: r.openMs, ms_per_question_median: ms, cpu_ms_per_question_mean: r.cpuMsPerQuestion, mean_exit_layer: r.answers.reduce((s, a) => s + a.layer, 0) / r.answers.length, questions: n,
  };
});
const ratio = rows[1]!.cpu_ms_per_question_mean / rows[0]!.cpu_ms_per_question_mean;
if (json) {
  process.stdout.write(`${JSON.stringify({ machine: machine(), model_bytes: modelBytes, same_answers: same, quickjs_over_node: ratio, rows })}\n`);
} else {
  console.log(printTable(['engine', 'core bundle', 'open model ms', 'ms/question (median, wall)', 'CPU ms/question (mean)', 'mean exit layer', 'questions'], rows.map((r) => [
    r.engine, r.bundle_bytes === null ? '(source, tsx)' : `${(r.bundle_bytes / 1024).toFixed(1)} KiB (${(r.bundle_gzip_bytes! / 1024).toFixed(1)} KiB gzip)`,
    r.open_ms, r.ms_per_question_median, r.cpu_ms_per_question_mean, r.mean_exit_layer, r.questions,
  ])));
  console.log(`\nQuickJS/Node: ${ratio.toFixed(0)}× the CPU time per question; model files passed in: ${(modelBytes / 2 ** 20).toFixed(2)} MiB; same answers and exit layers: ${same ? 'yes' : 'NO'}`);
}
