/**
 * `elma eval` reports early exit and the device policy by simulating them on an exit profile
 * (engine/train/exit-profile.ts evaluatePolicy: one pass through every layer, then each policy read
 * off it). The README's EM/F1, mean layers and offload rate come from there. This checks the
 * simulation against the real early-exit loop (engine/qa/answer-questions.ts, what `elma ask` and
 * the device run) on the same questions with the same policy: the same answers, hence the same
 * EM/F1, the same mean layers and the same offload rate. An offloaded question is answered by the
 * full model (the cloud's); the questions are one feature each, so that answer is the whole
 * question's full-model answer (asserted).
 */
import test from 'ava';
import path from 'node:path';
import { elma, scratch } from '../_cli.ts';
import { readSquadFile } from '../../cli/commands/_read-squad.ts';
import { loadQaBundle } from '../../runtime/qa-bundle.ts';
import { answerQuestions } from '../../engine/qa/answer-questions.ts';
import { computeExact, computeF1, normalizeAnswer } from '../../engine/squad/metric.ts';
import type { SquadExample } from '../../engine/squad/dataset.ts';

const BUNDLE = 'models/default';

function score(ex: SquadExample, text: string): { em: number; f1: number } {
  let gold = ex.answers.map((a) => a.text).filter((g) => normalizeAnswer(g) !== '');
  if (gold.length === 0) gold = [''];
  return { em: Math.max(...gold.map((g) => computeExact(g, text))), f1: Math.max(...gold.map((g) => computeF1(g, text))) };
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const close = (a: number, b: number): boolean => Math.abs(a - b) < 1e-9;

test('elma eval\'s simulated policies equal the real early-exit loop on the same questions', async (t) => {
  const dir = scratch();
  const data = path.join(dir, 'q.json');
  // A seed the default model never saw (it trained on 1, calibrated on 2), 50 questions.
  t.is((await elma(['data', 'synth', '--seed', '11', '--n', '50', '--out', data])).code, 0);
  const ev = await elma(['eval', '--bundle', BUNDLE, '--data', data, '--json']);
  t.is(ev.code, 0, ev.stderr);
  const rep = JSON.parse(ev.stdout) as {
    questions: number; features: number; full: { exact: number; f1: number };
    early_exit: { thresholds: number[]; exact: number; f1: number; mean_layers: number };
    device: { depth_limit: number; exact: number; f1: number; offload_rate: number; mean_layers: number };
  };
  t.is(rep.questions, 50);
  t.is(rep.features, 50, 'one feature per question');

  const { model, tokenizer, settings } = loadQaBundle(BUNDLE);
  const examples = readSquadFile(data);
  const L = model.config.numHiddenLayers;
  const th = settings.policy.thresholds, k = settings.policy.depthLimit;
  t.deepEqual(rep.early_exit.thresholds, th);
  t.is(rep.device.depth_limit, k);
  const run = (thresholds: readonly number[], depthLimit: number): ReturnType<typeof answerQuestions> =>
    answerQuestions(model, tokenizer, examples, { ...settings, policy: { thresholds, depthLimit } });

  // The full model: thresholds 0 never pass, every question runs all L layers.
  const full = run(new Array<number>(L).fill(0), L);
  const fullScores = examples.map((ex, i) => score(ex, full.answers[i]!.text));
  t.true(close(100 * mean(fullScores.map((s) => s.f1)), rep.full.f1), `full F1: loop ${100 * mean(fullScores.map((s) => s.f1))}, eval ${rep.full.f1}`);
  t.true(close(100 * mean(fullScores.map((s) => s.em)), rep.full.exact));

  // Early exit with the bundle's thresholds, all L layers allowed.
  const early = run(th, L);
  const earlyScores = examples.map((ex, i) => score(ex, early.answers[i]!.text));
  t.true(close(100 * mean(earlyScores.map((s) => s.f1)), rep.early_exit.f1), `early exit F1: loop ${100 * mean(earlyScores.map((s) => s.f1))}, eval ${rep.early_exit.f1}`);
  t.true(close(100 * mean(earlyScores.map((s) => s.em)), rep.early_exit.exact));
  t.true(close(early.stats.meanLayers, rep.early_exit.mean_layers), `mean layers: loop ${early.stats.meanLayers}, eval ${rep.early_exit.mean_layers}`);
  t.true(rep.early_exit.mean_layers < L - 1, 'questions do exit early');

  // The device: depth limit k; a question not confident there is offloaded to the full model.
  const device = run(th, k);
  const offloaded = device.answers.map((a) => !a.confident);
  const deviceScores = examples.map((ex, i) => score(ex, offloaded[i] ? full.answers[i]!.text : device.answers[i]!.text));
  t.true(close(device.stats.notConfidentQuestions / examples.length, rep.device.offload_rate), `offload rate: loop ${device.stats.notConfidentQuestions / examples.length}, eval ${rep.device.offload_rate}`);
  t.true(close(device.stats.meanLayers, rep.device.mean_layers), `device layers: loop ${device.stats.meanLayers}, eval ${rep.device.mean_layers}`);
  t.true(close(100 * mean(deviceScores.map((s) => s.f1)), rep.device.f1), `device F1: loop ${100 * mean(deviceScores.map((s) => s.f1))}, eval ${rep.device.f1}`);
  t.true(close(100 * mean(deviceScores.map((s) => s.em)), rep.device.exact));
  t.log(`full F1 ${rep.full.f1.toFixed(2)}; early exit F1 ${rep.early_exit.f1.toFixed(2)} at ${rep.early_exit.mean_layers.toFixed(2)} layers; device F1 ${rep.device.f1.toFixed(2)}, offload ${(100 * rep.device.offload_rate).toFixed(1)}%`);
});
