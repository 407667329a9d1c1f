/**
 * Rollout commands on the store (issue 16): start, pause, resume, abort, and the view `rollout
 * status` and the admin API show. The same code runs in `elma cloud rollout …` (a command that only
 * opens the store) and in a cloud node's admin API; the nodes act on what the store records (they
 * poll its revision), so a rollout started from the command line is picked up by every node.
 */
import type { RolloutView, StartRollout } from '../admin/fleet-admin.ts';
import { FleetError } from './errors.ts';
import { checkNewRollout, type EnrolledDevice, type FleetStore, type Rollout, type RolloutState } from './fleet-store.ts';
import { assignStages, outcomesOf, stageDevices, type Outcome } from './rollout-plan.ts';
import { checkRelease } from './release-check.ts';
import type { QuestionStore } from '../store/question-store.ts';

export const DEFAULT_STAGE_MIN_DEVICES = 1;

/** Checks the plan, then the release, then records the rollout: nothing is offered before all of it holds. */
export async function startRollout(store: QuestionStore, s: StartRollout, trustedKeys: readonly Uint8Array[], now: Date): Promise<Rollout> {
  const plan = {
    modelId: '-', version: 0, stages: s.stages, haltAfterFailures: s.haltAfterFailures,
    stageMinDevices: s.stageMinDevices ?? DEFAULT_STAGE_MIN_DEVICES, stageHoldMs: s.stageHoldMs ?? 0, members: [], createdAt: now,
  };
  checkNewRollout(plan);
  const release = checkRelease(s.bundle, s.index, trustedKeys, now);
  const live = (await store.devices()).filter((d) => d.revokedAt === null).map((d) => d.name);
  if (live.length === 0) throw new FleetError('rollout', 'no devices are enrolled (elma cloud devices add)');
  const active = (await store.rollouts()).find((r) => r.modelId === release.modelId && r.version === release.version && (r.state === 'running' || r.state === 'paused'));
  if (active !== undefined) throw new FleetError(`rollout ${active.id}`, `already rolls out ${release.modelId} version ${release.version} (${active.state})`);
  const members = assignStages(release.modelId, release.version, live, s.stages, plan.stageMinDevices);
  // The bundle goes in with the rollout, in one transaction: no node sees it without its rollout.
  return store.createRollout({ ...plan, modelId: release.modelId, version: release.version, members }, { tar: release.tar, indexJson: release.indexJson });
}

async function existing(store: FleetStore, id: number): Promise<Rollout> {
  const r = await store.rollout(id);
  if (r === undefined) throw new FleetError(`rollout ${id}`, 'does not exist (elma cloud rollout status lists them)');
  return r;
}

/** Move a rollout from one of `from` to `to`, recording `kind`; FleetError when its state does not allow it. */
async function transition(store: FleetStore, id: number, from: readonly RolloutState[], to: RolloutState, kind: string, detail: string, now: Date): Promise<Rollout> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const r = await existing(store, id);
    if (!from.includes(r.state)) throw new FleetError(`rollout ${id}`, `is ${r.state}; only a ${from.join(' or ')} rollout can be ${kind}`);
    const changed = await store.changeRollout(id, { state: r.state, stage: r.stage }, { state: to, reason: detail }, { kind, detail, at: now });
    if (changed !== undefined) return changed;
    // A node moved it at the same moment (opened a stage, halted it): read again and retry.
  }
  throw new FleetError(`rollout ${id}`, 'kept changing while it was being changed; try again');
}

export const pauseRollout = (store: FleetStore, id: number, now: Date): Promise<Rollout> =>
  transition(store, id, ['running'], 'paused', 'paused', 'paused by an operator: no stage opens and nothing more is offered until it is resumed', now);

export const resumeRollout = (store: FleetStore, id: number, now: Date): Promise<Rollout> =>
  transition(store, id, ['paused'], 'running', 'resumed', '', now);

export const abortRollout = (store: FleetStore, id: number, now: Date): Promise<Rollout> =>
  transition(store, id, ['running', 'paused', 'halted'], 'aborted', 'aborted', 'aborted by an operator: the offer is withdrawn', now);

export function viewOf(r: Rollout, devices: readonly EnrolledDevice[], outcomes: ReadonlyMap<string, Outcome>, events: RolloutView['events']): RolloutView {
  const byStage = stageDevices(r, devices);
  const offered = r.state === 'completed' ? byStage.flat() : byStage.slice(0, r.stage + 1).flat();
  const good: string[] = [];
  const failed: { device: string; reason: string }[] = [];
  const waiting: string[] = [];
  for (const d of offered) {
    const o = outcomes.get(d);
    if (o === undefined) waiting.push(d);
    else if (o.good) good.push(d);
    else failed.push({ device: d, reason: o.reason });
  }
  // Failures from devices revoked since still count (they halted it, or may have).
  for (const [d, o] of outcomes) if (!o.good && !failed.some((f) => f.device === d)) failed.push({ device: d, reason: o.reason });
  return { ...r, events, stageDevices: byStage, good, failed, waiting };
}

/** A rollout as `rollout status` and the API show it. */
export async function rolloutView(store: FleetStore, id: number): Promise<RolloutView> {
  const r = await existing(store, id);
  const [devices, reports, events] = await Promise.all([store.devices(), store.slotReports({ since: r.createdAt }), store.rolloutEvents(id)]);
  return viewOf(r, devices, outcomesOf(r, reports), events);
}

/** The lines `elma cloud rollout status` prints for one rollout. */
export function describeRollout(v: RolloutView): string[] {
  const lines = [`rollout ${v.id}: ${v.modelId} version ${v.version}, ${v.state}${v.reason === '' ? '' : ` — ${v.reason}`}`];
  lines.push(`  stages ${v.stages.map((p, i) => `${i <= v.stage || v.state === 'completed' ? '[' : ''}${p}%${i <= v.stage || v.state === 'completed' ? ']' : ''}`).join(' → ')}, halt after ${v.haltAfterFailures} failure${v.haltAfterFailures === 1 ? '' : 's'}, hold ${Math.round(v.stageHoldMs / 1000)} s`);
  v.stageDevices.forEach((names, i) => lines.push(`  stage ${i + 1} (${v.stages[i]}%): ${names.length === 0 ? '-' : names.join(', ')}`));
  lines.push(`  good ${v.good.length}, failed ${v.failed.length}, waiting ${v.waiting.length}${v.waiting.length > 0 ? ` (${v.waiting.slice(0, 8).join(', ')}${v.waiting.length > 8 ? ', …' : ''})` : ''}`);
  for (const f of v.failed) lines.push(`  failed: ${f.device}: ${f.reason}`);
  for (const e of v.events) lines.push(`  ${e.at.toISOString()} ${e.kind}: ${e.detail}`);
  return lines;
}
