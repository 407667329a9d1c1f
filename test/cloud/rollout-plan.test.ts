/**
 * The rollout's decisions (cloud/fleet/rollout-plan.ts) and the devices' sliding window
 * (cloud/fleet/device-window.ts), as pure functions: stage membership, halting at the limit,
 * opening stages only after every open device reported and the hold passed, completion, offers.
 */
import test from 'ava';
import { assignStages, nextStep, offeredTo, outcomesOf, stageOf } from '../../cloud/fleet/rollout-plan.ts';
import { activityIn, offloadSeries, stepBetween } from '../../cloud/fleet/device-window.ts';
import type { EnrolledDevice, Rollout, SlotReport, StatusSample } from '../../cloud/fleet/fleet-store.ts';

const NAMES = Array.from({ length: 10 }, (_, i) => `dev-${i}`);
const T0 = new Date('2026-12-01T00:00:00Z');
const at = (s: number): Date => new Date(T0.getTime() + s * 1000);
const devices = (names = NAMES, revoked: string[] = []): EnrolledDevice[] =>
  names.map((name, i) => ({ name, publicKey: i.toString(16).padStart(64, '0'), enrolledAt: T0, revokedAt: revoked.includes(name) ? at(1) : null }));

function rollout(over: Partial<Rollout> = {}): Rollout {
  const stages = over.stages ?? [20, 50, 100];
  return {
    id: 1, modelId: 'm', version: 2, stages, haltAfterFailures: 1, stageMinDevices: 1, stageHoldMs: 0,
    members: assignStages('m', 2, NAMES, stages, 1), createdAt: T0, state: 'running', stage: 0, stageOpenedAt: T0, reason: '', updatedAt: T0, ...over,
  };
}

const report = (device: string, event: string, s: number, version = 2, reason = ''): SlotReport =>
  ({ device, at: at(s), body: { event, version, model_id: 'm', reason, report_id: `${device}-${s}` } });

test('stages: cumulative percentages, rounded up, deterministic, every device once', (t) => {
  const m = assignStages('m', 2, NAMES, [20, 50, 100], 1);
  t.is(m.length, 10);
  t.deepEqual([0, 1, 2].map((s) => m.filter((x) => x.stage === s).length), [2, 3, 5]);
  t.deepEqual(m.map((x) => x.device).sort(), [...NAMES].sort());
  t.deepEqual(assignStages('m', 2, [...NAMES].reverse(), [20, 50, 100], 1), m, 'the order of the input does not matter');
  t.notDeepEqual(assignStages('m', 3, NAMES, [20, 50, 100], 1).map((x) => x.device), m.map((x) => x.device), 'another release, another order');
  // 5% of 10 devices is half a device: the first stage still takes one, or stage-min-devices.
  t.deepEqual([0, 1, 2].map((s) => assignStages('m', 2, NAMES, [5, 25, 100], 1).filter((x) => x.stage === s).length), [1, 2, 7]);
  t.deepEqual([0, 1, 2].map((s) => assignStages('m', 2, NAMES, [5, 25, 100], 3).filter((x) => x.stage === s).length), [3, 3, 4]);
  t.is(stageOf(rollout(), 'enrolled-later'), 2, 'a device enrolled after the start is in the last stage');
});

test('the next stage opens only when every open device has reported, after the hold', (t) => {
  const r = rollout({ stageHoldMs: 60_000 });
  const first = r.members.filter((m) => m.stage === 0).map((m) => m.device);
  t.is(nextStep(r, devices(), new Map(), at(5)).kind, 'wait');
  const one = outcomesOf(r, [report(first[0]!, 'good', 10)]);
  const w = nextStep(r, devices(), one, at(20));
  t.is(w.kind, 'wait');
  t.regex((w as { why: string }).why, new RegExp(first[1]!));
  const both = outcomesOf(r, [report(first[0]!, 'good', 10), report(first[1]!, 'good', 30)]);
  const hold = nextStep(r, devices(), both, at(60));
  t.is(hold.kind, 'wait');
  t.regex((hold as { why: string }).why, /holding until 2026-12-01T00:01:30/);
  const open = nextStep(r, devices(), both, at(90));
  t.is(open.kind, 'open-stage');
  t.is((open as { stage: number }).stage, 1);
});

test('failures at the limit halt, with the devices and reasons; under the limit they do not hold the rollout', (t) => {
  const r = rollout({ haltAfterFailures: 2 });
  const first = r.members.filter((m) => m.stage === 0).map((m) => m.device);
  const one = outcomesOf(r, [report(first[0]!, 'rolled-back', 10, 2, 'health check failed: golden[0]'), report(first[1]!, 'good', 11)]);
  const s = nextStep(r, devices(), one, at(12));
  t.is(s.kind, 'open-stage', 'one failure under a limit of two: the stage counts as reported');
  const two = outcomesOf(r, [report(first[0]!, 'rolled-back', 10, 2, 'health check failed'), report(first[1]!, 'refused', 11, 2, 'bad-signature')]);
  const h = nextStep(r, devices(), two, at(12));
  t.is(h.kind, 'halt');
  t.regex((h as { reason: string }).reason, /2 devices failed version 2, the limit is 2/);
  t.regex((h as { reason: string }).reason, /health check failed/);
  t.is(nextStep({ ...r, state: 'paused' }, devices(), two, at(12)).kind, 'halt', 'a paused rollout halts too');
  t.is(nextStep({ ...r, state: 'paused' }, devices(), one, at(12)).kind, 'wait', 'and otherwise waits');
  // Reports of other versions or models do not count.
  t.is(outcomesOf(r, [report(first[0]!, 'rolled-back', 10, 3)]).size, 0);
  t.is(outcomesOf(r, [{ ...report(first[0]!, 'rolled-back', 10), body: { event: 'rolled-back', version: 2, model_id: 'other' } }]).size, 0);
});

test('the last stage completes; revoked devices are not waited for; halted and aborted rollouts never move', (t) => {
  const r = rollout({ stage: 2 });
  const outcomes = outcomesOf(r, NAMES.filter((n) => n !== 'dev-3').map((n, i) => report(n, 'good', i)));
  t.is(nextStep(r, devices(), outcomes, at(100)).kind, 'wait');
  t.is(nextStep(r, devices(NAMES, ['dev-3']), outcomes, at(100)).kind, 'complete');
  for (const state of ['halted', 'aborted', 'completed'] as const) t.is(nextStep({ ...r, state }, devices(), outcomes, at(100)).kind, 'wait');
});

test('offers: open stages of a running rollout, never to a device that reported, never when halted or paused', (t) => {
  const r = rollout();
  const first = r.members.find((m) => m.stage === 0)!.device;
  const later = r.members.find((m) => m.stage === 2)!.device;
  t.true(offeredTo(r, first, new Map()));
  t.false(offeredTo(r, later, new Map()));
  t.false(offeredTo(r, first, outcomesOf(r, [report(first, 'rolled-back', 1)])));
  for (const state of ['paused', 'halted', 'aborted'] as const) t.false(offeredTo({ ...r, state }, first, new Map()));
  t.true(offeredTo({ ...r, state: 'completed' }, 'enrolled-later', new Map()), 'a completed rollout is offered to new devices');
});

const sample = (device: string, s: number, body: Record<string, number>): StatusSample => ({ device, at: at(s), body });

test('sliding window: counter increases between samples, restarts counted whole, the sample before the window as the start', (t) => {
  const samples = [
    sample('a', 0, { questions: 100, offloads: 40, exit_l1: 60, exit_l2: 40 }),
    sample('a', 100, { questions: 110, offloads: 44, exit_l1: 66, exit_l2: 44 }),
    sample('a', 200, { questions: 5, offloads: 1, exit_l1: 4, exit_l2: 1 }), // restarted
    sample('a', 300, { questions: 15, offloads: 2, exit_l1: 13, exit_l2: 2 }),
  ];
  t.deepEqual(activityIn(samples, at(50), at(300)), { questions: 10 + 5 + 10, offloads: 4 + 1 + 1, exits: [6 + 4 + 9, 4 + 1 + 1] });
  t.deepEqual(activityIn(samples, at(250), at(300)), { questions: 10, offloads: 1, exits: [9, 1] });
  t.deepEqual(activityIn(samples, at(-10), at(0)), { questions: 100, offloads: 40, exits: [60, 40] }, 'no sample before: the first counts whole');
  t.deepEqual(stepBetween({ questions: 3, offloads: 'x' as unknown as number }, { questions: 4, offloads: -2 }), { questions: 1, offloads: 0, exits: [] }, 'junk counters count as 0');
});

test('offload series: per version and bucket, from each device\'s steps', (t) => {
  const samples = [
    sample('a', 0, { questions: 10, offloads: 5, model_version: 1 }),
    sample('b', 10, { questions: 4, offloads: 4, model_version: 1 }),
    sample('a', 70, { questions: 20, offloads: 8, model_version: 1 }),
    sample('a', 130, { questions: 2, offloads: 0, model_version: 2 }),
  ];
  const pts = offloadSeries(samples, 60_000);
  t.deepEqual(pts.map((p) => [p.at.getTime() - T0.getTime(), p.version, p.questions, p.offloads]), [
    [0, 1, 14, 9], [60_000, 1, 10, 3], [120_000, 2, 2, 0],
  ]);
  t.deepEqual(offloadSeries(samples, 60_000, at(60)).map((p) => p.questions), [10, 2], 'since: earlier samples are only starting points');
});
