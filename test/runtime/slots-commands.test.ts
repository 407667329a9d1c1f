/**
 * `elma update` and `elma slots` end to end on the HF tiny fixture (docs/ota.md): provisioning,
 * install into the inactive slot, trial boot with the golden-question health check, every refusal
 * leaving the slots byte-identical, automatic rollback of a wrong model with its report, a corrupt
 * state record falling back to the last good slot, attempts exhausted, mark-good and mark-bad.
 */
import test from 'ava';
import { appendFileSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { elma, scratch, copyDir } from '../_cli.ts';
import { readReports } from '../../runtime/slots/node/reports.ts';
import { readState } from '../../runtime/slots/node/state-store.ts';
import { makeKit, snapshot, CONTEXT, QUESTION, type Kit } from './_slots-fixture.ts';

const kit = makeKit();

/** A slots directory provisioned with version 5 in slot A. */
async function device(k: Kit): Promise<string> {
  const slots = path.join(scratch(), 'slots');
  const r = await elma(['slots', 'init', '--slots', slots, '--from', await k.bundle(5), '--pubkey', k.pub]);
  if (r.code !== 0) throw new Error(r.stdout + r.stderr);
  return slots;
}

const update = (k: Kit, slots: string, from: string, ...extra: string[]) =>
  elma(['update', '--from', from, '--slots', slots, '--pubkey', k.pub, '--device', 'x64/js', ...extra]);
const boot = (slots: string, ...extra: string[]) => elma(['slots', 'boot', '--slots', slots, ...extra]);

test('update → trial → health check passes → the new slot is active, the old one kept as fallback', async (t) => {
  const k = await kit;
  const slots = await device(k);
  const before = snapshot(path.join(slots, 'A'));
  const u = await update(k, slots, await k.bundle(6, { tar: true }));
  t.is(u.code, 0, u.stdout + u.stderr);
  t.regex(u.stdout, /^installed: albert_tiny_qa version 6 into slot B, in trial for 3 boots/);
  t.regex((await elma(['slots', '--slots', slots])).stdout, /slot B: albert_tiny_qa version 6, trial, 3 boot attempts left/);
  t.is((await elma(['slots', 'status', '--slots', slots])).stdout, (await elma(['slots', '--slots', slots])).stdout, '"status" is what no subcommand does');
  const b = await boot(slots, '--context', CONTEXT, '--question', QUESTION);
  t.is(b.code, 0, b.stderr);
  t.regex(b.stdout, /^booted: slot B, albert_tiny_qa version 6\nanswer: /);
  t.regex(b.stderr, /slot B \(version 6\) passed its health check/);
  t.deepEqual(snapshot(path.join(slots, 'A')), before, 'the old slot is kept, untouched');
  const s = readState(slots).state;
  t.is(s.active, 'B');
  t.is(s.slots.A?.status, 'good');
  const reports = readReports(slots);
  t.is(reports.length, 1);
  t.is(reports[0]!.event, 'good');
  t.is(reports[0]!.golden?.[0]?.got, k.answer);
  // Booting again changes nothing: no trial is pending.
  t.regex((await boot(slots)).stdout, /^booted: slot B/);
  t.is(readReports(slots).length, 1);
});

test('every refusal leaves the slots directory byte-identical', async (t) => {
  const k = await kit;
  const slots = await device(k);
  const good = await k.bundle(6);
  const other = await makeKit();
  const cases: Array<[string, () => Promise<string>, string[], RegExp]> = [
    ['tampered weights', async () => { const d = copyDir(good); const f = path.join(d, 'weights.safetensors'); const b = readFileSync(f); b[b.length - 3]! ^= 1; writeFileSync(f, b); return d; }, [], /^refused \(file-hash\)/],
    ['truncated tokenizer', async () => { const d = copyDir(good); truncateSync(path.join(d, 'tokenizer.json'), 10); return d; }, [], /^refused \(file-size\)/],
    ['extra file', async () => { const d = copyDir(good); writeFileSync(path.join(d, 'run.sh'), 'x'); return d; }, [], /^refused \(extra-file\)/],
    ['missing file', async () => { const d = copyDir(good); rmSync(path.join(d, 'spiece.model')); return d; }, [], /^refused \(missing-file\)/],
    ['unknown key', () => other.bundle(6), [], /^refused \(unknown-key\)/],
    ['replay of the installed version', () => k.bundle(5), [], /^refused \(rollback\): .*5 is not greater than the installed version 5/],
    ['downgrade', () => k.bundle(4), [], /^refused \(rollback\)/],
    ['expired', async () => good, ['--now', '2099-01-01'], /^refused \(expired\)/],
    ['wrong target', () => k.bundle(6, { extra: ['--target', 'arm64/any'] }), [], /^refused \(target\)/],
    ['broken archive', async () => { const tar = await k.bundle(6, { tar: true }); appendFileSync(tar, 'junk'); return tar; }, [], /^refused \(malformed-tar\)/],
  ];
  for (const [what, make, extra, re] of cases) {
    const from = await make();
    const before = snapshot(slots);
    const r = await update(k, slots, from, ...extra);
    t.is(r.code, 1, `${what}: ${r.stdout}${r.stderr}`);
    t.regex(r.stdout, re, what);
    t.deepEqual(snapshot(slots), before, `${what}: slots untouched`);
  }
  // A second update while a trial is pending is refused too, before anything is written.
  t.is((await update(k, slots, good)).code, 0);
  const before = snapshot(slots);
  const again = await update(k, slots, await k.bundle(7));
  t.not(again.code, 0);
  t.regex(again.stderr, /slot B is in trial; boot it or run elma slots mark-good\|mark-bad/);
  t.deepEqual(snapshot(slots), before);
});

test('a model that answers its golden questions wrongly is rolled back automatically, and reported', async (t) => {
  const k = await kit;
  const slots = await device(k);
  const active = snapshot(path.join(slots, 'A'));
  t.is((await update(k, slots, await k.bundle(6, { wrong: true }))).code, 0);
  const b = await boot(slots, '--context', CONTEXT, '--question', QUESTION);
  t.is(b.code, 0, b.stderr);
  t.regex(b.stdout, /^booted: slot A, albert_tiny_qa version 5\nanswer: /);
  t.regex(b.stderr, /slot B \(version 6\) rolled back: health check failed: golden\[0\] .*expected "Normans gave"/);
  t.deepEqual(snapshot(path.join(slots, 'A')), active);
  const [report] = readReports(slots);
  t.like(report, { event: 'rolled-back', slot: 'B', version: 6, running: { slot: 'A', version: 5 } });
  t.regex(report!.reason, /health check failed/);
  // The bad version is not taken again (version floor), a later one is.
  t.regex((await update(k, slots, await k.bundle(6))).stdout, /^refused \(rollback\)/);
  t.is((await update(k, slots, await k.bundle(7))).code, 0);
});

test('a corrupt state record falls back to the last good slot', async (t) => {
  const k = await kit;
  const slots = await device(k);
  t.is((await update(k, slots, await k.bundle(6))).code, 0);
  // Flip one character inside the record (the trial's attempts): the checksum no longer matches.
  const f = path.join(slots, 'state.json');
  writeFileSync(f, readFileSync(f, 'utf8').replace('"attemptsLeft": 3', '"attemptsLeft": 9'));
  t.regex((await elma(['slots', '--slots', slots])).stdout, /state\.json is unusable \(.*sha256: does not match/);
  const b = await boot(slots, '--context', CONTEXT, '--question', QUESTION);
  t.is(b.code, 0, b.stderr);
  t.regex(b.stdout, /^booted: slot A, albert_tiny_qa version 5\nanswer: /);
  t.regex(b.stderr, /recovered: .*state\.json: sha256: does not match/);
  const s = readState(slots).state;
  t.is(s.active, 'A');
  t.is(s.trial, null);
  t.is(s.slots.B, null, 'the other slot is forgotten');
  t.is(readReports(slots)[0]!.event, 'recovered');
  // A torn record (half a file) is caught the same way.
  truncateSync(f, 40);
  t.regex((await boot(slots)).stderr, /recovered: .*not valid JSON/);
});

test('boot attempts exhausted (a crash loop) rolls back', async (t) => {
  const k = await kit;
  const slots = await device(k);
  t.is((await update(k, slots, await k.bundle(6), '--attempts', '1')).code, 0);
  // Simulate the one attempt being used up by a boot that died in the health check.
  const { startAttempt } = await import('../../runtime/slots/slot-state.ts');
  const { writeState } = await import('../../runtime/slots/node/state-store.ts');
  writeState(slots, startAttempt(readState(slots).state, new Date()), 'test');
  const b = await boot(slots);
  t.regex(b.stdout, /^booted: slot A, albert_tiny_qa version 5/);
  t.regex(b.stderr, /slot B \(version 6\) rolled back: boot attempts exhausted/);
  t.like(readReports(slots)[0], { event: 'rolled-back', slot: 'B' });
});

test('mark-good keeps a trial without a health check; mark-bad returns to the proven fallback', async (t) => {
  const k = await kit;
  const slots = await device(k);
  t.regex((await elma(['slots', 'mark-good', '--slots', slots])).stderr, /no trial is pending/);
  t.is((await update(k, slots, await k.bundle(6, { wrong: true }))).code, 0);
  const g = await elma(['slots', 'mark-good', '--slots', slots]);
  t.is(g.stdout, 'slot B (version 6) is good and active\n');
  const bad = await elma(['slots', 'mark-bad', '--slots', slots]);
  t.is(bad.stdout, 'slot B (version 6) marked bad; slot A (version 5) is active\n');
  t.regex((await boot(slots)).stdout, /^booted: slot A, albert_tiny_qa version 5/);
  const bad2 = await elma(['slots', 'mark-bad', '--slots', slots]);
  t.regex(bad2.stderr, /slot B holds no good model to return to; slot A stays active/);
  t.deepEqual(readReports(slots).map((r) => r.event), ['good', 'marked-bad']);
});

test('the state machine, the record and the health check are platform-neutral (no node:* imports)', (t) => {
  for (const f of ['slot-state.ts', 'state-record.ts', 'health-check.ts']) {
    const src = readFileSync(path.join(import.meta.dirname, '../../runtime/slots', f), 'utf8');
    t.notRegex(src, /from ['"](node:|fs|path|crypto)/, f);
    t.notRegex(src.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''), /\bprocess\.|\bBuffer\b/, f);
  }
});
