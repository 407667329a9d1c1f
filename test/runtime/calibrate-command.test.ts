/**
 * `elma calibrate`: new thresholds for an existing bundle under the early-exit and device targets,
 * weights and tokenizer untouched, the result loadable; bad input refused with nothing written.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { copyDir, elma, scratch } from '../_cli.ts';

const dir = scratch();
const dev = path.join(dir, 'dev.json');

test.before(async () => {
  const r = await elma(['data', 'synth', '--seed', '9', '--n', '60', '--out', dev]);
  if (r.code !== 0) throw new Error(r.stderr);
});

interface Manifest {
  qa: { null_score_diff_threshold: number };
  files: Record<string, { sha256: string }>;
  exits: { thresholds: number[]; depth_limit: number; calibration: { dev_questions: number; target: { fullF1: number; device: { depthLimit: number; maxF1Drop: number } }; device: { f1: number; offload_rate: number } } };
}

test('calibrate rewrites the thresholds under both targets and keeps the weights', async (t) => {
  const bundle = copyDir('models/default');
  const before = JSON.parse(readFileSync(path.join(bundle, 'manifest.json'), 'utf8')) as Manifest;
  const out = path.join(dir, 'recalibrated');
  const r = await elma(['calibrate', '--bundle', bundle, '--dev', dev, '--out', out, '--max-device-f1-drop', '0', '--depth-limit', '3']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /calibration: full F1 [\d.]+; early exit F1 [\d.]+ at [\d.]+ mean layers; device limit 3 \+ offload: F1 [\d.]+, offload rate [\d.]+%/);
  const after = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
  t.deepEqual(after.files, before.files);
  t.true(Number.isFinite(after.qa.null_score_diff_threshold));
  t.regex(r.stderr, /null-answer threshold: -?[\d.]+ \(full model F1 [\d.]+; [\d.]+ at 0\)/);
  t.is(after.exits.depth_limit, 3);
  t.is(after.exits.calibration.dev_questions, 60);
  t.deepEqual(after.exits.calibration.target.device, { depthLimit: 3, maxF1Drop: 0 });
  t.true(after.exits.calibration.device.f1 >= after.exits.calibration.target.fullF1 - 1e-9);
  const ev = await elma(['eval', '--bundle', out, '--data', dev, '--json']);
  t.is(ev.code, 0, ev.stderr);
  const rep = JSON.parse(ev.stdout) as { full: { f1: number }; device: { f1: number; depth_limit: number } };
  t.is(rep.device.depth_limit, 3);
  t.true(rep.device.f1 >= rep.full.f1 - 1e-9, `device ${rep.device.f1} vs full ${rep.full.f1}`);
});

test('calibrate: bad input is one clear line and nothing is written', async (t) => {
  const out = path.join(dir, 'never');
  const cases: [string[], number, RegExp][] = [
    [['--bundle', 'models/default', '--out', out], 2, /missing required option --dev/],
    [['--bundle', 'models/default', '--dev', path.join(dir, 'none.json'), '--out', out], 1, /none\.json: cannot be read as JSON \(ENOENT/],
    [['--bundle', 'models/default', '--dev', dev, '--out', out, '--depth-limit', '13'], 2, /--depth-limit 13 exceeds the model's 12 layers/],
    [['--bundle', path.join(dir, 'nothing'), '--dev', dev, '--out', out], 1, /nothing/],
  ];
  for (const [args, code, message] of cases) {
    const r = await elma(['calibrate', ...args]);
    t.is(r.code, code, args.join(' '));
    t.regex(r.stderr, message);
  }
  t.false(existsSync(out));
});
