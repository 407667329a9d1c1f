import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { synthesizeSquad } from '../../models/synth/generate.ts';
import path from 'node:path';
import { importHf } from '../../models/hf-import.ts';
import { parseSquad, type SquadExample } from '../../engine/squad/dataset.ts';
import { readSquadFile } from './_read-squad.ts';
import { evaluateSquadV2 } from '../../engine/squad/metric.ts';
import { answerQuestions, type QuestionAnswer, type QaRunStats } from '../../engine/qa/answer-questions.ts';
import { optionalInt, optionalNumber, UsageError, type Command } from '../command.ts';
import { setupQa } from './_qa-setup.ts';
import { repoRoot } from '../../runtime/repo-root.ts';


function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

function report(name: string, examples: readonly SquadExample[], answers: readonly QuestionAnswer[], stats: QaRunStats, layers: number): string[] {
  const preds = new Map(answers.map((a) => [a.id, a.text]));
  // na-prob: the null-vs-span score difference squashed to 0..1 (HF writes the raw difference as null_odds).
  const naProbs = new Map(answers.map((a) => [a.id, sigmoid(a.scoreDiff)]));
  const ev = evaluateSquadV2(examples, preds, { naProbs }).eval as unknown as Record<string, number>;
  const ms = answers.map((a) => a.ms);
  return [
    `${name}`,
    `  exits per layer (features): ${stats.exitCounts.map((c, i) => `L${i + 1}:${c}`).join('  ')}`,
    `  exits per layer (questions): ${stats.questionExitCounts.map((c, i) => `L${i + 1}:${c}`).join('  ')}`,
    `  mean layers per feature: ${stats.meanLayers.toFixed(2)} of ${layers}   not confident at the depth limit (would offload): ${stats.notConfidentQuestions} of ${answers.length} questions`,
    `  EM ${ev.exact!.toFixed(2)}  F1 ${ev.f1!.toFixed(2)}   HasAns EM/F1 ${(ev.HasAns_exact ?? 0).toFixed(2)}/${(ev.HasAns_f1 ?? 0).toFixed(2)}   NoAns EM/F1 ${(ev.NoAns_exact ?? 0).toFixed(2)}/${(ev.NoAns_f1 ?? 0).toFixed(2)}`,
    `  latency per question: mean ${(stats.totalMs / answers.length).toFixed(2)} ms, median ${percentile(ms, 0.5).toFixed(2)} ms, p90 ${percentile(ms, 0.9).toFixed(2)} ms (total ${(stats.totalMs / 1000).toFixed(2)} s)`,
  ];
}

/**
 * Part two of the demo: the committed default model (trained on synthetic data) answers fresh
 * synthetic questions as the device would: calibrated early exit up to its depth limit, the
 * unsure rest offloaded to the full model (simulated here by running all layers).
 */
function defaultModelReport(dir: string, seed: number, n: number, progress: (label: string) => (d: number, t: number) => void): string[] {
  const examples = parseSquad(synthesizeSquad({ seed, questions: n }), { source: `elma data synth --seed ${seed} --n ${n}` });
  const qa = setupQa(dir, { values: {}, positionals: [] });
  const L = qa.model.config.numHiddenLayers;
  const full = answerQuestions(qa.model, qa.tokenizer, examples, { ...qa.settings, policy: { thresholds: new Array<number>(L).fill(0), depthLimit: L }, onProgress: progress('default model, all layers') });
  const dev = answerQuestions(qa.model, qa.tokenizer, examples, { ...qa.settings, onProgress: progress('default model, device') });
  const withOffload = dev.answers.map((a, i) => (a.confident ? a : full.answers[i]!));
  const m = qa.bundle.manifest;
  const score = (answers: readonly QuestionAnswer[]): string => {
    const ev = evaluateSquadV2(examples, new Map(answers.map((a) => [a.id, a.text]))).eval as unknown as Record<string, number>;
    return `EM ${ev.exact!.toFixed(2)}  F1 ${ev.f1!.toFixed(2)}`;
  };
  const ms = dev.answers.map((a) => a.ms);
  return [
    `Default model ${m.model_id} v${m.version} (${L} shared layers, hidden ${String(m.architecture.hidden_size)}, device limit ${qa.settings.policy.depthLimit}) on ${n} fresh synthetic questions (seed ${seed})`,
    `  ${`full model (all ${L} layers):`.padEnd(38)}${score(full.answers)}   latency mean ${(full.stats.totalMs / n).toFixed(2)} ms`,
    `  ${'device (calibrated early exit):'.padEnd(38)}${score(dev.answers)}   latency mean ${(dev.stats.totalMs / n).toFixed(2)} ms, median ${percentile(ms, 0.5).toFixed(2)} ms`,
    `  ${'device + offload (simulated locally):'.padEnd(38)}${score(withOffload)}   offload rate ${(100 * dev.stats.notConfidentQuestions / n).toFixed(1)}% (offloaded answers: this machine's full model, no link)`,
    `  exits per layer (questions): ${dev.stats.questionExitCounts.slice(0, qa.settings.policy.depthLimit).map((c, i) => `L${i + 1}:${c}`).join('  ')}   mean layers per feature ${dev.stats.meanLayers.toFixed(2)} of ${L}`,
  ];
}

export const demoLocalCommand: Command = {
  name: 'demo-local',
  summary: 'The engine alone on this machine: the fixture ALBERT on 208 real SQuAD 2.0 questions, the default model\'s policies',
  help: `Usage: elma demo-local [--hf <dir>] [--data <squad.json>] [--threshold x] [--depth-limit k] [--out <dir>]

Part one imports a Hugging Face ALBERT (default: the tiny QA model of test/fixtures/hf-albert,
random weights), answers every question of a SQuAD 2.0 file (default: the 208 "Normans" questions
of the SQuAD 2.0 dev set) twice — with all layers, and with early exit — and prints per-layer exit
counts, EM/F1 by the official metric and latency per question. A model with random weights answers
almost nothing right: part one shows the machinery on real text.
Part two runs the committed default model (models/default, trained by npm run train:default on
synthetic data) on fresh synthetic questions the way the device does: calibrated early exit up to
its depth limit, the unsure questions answered by the full model run here (no link, no cloud:
elma demo shows the whole system).

Options:
  --hf <dir>           Hugging Face model directory (default test/fixtures/hf-albert/albert_tiny_qa)
  --data <file>        SQuAD 2.0 JSON (default test/fixtures/squad/squad_v2_dev_normans.json)
  --threshold <x>      exit threshold on the normalised answer entropy for the early-exit run (default 0.965)
  --depth-limit <k>    layers the early-exit run may use (default: all)
  --out <dir>          where the bundle and predictions go (default out/demo)
  --default <dir>      the trained model for part two (default models/default; skipped when absent)
  --synth-seed <n>     seed of part two's fresh synthetic questions (default 3; training used 1, calibration 2)
  --synth-n <n>        how many (default 300)`,
  options: {
    hf: { type: 'string' }, data: { type: 'string' }, threshold: { type: 'string' }, 'depth-limit': { type: 'string' }, out: { type: 'string' },
    default: { type: 'string' }, 'synth-seed': { type: 'string' }, 'synth-n': { type: 'string' },
  },
  async run(args, io) {
    const root = repoRoot();
    const hf = typeof args.values.hf === 'string' ? args.values.hf : path.join(root, 'test/fixtures/hf-albert/albert_tiny_qa');
    const dataFile = typeof args.values.data === 'string' ? args.values.data : path.join(root, 'test/fixtures/squad/squad_v2_dev_normans.json');
    const out = typeof args.values.out === 'string' ? args.values.out : path.join(root, 'out/demo');
    const threshold = optionalNumber(args, 'threshold', 0.965);
    mkdirSync(out, { recursive: true });
    const bundleDir = path.join(out, 'bundle');
    const manifest = importHf(hf, bundleDir, { modelId: path.basename(path.resolve(hf)) });
    io.stdout(`ELMA demo\n  model: ${manifest.model_id} (${String(manifest.architecture.num_hidden_layers)} layers, hidden ${String(manifest.architecture.hidden_size)}), imported from ${hf} → ${bundleDir}\n`);
    const examples = readSquadFile(dataFile);
    const impossible = examples.filter((e) => e.isImpossible).length;
    io.stdout(`  data: ${dataFile}: ${examples.length} questions (${examples.length - impossible} answerable, ${impossible} unanswerable)\n`);
    const progress = (label: string): ((done: number, total: number) => void) => {
      const t0 = performance.now();
      return (done, total) => {
        // Redraw one line on a terminal; a log gets a line per quarter.
        const eta = ((performance.now() - t0) / done) * (total - done) / 1000;
        const line = `  ${label}: ${done}/${total} questions, ${eta.toFixed(0)} s left`;
        if (io.interactive === true) io.stderr(`\r${line}${done === total ? '\n' : ''}`);
        else if (done === total || done % Math.ceil(total / 4) === 0) io.stderr(`${line}\n`);
      };
    };
    const full = setupQa(bundleDir, { values: { threshold: '0' }, positionals: [] });
    const L = full.model.config.numHiddenLayers;
    io.stdout(`  features: max length ${full.settings.maxSeqLength}, doc stride ${full.settings.docStride}; backend ${full.model.backend.name}\n\n`);
    const a = answerQuestions(full.model, full.tokenizer, examples, { ...full.settings, onProgress: progress('all layers') });
    const depth = optionalInt(args, 'depth-limit', L, 1);
    if (depth > L) throw new UsageError(`--depth-limit ${depth} exceeds the model's ${L} layers`);
    const policy = { thresholds: new Array<number>(L).fill(threshold), depthLimit: depth };
    const b = answerQuestions(full.model, full.tokenizer, examples, { ...full.settings, policy, onProgress: progress('early exit') });
    const lines = [
      ...report(`All ${L} layers (no early exit)`, examples, a.answers, a.stats, L), '',
      ...report(`Early exit (threshold ${threshold} at every layer, depth limit ${depth})`, examples, b.answers, b.stats, L), '',
      `  early exit ran ${(100 * b.stats.meanLayers / a.stats.meanLayers).toFixed(1)}% of the layers and took ${(100 * b.stats.totalMs / a.stats.totalMs).toFixed(1)}% of the time of the full model;`,
      `  ${b.answers.filter((x, i) => x.text === a.answers[i]!.text).length} of ${examples.length} answers are the same as the full model's.`,
    ];
    io.stdout(`${lines.join('\n')}\n`);
    for (const [name, res] of [['full', a], ['early-exit', b]] as const) {
      writeFileSync(path.join(out, `predictions-${name}.json`), `${JSON.stringify(Object.fromEntries(res.answers.map((x) => [x.id, x.text])), null, 1)}\n`);
    }
    io.stdout(`\n  predictions: ${path.join(out, 'predictions-full.json')}, ${path.join(out, 'predictions-early-exit.json')} (check with: elma eval-squad ${dataFile} <predictions>)\n`);
    const defaultDir = typeof args.values.default === 'string' ? args.values.default : path.join(root, 'models/default');
    if (existsSync(path.join(defaultDir, 'manifest.json'))) {
      const n = optionalInt(args, 'synth-n', 300, 1), seed = optionalInt(args, 'synth-seed', 3);
      io.stdout(`\n${defaultModelReport(defaultDir, seed, n, progress).join('\n')}\n`);
    } else {
      io.stdout(`\n  (no trained model at ${defaultDir}: \`npm run train:default\` makes one)\n`);
    }
    return 0;
  },
};
