/**
 * The README's main job, end to end in real processes (issues 12 and 14): `elma demo --json` runs a
 * cloud and a device over the encrypted link; the device offloads what it is unsure of, the cloud
 * stores and retrains on it and publishes version 2, the device takes it over the air, refuses a
 * broken version 3 by rolling back, and answers the same questions again. Offloading must fall at
 * an F1 no lower. Runs the built program (bin/elma.js → dist/elma.mjs, made by `npm test`'s pretest).
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratch } from '../_cli.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface DemoJson {
  questions: number;
  before: { f1: number; offload_rate: number; mean_layers: number; ms_per_question: number };
  after: { f1: number; offload_rate: number; mean_layers: number; ms_per_question: number };
  update: { from_version: number; to_version: number };
  broken_bundle: { kept_running: boolean; reason: string };
}

test('elma demo --json: the loop lowers the offload rate at an F1 no lower, takes v2 over the air and rolls back a broken v3', async (t) => {
  const dir = scratch('elma-demo-');
  const child = spawn(process.execPath, [path.join(root, 'bin/elma.js'), 'demo', '--json', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  t.is(code, 0, err.slice(-3000));
  const r = JSON.parse(out.trim()) as DemoJson;
  t.log(`offload rate ${(100 * r.before.offload_rate).toFixed(1)}% → ${(100 * r.after.offload_rate).toFixed(1)}%, F1 ${r.before.f1.toFixed(2)} → ${r.after.f1.toFixed(2)}, `
    + `mean layers ${r.before.mean_layers.toFixed(2)} → ${r.after.mean_layers.toFixed(2)}`);
  t.is(r.questions, 100);
  t.deepEqual(r.update, { from_version: 1, to_version: 2 });
  t.true(r.after.offload_rate < r.before.offload_rate, 'the device offloads less after the update');
  t.true(r.after.f1 >= r.before.f1, 'at an F1 no lower');
  t.true(r.before.offload_rate > 0.2, 'the strict thresholds made the first round offload');
  t.true(r.broken_bundle.kept_running);
  t.regex(r.broken_bundle.reason, /^rolled-back: elma-default version 3: health check failed: golden\[\d\]/);
  // The progress a person follows went to stderr, phase by phase.
  for (const phase of ['== round 1', '== the cloud retrains', '== the device takes version 2', '== a broken version 3', '== round 2']) t.true(err.includes(phase), phase);
  // The store kept each offloaded question once; the device ran v2 from slot B at the end.
  t.true(existsSync(path.join(dir, 'store.sqlite')));
  const state = (JSON.parse(readFileSync(path.join(dir, 'device', 'slots', 'state.json'), 'utf8')) as { state: { active: string; lastGoodVersion: number; slots: Record<string, { status: string; version: number }> } }).state;
  t.is(state.active, 'B');
  t.is(state.lastGoodVersion, 2);
  t.deepEqual(state.slots.A, { status: 'bad', version: 3, modelId: 'elma-default' });
});
