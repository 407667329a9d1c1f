/**
 * The decisions of a staged rollout (issue 16), as pure functions of what the store holds, so every
 * cloud node reaches the same ones and a restart resumes where the records say it was:
 *
 * - Which devices are in which stage: the enrolled, unrevoked devices at the start, ordered by
 *   sha256(model, version, name) (deterministic, yet a different first stage for each release, so
 *   the same few devices do not always go first), cut at each stage's cumulative percentage
 *   (rounded up, at least `stageMinDevices` more than the stage before). Devices enrolled later
 *   belong to the last stage.
 * - What happens next: failures (rolled back, refused, marked bad) of this version at or past
 *   `haltAfterFailures` halt it (AWS IoT jobs' abort config; Mender's phased rollouts stop the same
 *   way); when every device of the open stages has reported (good, or a failure under the limit)
 *   and the hold has passed since the last of them did, the next stage opens; when the last stage
 *   has all reported, it is complete.
 *   Revoked devices are left out of the count: they can no longer report.
 */
import { createHash } from 'node:crypto';
import type { EnrolledDevice, Rollout, RolloutMember, SlotReport } from './fleet-store.ts';

/** Slot report events (runtime/slots/node/reports.ts) that count against a release. */
export const FAILURE_EVENTS: ReadonlySet<string> = new Set(['rolled-back', 'refused', 'marked-bad']);
export const GOOD_EVENT = 'good';

export function assignStages(modelId: string, version: number, devices: readonly string[], stages: readonly number[], minDevices: number): RolloutMember[] {
  const order = [...devices].sort((a, b) => {
    const ha = rank(modelId, version, a);
    const hb = rank(modelId, version, b);
    return ha < hb ? -1 : ha > hb ? 1 : a < b ? -1 : 1;
  });
  const n = order.length;
  const members: RolloutMember[] = [];
  let taken = 0;
  stages.forEach((pct, stage) => {
    const upto = stage === stages.length - 1 ? n : Math.min(n, Math.max(Math.ceil((pct * n) / 100), taken + minDevices));
    for (; taken < upto; taken++) members.push({ device: order[taken]!, stage });
  });
  return members;
}

function rank(modelId: string, version: number, name: string): string {
  return createHash('sha256').update(`${modelId}\u0000${version}\u0000${name}`, 'utf8').digest('hex');
}

/** A device's stage in `r`: its member stage, or the last stage for a device enrolled after the start. */
export function stageOf(r: Pick<Rollout, 'members' | 'stages'>, device: string): number {
  return r.members.find((m) => m.device === device)?.stage ?? r.stages.length - 1;
}

export interface Outcome {
  readonly good: boolean;
  readonly reason: string;
  readonly at: Date;
}

/** Each device's last outcome for this release (a later good report after a failure counts: the device retried and kept it). */
export function outcomesOf(r: Pick<Rollout, 'modelId' | 'version'>, reports: readonly SlotReport[]): Map<string, Outcome> {
  const out = new Map<string, Outcome>();
  for (const rep of reports) {
    const b = rep.body;
    if (Number(b.version) !== r.version) continue;
    if (typeof b.model_id === 'string' && b.model_id !== '' && b.model_id !== r.modelId) continue;
    const event = String(b.event ?? '');
    if (event === GOOD_EVENT) out.set(rep.device, { good: true, reason: String(b.reason ?? ''), at: rep.at });
    else if (FAILURE_EVENTS.has(event)) out.set(rep.device, { good: false, reason: `${event}: ${String(b.reason ?? '')}`, at: rep.at });
  }
  return out;
}

/** The devices of the open stages (revoked ones left out), and those of each stage. */
export function openDevices(r: Rollout, devices: readonly EnrolledDevice[]): string[] {
  const live = devices.filter((d) => d.revokedAt === null).map((d) => d.name);
  return live.filter((name) => stageOf(r, name) <= r.stage);
}

export function stageDevices(r: Rollout, devices: readonly EnrolledDevice[]): string[][] {
  const byStage: string[][] = r.stages.map(() => []);
  for (const d of devices) if (d.revokedAt === null) byStage[stageOf(r, d.name)]!.push(d.name);
  return byStage;
}

export type RolloutStep =
  | { readonly kind: 'halt'; readonly reason: string }
  | { readonly kind: 'open-stage'; readonly stage: number; readonly detail: string }
  | { readonly kind: 'complete'; readonly detail: string }
  | { readonly kind: 'wait'; readonly why: string };

export function nextStep(r: Rollout, devices: readonly EnrolledDevice[], outcomes: ReadonlyMap<string, Outcome>, now: Date): RolloutStep {
  if (r.state !== 'running' && r.state !== 'paused') return { kind: 'wait', why: `the rollout is ${r.state}` };
  const failed = [...outcomes.entries()].filter(([device, o]) => !o.good && (r.members.some((m) => m.device === device) || devices.some((d) => d.name === device)));
  if (failed.length >= r.haltAfterFailures) {
    const list = failed.slice(0, 5).map(([device, o]) => `${device} (${o.reason})`).join('; ');
    return { kind: 'halt', reason: `${failed.length} device${failed.length === 1 ? '' : 's'} failed version ${r.version}, the limit is ${r.haltAfterFailures}: ${list}` };
  }
  if (r.state === 'paused') return { kind: 'wait', why: 'paused' };
  const open = openDevices(r, devices);
  // A failure under the limit is tolerated (AWS IoT's failure threshold): it does not hold the next stage.
  const waiting = open.filter((d) => !outcomes.has(d));
  if (waiting.length > 0) return { kind: 'wait', why: `waiting for ${waiting.length} device${waiting.length === 1 ? '' : 's'} of the open stages to report (${waiting.slice(0, 5).join(', ')}${waiting.length > 5 ? ', …' : ''})` };
  const last = r.stages.length - 1;
  const good = open.filter((d) => outcomes.get(d)!.good).length;
  if (r.stage === last) return { kind: 'complete', detail: `${good} of ${open.length} devices report version ${r.version} good${failed.length > 0 ? `, ${failed.length} failed (under the limit of ${r.haltAfterFailures})` : ''}` };
  const allGoodAt = Math.max(r.stageOpenedAt.getTime(), ...open.map((d) => outcomes.get(d)!.at.getTime()));
  const opensAt = allGoodAt + r.stageHoldMs;
  if (now.getTime() < opensAt) return { kind: 'wait', why: `holding until ${new Date(opensAt).toISOString()} before stage ${r.stage + 2}` };
  const next = r.stage + 1;
  const entering = stageDevices(r, devices)[next]!;
  return { kind: 'open-stage', stage: next, detail: `stage ${next + 1} (${r.stages[next]}%): ${entering.length === 0 ? 'no devices' : entering.join(', ')}` };
}

/** Should `device` be offered this rollout's bundle now? */
export function offeredTo(r: Rollout, device: string, outcomes: ReadonlyMap<string, Outcome>): boolean {
  if (r.state !== 'running' && r.state !== 'completed') return false;
  if (outcomes.has(device)) return false; // it reported an outcome already: kept, or failed (not offered again)
  return r.state === 'completed' || stageOf(r, device) <= r.stage;
}
