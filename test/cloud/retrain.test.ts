/**
 * Retraining the device's model on the questions it offloaded (cloud/retrain/): too little data is
 * refused with nothing written; a real retrain of the default model on ~150 questions it cannot
 * answer confidently by its depth limit lowers the offload rate on the held-back part at no
 * more than 0.2 F1 points on dev, and publishes a signed version 2 with its signed chunk index.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { retrainDeviceModel } from '../../cloud/retrain/retrain-device-model.ts';
import { splitQuestions } from '../../cloud/retrain/split-questions.ts';
import { gateRetrain, type RetrainSide } from '../../cloud/retrain/gate.ts';
import { pairedDifference } from '../../cloud/retrain/paired-difference.ts';
import { questionLabel } from '../../cloud/retrain/retrain-question.ts';
import { openStore, type StoredQuestion } from '../../cloud/store/question-store.ts';
import { answerQuestions } from '../../engine/qa/answer-questions.ts';
import { parseSquad, type SquadExample } from '../../engine/squad/dataset.ts';
import { loadBundle } from '../../models/bundle/bundle-dir.ts';
import { parseSignedIndex, verifyChunkIndex } from '../../models/bundle/chunk-index.ts';
import { createSigningKeyFile, nodeRandom } from '../../models/bundle/node/key-file.ts';
import { dirFiles } from '../../models/bundle/node/dir-files.ts';
import { withBundleFiles } from '../../models/bundle/node/open-bundle.ts';
import { generateSigningKey } from '../../models/bundle/signing-key.ts';
import { verifyBundle } from '../../models/bundle/verify.ts';
import { synthesizeSquad } from '../../models/synth/generate.ts';
import { selectBackend } from '../../runtime/backend-select.ts';
import { loadQaBundle } from '../../runtime/qa-bundle.ts';
import { elma, scratch } from '../_cli.ts';

const BACKEND = existsSync('dist/native/libelma_native.so') ? 'native' : 'js';
const synth = (seed: number, n: number): SquadExample[] => parseSquad(synthesizeSquad({ seed, questions: n, perParagraph: 5 }));
const dev = synth(2, 600); // the default model's dev split (seed 2): half to calibrate on, half to gate on
const replay = synth(1, 300); // its training data (seed 1)

/** A stored question as the cloud keeps it, answered by `cloud` (text found in the context). */
function stored(i: number, ex: SquadExample, cloudText: string, deviceExit: StoredQuestion['deviceExit']): StoredQuestion {
  const start = cloudText === '' ? 0 : ex.context.indexOf(cloudText);
  return {
    seq: i + 1, device: `device-${i % 5}`, requestId: 1000 + i, modelId: 'elma-default', modelVersion: 1, receivedAt: new Date(0),
    context: ex.context, question: ex.question, deviceExit,
    cloud: { text: cloudText, start, end: start + cloudText.length, score: 0, layer: 12, soft: [] },
  };
}

/**
 * The hard questions of the default model: fresh synthetic questions (seed 11: seeds 1–3 made its
 * training, dev and test sets) that its device policy (calibrated thresholds, depth limit 6) does
 * not answer confidently, answered by the same model with all 12 layers, as the cloud does.
 */
function hardQuestions(candidates: number, want: number): StoredQuestion[] {
  const { model, tokenizer, settings } = loadQaBundle('models/default', { backend: BACKEND });
  const examples = synth(11, candidates);
  const device = answerQuestions(model, tokenizer, examples, settings).answers;
  const hard = examples.map((ex, i) => ({ ex, a: device[i]! })).filter((x) => !x.a.confident).slice(0, want);
  const L = model.config.numHiddenLayers;
  const cloud = answerQuestions(model, tokenizer, hard.map((h) => h.ex), { ...settings, policy: { thresholds: new Array<number>(L).fill(0), depthLimit: L } }).answers;
  return hard.map((h, i) => stored(i, h.ex, cloud[i]!.text, { layer: h.a.layer, entropy: h.a.entropy, text: h.a.text }));
}

test('split and labels: deterministic by text, corrections first, unplaceable answers left out', (t) => {
  const ex = dev[0]!;
  const q = stored(0, ex, ex.answers[0]?.text ?? '', { layer: 6, entropy: 1, text: '' });
  t.deepEqual(questionLabel({ ...q, correction: '' }), { text: '', start: -1 });
  const word = ex.context.split(' ')[1]!;
  t.deepEqual(questionLabel({ ...q, correction: word }), { text: word, start: ex.context.indexOf(word) });
  t.is(questionLabel({ ...q, correction: 'not in the context at all' }), null);
  const many = dev.slice(0, 200).map((e, i) => stored(i, e, '', { layer: 6, entropy: 1, text: '' }));
  const a = splitQuestions(many, 0.2), b = splitQuestions([...many].reverse(), 0.2);
  t.deepEqual(a.heldBack.map((x) => x.requestId).sort(), b.heldBack.map((x) => x.requestId).sort());
  t.true(a.heldBack.length > 20 && a.heldBack.length < 60, `${a.heldBack.length} of 200 held back`);
  // The same question from another device lands on the same side.
  const again = { ...many[0]!, device: 'other', requestId: 1 };
  t.is(splitQuestions([again], 0.2).heldBack.length, a.heldBack.some((x) => x.requestId === many[0]!.requestId) ? 1 : 0);
});

test('the gate: dev F1 may fall by at most 0.2 points and the held-back offload rate must fall', (t) => {
  const side = (f1: number, offload: number): RetrainSide => ({ f1, offload_rate: offload, mean_layers: 4, dev_offload_rate: 0.1, full_f1: 90, held_back_f1: 80 });
  t.true(gateRetrain(side(90, 1), side(89.8, 0.5)).publish);
  t.true(gateRetrain(side(90, 1), side(91, 0.9)).publish);
  const drop = gateRetrain(side(90, 1), side(89.7, 0.2));
  t.false(drop.publish);
  t.regex(drop.reason, /dev F1 90\.00 → 89\.70 falls by 0\.30 points, more than 0\.2/);
  const same = gateRetrain(side(90, 0.5), side(90.5, 0.5));
  t.false(same.publish);
  t.regex(same.reason, /held-back offload rate 50\.0% → 50\.0% is not lower/);
  t.true(gateRetrain(side(90, 0.5), side(90, 0.4), 0).publish, 'no F1 drop at all is allowed with 0');
  // With the paired difference, the reason says how sure the F1 side is; the decision is the same.
  const sure = gateRetrain(side(90, 1), side(89.7, 0.2), 0.2, pairedDifference([1, 0.7], [1, 0.4]));
  t.false(sure.publish);
  t.regex(sure.reason, /dev F1 90\.00 → 89\.70 falls by 0\.30 points, more than 0\.2 \(held-back offload rate 100\.0% → 20\.0%; paired change −15\.00 ± 15\.00 \(standard error\), 1 of 2 questions scored differently\)$/);
  t.regex(gateRetrain(side(90, 1), side(90.1, 0.5), 0.2, pairedDifference([0], [0.001])).reason, /\(at most 0\.2 points lower allowed; paired change \+0\.10 ± 0\.00 \(standard error\), 1 of 1 questions scored differently\)$/);
});

test('the paired difference: mean of after − before and its standard error, by hand', (t) => {
  // d = 0, 1, −0.5, −0.5: mean 0; sample variance (0 + 1 + 0.25 + 0.25) / 3 = 0.5; SE √(0.5 / 4).
  const p = pairedDifference([1, 0, 0.5, 1], [1, 1, 0, 0.5]);
  t.is(p.points, 0);
  t.true(Math.abs(p.standard_error - 100 * Math.sqrt(0.5 / 4)) < 1e-12);
  t.is(p.changed, 3);
  t.is(p.questions, 4);
  t.deepEqual(pairedDifference([0.5], [1]), { points: 50, standard_error: 0, changed: 1, questions: 1 });
  t.deepEqual(pairedDifference([], []), { points: 0, standard_error: 0, changed: 0, questions: 0 });
  t.throws(() => pairedDifference([1, 1], [1]), { instanceOf: RangeError, message: 'paired difference: 2 questions before, 1 after' });
});

test('too little data: a clear refusal, nothing written', (t) => {
  const out = path.join(scratch(), 'out');
  const questions = dev.slice(0, 12).map((e, i) => stored(i, e, e.answers[0]?.text ?? '', { layer: 6, entropy: 1, text: '' }));
  const r = retrainDeviceModel({ questions, bundleDir: 'models/default', dev, replay, out, releaseKey: generateSigningKey(nodeRandom), backend: selectBackend(BACKEND) });
  t.false(r.published);
  t.regex(r.reason, /too little data: \d+ training questions \(of 12 stored, \d+ held back\); at least 20 needed/);
  t.is(r.before, null);
  t.is(r.f1_change, null);
  t.false(existsSync(out));
});

test('elma cloud retrain: too little data in a SQLite store exits 2 with the report, nothing written; bad input', async (t) => {
  const dir = scratch();
  const storeFile = path.join(dir, 'store.sqlite'), out = path.join(dir, 'out'), keyFile = path.join(dir, 'release.key');
  createSigningKeyFile(keyFile, false).secretKey.fill(0);
  const store = await openStore(storeFile);
  for (const [i, e] of dev.slice(0, 8).entries()) {
    const { seq: _seq, correction: _c, ...q } = stored(i, e, e.answers[0]?.text ?? '', { layer: 6, entropy: 1, text: '' });
    await store.add(q);
  }
  await store.close();
  const devFile = path.join(dir, 'dev.json'), replayFile = path.join(dir, 'train.json');
  t.is((await elma(['data', 'synth', '--seed', '2', '--n', '20', '--out', devFile])).code, 0);
  t.is((await elma(['data', 'synth', '--seed', '1', '--n', '20', '--out', replayFile])).code, 0);
  const base = ['cloud', 'retrain', '--bundle', 'models/default', '--dev', devFile, '--replay', replayFile, '--key', keyFile, '--out', out, '--backend', BACKEND];
  const r = await elma([...base, '--store', storeFile, '--json']);
  t.is(r.code, 2, r.stderr);
  const report = JSON.parse(r.stdout.trim().split('\n').pop()!) as { published: boolean; reason: string; train_questions: number };
  t.false(report.published);
  t.regex(report.reason, /too little data/);
  t.regex(r.stderr, /8 questions in /);
  t.false(existsSync(out));
  const missing = await elma([...base, '--store', path.join(dir, 'none.sqlite')]);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /none\.sqlite: no such store file/);
  t.false(existsSync(path.join(dir, 'none.sqlite')));
  const noStore = await elma(base);
  t.is(noStore.code, 2);
  t.regex(noStore.stderr, /missing required option --store/);
});

test('a real retrain on the default model\'s offloaded questions lowers the held-back offload rate and publishes v2', (t) => {
  const t0 = performance.now();
  const questions = hardQuestions(1800, 150);
  const tHard = (performance.now() - t0) / 1000;
  t.true(questions.length >= 120, `only ${questions.length} offloaded questions`);
  const dir = scratch();
  const out = path.join(dir, 'published');
  const key = generateSigningKey(nodeRandom);
  const lines: string[] = [];
  const r = retrainDeviceModel({
    questions, bundleDir: 'models/default', dev, replay, out, releaseKey: key, backend: selectBackend(BACKEND), seed: 1, epochs: 2,
    onProgress: (p) => lines.push(p.message),
  });
  t.log(`${questions.length} hard questions found in ${tHard.toFixed(1)} s; retrain ${r.seconds.total.toFixed(1)} s (training ${r.seconds.train.toFixed(1)} s)`);
  t.log(`held-back offload rate: before ${(100 * r.before!.offload_rate).toFixed(1)}%, after ${(100 * r.after!.offload_rate).toFixed(1)}% (${r.held_back} questions)`);
  t.log(`dev F1 (device policy, gate half): before ${r.before!.f1.toFixed(2)}, after ${r.after!.f1.toFixed(2)}; dev offload ${(100 * r.before!.dev_offload_rate).toFixed(1)}% → ${(100 * r.after!.dev_offload_rate).toFixed(1)}%; mean layers ${r.before!.mean_layers.toFixed(2)} → ${r.after!.mean_layers.toFixed(2)}`);
  t.log(r.reason);
  // The paired change is the difference of the two F1s, over the gate's questions, with an error.
  t.true(Math.abs(r.f1_change!.points - (r.after!.f1 - r.before!.f1)) < 1e-9);
  t.is(r.f1_change!.questions, r.dev_gate);
  t.true(r.f1_change!.changed > 0 && r.f1_change!.standard_error > 0);
  t.true(r.before!.offload_rate > 0.9, 'the held-back questions are ones the device offloads');
  t.true(r.after!.offload_rate < r.before!.offload_rate);
  t.true(r.before!.f1 - r.after!.f1 <= 0.2);
  t.true(r.published, r.reason);
  t.is(r.version, 2);
  t.is(r.train_questions + r.held_back, questions.length);
  t.true(r.dev_calibration > 250 && r.dev_gate > 250 && r.dev_calibration + r.dev_gate === dev.length);
  t.true(lines.some((l) => /exits step/.test(l)));

  // The bundle verifies as a device verifies it, as a directory and as the .tar.
  const policy = { trustedKeys: [key.publicKey], now: Date.now(), installedVersion: 1, device: { arch: process.arch, backends: ['js', 'native'] } };
  const v = verifyBundle(dirFiles(r.bundle_dir!), policy);
  t.is(v.manifest.version, 2);
  t.is(v.manifest.model_id, 'elma-default');
  t.is(v.manifest.exits.depth_limit, 6);
  t.is(withBundleFiles(r.tar!, (files) => verifyBundle(files, policy)).manifest.version, 2);
  t.is(loadBundle(r.bundle_dir!).manifest.version, 2);
  // The chunk index is signed by the release key and describes the .tar.
  const ix = verifyChunkIndex(parseSignedIndex(readFileSync(r.index!, 'utf8'), r.index!), [key.publicKey], r.index!);
  const tar = readFileSync(r.tar!);
  t.is(ix.version, 2);
  t.is(ix.model, 'elma-default');
  t.is(ix.size, tar.byteLength);
  t.is(ix.sha256, createHash('sha256').update(tar).digest('hex'));
  t.throws(() => verifyChunkIndex(parseSignedIndex(readFileSync(r.index!, 'utf8'), r.index!), [generateSigningKey(nodeRandom).publicKey], r.index!));
  // Version 2 is never written twice.
  t.throws(() => retrainDeviceModel({ questions, bundleDir: 'models/default', dev, replay, out, releaseKey: key, backend: selectBackend(BACKEND) }), { message: /already published/ });
});
