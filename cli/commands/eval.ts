import { writeFileSync } from 'node:fs';
import type { SquadExample } from '../../engine/squad/dataset.ts';
import { readSquadFile } from './_read-squad.ts';
import { buildFeatures } from '../../engine/squad/features.ts';
import { evaluatePolicy, profileExits, type ExitProfile, type PolicyResult } from '../../engine/train/exit-profile.ts';
import { answerQuestions } from '../../engine/qa/answer-questions.ts';
import { lineChartSvg } from '../../runtime/report/svg-chart.ts';
import { optionalInt, requireString, UsageError, type CliIO, type Command } from '../command.ts';
import { QA_OPTIONS, QA_OPTIONS_HELP, setupQa } from './_qa-setup.ts';

function byLevel(examples: readonly SquadExample[], r: PolicyResult): Record<string, { n: number; exact: number; f1: number }> {
  const acc: Record<string, { n: number; exact: number; f1: number }> = {};
  examples.forEach((ex, i) => {
    const key = ex.level ?? (ex.isImpossible ? 'unanswerable' : 'answerable');
    const a = (acc[key] ??= { n: 0, exact: 0, f1: 0 });
    a.n++;
    a.exact += r.perQuestion[i]!.exact;
    a.f1 += r.perQuestion[i]!.f1;
  });
  for (const a of Object.values(acc)) { a.exact = (100 * a.exact) / a.n; a.f1 = (100 * a.f1) / a.n; }
  return acc;
}

function byExitLayer(r: PolicyResult, layers: number): { layer: number; questions: number; f1: number }[] {
  const out = Array.from({ length: layers }, (_, i) => ({ layer: i + 1, questions: 0, f1: 0 }));
  for (const q of r.perQuestion) { const o = out[q.layer - 1]!; o.questions++; o.f1 += q.f1; }
  for (const o of out) o.f1 = o.questions === 0 ? 0 : (100 * o.f1) / o.questions;
  return out.filter((o) => o.questions > 0);
}

/** Thresholds at scale s: s × the bundle's thresholds, or s itself when the bundle has none (all 0). */
function scaled(base: readonly number[], s: number): number[] {
  return base.every((t) => t === 0) ? base.map(() => s) : base.map((t) => Math.min(1, t * s));
}

function plot(p: ExitProfile, base: readonly number[], file: string, io: CliIO): void {
  const uniform = base.every((t) => t === 0);
  const grid = Array.from({ length: 31 }, (_, i) => (uniform ? i / 30 : (3 * i) / 30));
  const pts = grid.map((s) => ({ s, r: evaluatePolicy(p, scaled(base, s), p.layers, false) }));
  writeFileSync(file, lineChartSvg({
    title: 'Early exit: F1 and layers used against the threshold',
    xLabel: uniform ? 'entropy threshold (every layer)' : 'threshold scale (× calibrated thresholds)',
    leftLabel: 'F1', rightLabel: `mean layers (of ${p.layers})`,
    series: [
      { name: 'F1', axis: 'left', color: '#1f77b4', points: pts.map((x) => [x.s, x.r.f1] as const) },
      { name: 'mean layers', axis: 'right', color: '#d62728', points: pts.map((x) => [x.s, x.r.meanLayers] as const) },
    ],
    ...(uniform ? {} : { marker: { x: 1, label: 'calibrated' } }),
  }));
  io.stderr(`plot written to ${file}\n`);
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'Evaluate a bundle on a SQuAD file: EM/F1 per level and exit layer, layers used, offload rate, latency',
  help: `Usage: elma eval --bundle <dir> --data <squad.json> [--plot out.svg] [--json] [options]

Runs every layer once on every feature to record each exit's answer and entropy, then reports:
the full model's EM/F1 (overall and per difficulty level), early exit with the bundle's thresholds
(EM/F1, per exit layer, mean layers), the device limit with offloading to the full model (F1,
offload rate), and the measured latency per question of the device policy.

Options:
${QA_OPTIONS_HELP}
  --data <file>        SQuAD 2.0 JSON (levels are read from a "level" field on each question when present)
  --limit <n>          evaluate only the first n questions
  --plot <file.svg>    draw F1 and mean layers against the threshold scale
  --json               print the report as JSON`,
  options: { ...QA_OPTIONS, data: { type: 'string' }, limit: { type: 'string' }, plot: { type: 'string' }, json: { type: 'boolean' } },
  async run(args, io) {
    const { model, tokenizer, settings, bundle } = setupQa(requireString(args, 'bundle'), args);
    let examples = readSquadFile(requireString(args, 'data'));
    const limit = optionalInt(args, 'limit', examples.length, 1);
    examples = examples.slice(0, limit);
    if (examples.length === 0) throw new UsageError('the data file has no questions');
    const L = model.config.numHiddenLayers;
    const features = buildFeatures(examples, tokenizer, { maxLength: settings.maxSeqLength, docStride: settings.docStride });
    const profile = profileExits(model, examples, features, { maxAnswerLength: settings.maxAnswerLength, nBestSize: settings.nBestSize,
      nullScoreDiffThreshold: settings.nullScoreDiffThreshold }, 16, (d, n) => { if (d === n || d % 160 === 0) io.stderr(`  profiling exits: ${d}/${n} features\n`); });
    const th = settings.policy.thresholds, k = settings.policy.depthLimit;
    const full = evaluatePolicy(profile, new Array<number>(L).fill(0), L, false);
    const early = evaluatePolicy(profile, th, L, false);
    const device = evaluatePolicy(profile, th, k, true);
    const timed = answerQuestions(model, tokenizer, examples, settings);
    const ms = timed.answers.map((a) => a.ms).sort((a, b) => a - b);
    const report = {
      model: bundle.manifest.model_id, version: bundle.manifest.version, questions: examples.length, features: features.length,
      full: { exact: full.exact, f1: full.f1, by_level: byLevel(examples, full) },
      early_exit: { thresholds: th, exact: early.exact, f1: early.f1, mean_layers: early.meanLayers, by_level: byLevel(examples, early), by_exit_layer: byExitLayer(early, L) },
      device: { depth_limit: k, exact: device.exact, f1: device.f1, offload_rate: device.offloadRate, mean_layers: device.meanLayers },
      latency_ms: { mean: timed.stats.totalMs / examples.length, median: ms[Math.floor(ms.length / 2)] ?? 0, p90: ms[Math.floor(ms.length * 0.9)] ?? 0, backend: model.backend.name },
    };
    if (typeof args.values.plot === 'string') plot(profile, th, args.values.plot, io);
    if (args.values.json === true) { io.stdout(`${JSON.stringify(report, null, 2)}\n`); return 0; }
    const lv = (r: Record<string, { n: number; exact: number; f1: number }>): string =>
      Object.entries(r).sort().map(([k2, v]) => `    ${k2.padEnd(14)} n=${String(v.n).padEnd(5)} EM ${v.exact.toFixed(2).padStart(6)}  F1 ${v.f1.toFixed(2).padStart(6)}`).join('\n');
    io.stdout([
      `${report.model} v${report.version}: ${report.questions} questions, ${report.features} features, ${L} layers`,
      `full model (${L} layers):           EM ${full.exact.toFixed(2)}  F1 ${full.f1.toFixed(2)}`, lv(report.full.by_level),
      `early exit (bundle thresholds):    EM ${early.exact.toFixed(2)}  F1 ${early.f1.toFixed(2)}  mean layers ${early.meanLayers.toFixed(2)} of ${L}`,
      lv(report.early_exit.by_level),
      '  by exit layer (questions, F1): ' + report.early_exit.by_exit_layer.map((e) => `L${e.layer}: ${e.questions} (${e.f1.toFixed(1)})`).join('  '),
      `device limit ${k} + offload to ${L}:  EM ${device.exact.toFixed(2)}  F1 ${device.f1.toFixed(2)}  offload rate ${(100 * device.offloadRate).toFixed(1)}%  mean device layers ${device.meanLayers.toFixed(2)}`,
      `latency per question (device policy, ${model.backend.name}): mean ${report.latency_ms.mean.toFixed(1)} ms, median ${report.latency_ms.median.toFixed(1)} ms, p90 ${report.latency_ms.p90.toFixed(1)} ms`,
    ].join('\n') + '\n');
    return 0;
  },
};
