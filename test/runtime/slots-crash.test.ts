/**
 * Fault injection (issue 6 "Acceptance", docs/ota.md "Crash points"): the real `elma update` and
 * `elma slots boot` run as child processes and are SIGKILLed at every named crash point they reach
 * (ELMA_CRASH_AT; the points are enumerated from a clean run with ELMA_CRASH_LOG, so a new point in
 * the code is exercised without editing this test). After each kill the device restarts
 * (`elma slots boot` answering a question) and must run a good model; the update must then either
 * complete (a retried install, a retried trial) or have rolled back, never anything in between.
 */
import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { elma, scratch } from '../_cli.ts';
import { readState } from '../../runtime/slots/node/state-store.ts';
import { makeKit, CONTEXT, QUESTION, type Kit } from './_slots-fixture.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function child(args: string[], env: Record<string, string>): ReturnType<typeof spawnSync> {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'cli/elma.ts'), ...args], {
    cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000,
  });
}

/** The crash points a clean run of `args` passes, in order (a copy of `template` is used up). */
function pointsOf(template: string, args: (slots: string) => string[]): string[] {
  const slots = copy(template);
  const log = path.join(path.dirname(slots), 'points.log');
  const r = child(args(slots), { ELMA_CRASH_LOG: log });
  if (r.status !== 0) throw new Error(`clean run failed: ${String(r.stdout)}${String(r.stderr)}`);
  return readFileSync(log, 'utf8').trim().split('\n');
}

function copy(template: string): string {
  const slots = path.join(scratch('elma-crash-'), 'slots');
  cpSync(template, slots, { recursive: true });
  return slots;
}

async function run(args: string[]): Promise<void> {
  const r = await elma(args);
  if (r.code !== 0) throw new Error(`elma ${args.join(' ')}: ${r.stdout}${r.stderr}`);
}

/** Restart: the device boots and answers; returns the version it runs. */
async function restart(t: ExecutionContext, slots: string, point: string, answer: string): Promise<number> {
  const b = await elma(['slots', 'boot', '--slots', slots, '--context', CONTEXT, '--question', QUESTION]);
  t.is(b.code, 0, `${point}: boot after the crash: ${b.stdout}${b.stderr}`);
  t.true(b.stdout.includes(`answer: ${answer}\n`), `${point}: the device answers with a good model`);
  const s = readState(slots).state;
  t.is(s.trial, null, `${point}: the trial was decided`);
  t.is(s.slots[s.active]?.status, 'good', `${point}: the active slot is a good one`);
  return Number(/version (\d+)/.exec(b.stdout)?.[1]);
}

interface Scenario {
  readonly name: string;
  /** The slots directory before the step, kept pristine. */
  readonly template: string;
  readonly args: (slots: string) => string[];
  /** After the crash and one restart: check the outcome, finishing the update where it must be retried. */
  check(t: ExecutionContext, slots: string, point: string): Promise<void>;
}

async function scenarios(k: Kit): Promise<Scenario[]> {
  const dir = scratch('elma-crash-templates-');
  const v6 = await k.bundle(6, { tar: true });
  const v7bad = await k.bundle(7, { wrong: true });
  const upd = (from: string) => (slots: string): string[] => ['update', '--from', from, '--slots', slots, '--pubkey', k.pub];
  const boot = (slots: string): string[] => ['slots', 'boot', '--slots', slots];
  const t5 = path.join(dir, 'v5');
  await run(['slots', 'init', '--slots', t5, '--from', await k.bundle(5), '--pubkey', k.pub]);
  const t5trial6 = copy(t5);
  await run(upd(v6)(t5trial6));
  const t6 = copy(t5trial6);
  await run(boot(t6));
  const t6trial7 = copy(t6);
  await run(upd(v7bad)(t6trial7));
  return [
    {
      name: 'update v6 into the empty slot B', template: t5, args: upd(v6),
      async check(t, slots, point) {
        const v = await restart(t, slots, point, k.answer);
        t.true(v === 5 || v === 6, `${point}: runs version ${v}`);
        if (v === 5) { // rolled back (interrupted install): the same update is then taken in full
          const again = await elma(upd(v6)(slots));
          t.is(again.code, 0, `${point}: retry: ${again.stdout}${again.stderr}`);
          t.is(await restart(t, slots, point, k.answer), 6, `${point}: the retried update completes`);
        }
      },
    },
    {
      name: 'boot the trial of v6 (health check passes)', template: t5trial6, args: boot,
      async check(t, slots, point) {
        t.is(await restart(t, slots, point, k.answer), 6, `${point}: the trial completes on restart`);
      },
    },
    {
      name: 'update v7 (wrong model) over the old slot A', template: t6, args: upd(v7bad),
      async check(t, slots, point) {
        t.is(await restart(t, slots, point, k.answer), 6, `${point}: v6 keeps running (v7 rolled back or abandoned)`);
      },
    },
    {
      name: 'boot the trial of v7 (health check fails)', template: t6trial7, args: boot,
      async check(t, slots, point) {
        t.is(await restart(t, slots, point, k.answer), 6, `${point}: rolled back to v6`);
        t.is(readState(slots).state.slots.A?.status, 'bad', `${point}: v7 is recorded bad`);
      },
    },
  ];
}

test('SIGKILL at every crash point of update and boot: the device always restarts into a good model', async (t) => {
  const k = await makeKit();
  let exercised = 0;
  const seen = new Set<string>();
  for (const sc of await scenarios(k)) {
    const points = pointsOf(sc.template, sc.args);
    t.true(points.length >= 4, `${sc.name}: ${points.join(', ')}`);
    for (const point of points) {
      const slots = copy(sc.template);
      const r = child(sc.args(slots), { ELMA_CRASH_AT: point });
      t.is(r.signal, 'SIGKILL', `${sc.name} @ ${point}: killed (${String(r.stderr)})`);
      await sc.check(t, slots, `${sc.name} @ ${point}`);
      rmSync(path.dirname(slots), { recursive: true, force: true });
      exercised++;
      seen.add(point);
    }
    t.log(`${sc.name}: ${points.length} crash points: ${points.join(', ')}`);
  }
  t.log(`${exercised} crashes exercised at ${seen.size} distinct crash points`);
  t.true(exercised >= 30);
});

test('a trial that is killed in its health check on every boot uses up its attempts and is rolled back', async (t) => {
  const k = await makeKit();
  const slots = path.join(scratch('elma-crash-'), 'slots');
  await run(['slots', 'init', '--slots', slots, '--from', await k.bundle(5), '--pubkey', k.pub]);
  await run(['update', '--from', await k.bundle(6), '--slots', slots, '--pubkey', k.pub]);
  for (let i = 0; i < 3; i++) {
    t.is(child(['slots', 'boot', '--slots', slots], { ELMA_CRASH_AT: 'health-check' }).signal, 'SIGKILL');
    t.is(readState(slots).state.trial?.attemptsLeft, 2 - i, 'the attempt was counted before the health check');
  }
  t.is(await restart(t, slots, 'crash loop', k.answer), 5);
  t.regex(readState(slots).state.history.at(-1)?.reason ?? '', /boot attempts exhausted/);
});
