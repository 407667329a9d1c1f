/**
 * `elma exits fit` (issue 15: early exits for any imported checkpoint): the default model's exit
 * heads are reset to what an imported checkpoint has (copies of the final QA head), then fitted by
 * self-distillation on 2,500 questions whose answers are thrown away. On 600 fresh labelled
 * questions, the fitted exits at the original exits' F1 use at most 10% more layers than the
 * original ones (which were trained on 36,000 labelled questions). Runs on the native backend.
 */
import path from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { elma, scratch } from '../_cli.ts';
import { testWithNative } from '../_native.ts';
import { loadQaBundle } from '../../runtime/qa-bundle.ts';
import { buildFeatures } from '../../engine/squad/features.ts';
import { evaluatePolicy, profileExits, type PolicyResult } from '../../engine/train/exit-profile.ts';
import { readSquadFile } from '../../cli/commands/_read-squad.ts';

function profile(dir: string, data: ReturnType<typeof readSquadFile>): { policy: (scale: number) => PolicyResult } {
  const qa = loadQaBundle(dir, { backend: 'native' });
  const m = qa.bundle.manifest;
  const feats = buildFeatures(data, qa.tokenizer, { maxLength: m.qa.max_seq_length, docStride: m.qa.doc_stride });
  const p = profileExits(qa.model, data, feats, { maxAnswerLength: m.qa.max_answer_length, nBestSize: m.qa.n_best_size, nullScoreDiffThreshold: m.qa.null_score_diff_threshold, wholeWords: true });
  const L = qa.model.config.numHiddenLayers;
  return { policy: (scale) => evaluatePolicy(p, m.exits.thresholds.map((x) => x * scale), L, false) };
}

testWithNative('elma_native')('exits fitted on unlabelled questions save as many layers as the trained ones, within 10%, at the same F1', async (t) => {
  t.timeout(15 * 60_000);
  const dir = scratch('elma-exits-fit-');
  const unlabelled = path.join(dir, 'questions.json');
  const evalFile = path.join(dir, 'eval.json');
  t.is((await elma(['data', 'synth', '--seed', '44', '--n', '2500', '--out', unlabelled])).code, 0);
  t.is((await elma(['data', 'synth', '--seed', '45', '--n', '600', '--out', evalFile])).code, 0);
  // Throw the answers away: the fit must not see them.
  const doc = JSON.parse(readFileSync(unlabelled, 'utf8')) as { data: { paragraphs: { qas: Record<string, unknown>[] }[] }[] };
  for (const a of doc.data) for (const p of a.paragraphs) for (const q of p.qas) { q.answers = []; q.is_impossible = false; }
  writeFileSync(unlabelled, JSON.stringify(doc));

  const out = path.join(dir, 'fitted');
  const fit = await elma(['exits', 'fit', '--bundle', 'models/default', '--data', unlabelled, '--out', out, '--reinit', '--backend', 'native']);
  t.is(fit.code, 0, fit.stderr);
  t.regex(fit.stdout, /exits fitted on \d+ questions, calibrated on \d+/);

  const evalSet = readSquadFile(evalFile);
  const original = profile('models/default', evalSet).policy(1);
  const fitted = profile(out, evalSet);
  // The fitted thresholds scaled until early exit reaches the original exits' F1 (a finer scale saves more layers).
  let best: { scale: number; r: PolicyResult } | undefined;
  for (let k = 1; k <= 200; k++) {
    const scale = k / 100;
    const r = fitted.policy(scale);
    if (r.f1 >= original.f1 && (best === undefined || r.meanLayers < best.r.meanLayers)) best = { scale, r };
  }
  t.log(`original exits: F1 ${original.f1.toFixed(2)} at ${original.meanLayers.toFixed(3)} layers; fitted as calibrated: F1 ${fitted.policy(1).f1.toFixed(2)} at ${fitted.policy(1).meanLayers.toFixed(3)}; `
    + `fitted at the same F1: ${best === undefined ? 'never' : `${best.r.f1.toFixed(2)} at ${best.r.meanLayers.toFixed(3)} (thresholds × ${best.scale.toFixed(2)})`}`);
  t.not(best, undefined, 'the fitted exits never reach the original F1');
  t.true(best!.r.meanLayers <= 1.1 * original.meanLayers, `fitted exits need ${best!.r.meanLayers.toFixed(3)} layers for F1 ${original.f1.toFixed(2)}, more than 1.1 × ${original.meanLayers.toFixed(3)}`);
});

testWithNative('elma_native')('exits fit: bad input is one line', async (t) => {
  const dir = scratch('elma-exits-bad-');
  const few = path.join(dir, 'few.json');
  t.is((await elma(['data', 'synth', '--seed', '46', '--n', '30', '--out', few])).code, 0);
  const r = await elma(['exits', 'fit', '--bundle', 'models/default', '--data', few, '--out', path.join(dir, 'o'), '--backend', 'native']);
  t.is(r.code, 1);
  t.regex(r.stderr, /questions: 30 are too few to fit and calibrate exits/);
  const bad = await elma(['exits', 'tune', '--bundle', 'models/default']);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /exits: unknown action "tune"; known: fit/);
  const frac = await elma(['exits', 'fit', '--bundle', 'models/default', '--data', few, '--out', path.join(dir, 'o'), '--dev-fraction', '1.5']);
  t.is(frac.code, 2);
  t.regex(frac.stderr, /--dev-fraction must be between 0 and 1/);
});
