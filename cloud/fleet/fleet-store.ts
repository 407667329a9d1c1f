/**
 * The fleet's records in the cloud's store (issue 16), next to the hard questions and behind the
 * same interface (cloud/store/question-store.ts `QuestionStore` extends this): the enrolled devices
 * (the link's registry), each device's status reports as a time series (its model, slot, counters,
 * exit histogram, latency percentiles), the outcomes of its updates, and staged rollouts with every
 * step they took. SQLite and PostgreSQL implement it alike (cloud/store/sqlite-store.ts,
 * postgres-store.ts: migration 2); test/cloud/fleet-store.test.ts runs the same tests on both.
 */
import { FleetError } from './errors.ts';

export { FleetError } from './errors.ts';

/** A report's body as the device sent it (transport/schema.ts `Report`): flat key → number, text or boolean. */
export type ReportBody = Readonly<Record<string, number | string | boolean>>;

export interface EnrolledDevice {
  readonly name: string;
  /** The device's static link key (X25519), 64 lowercase hex digits. */
  readonly publicKey: string;
  readonly enrolledAt: Date;
  /** When it was revoked; null while it may connect. A revoked name and key stay taken. */
  readonly revokedAt: Date | null;
}

/** One `status` report (runtime/edge/stats.ts `reportBody`: cumulative counters since the device program started). */
export interface StatusSample {
  readonly device: string;
  readonly at: Date;
  readonly body: ReportBody;
}

/** One `slot` report: an update's outcome (runtime/slots/node/reports.ts: `event` installed | good | rolled-back | refused …, `version`, `reason`, `report_id`). */
export interface SlotReport {
  readonly device: string;
  readonly at: Date;
  readonly body: ReportBody;
}

export type RolloutState = 'running' | 'paused' | 'halted' | 'aborted' | 'completed';

export const ROLLOUT_STATES: readonly RolloutState[] = ['running', 'paused', 'halted', 'aborted', 'completed'];

/** A device's place in a rollout, fixed when the rollout starts (devices enrolled later belong to the last stage). */
export interface RolloutMember {
  readonly device: string;
  /** Index into `stages` of the first stage that includes it. */
  readonly stage: number;
}

export interface NewRollout {
  readonly modelId: string;
  readonly version: number;
  /** Cumulative percentages of the fleet, increasing, the last 100 (e.g. [5, 25, 100]). */
  readonly stages: readonly number[];
  /** Rolled-back reports of this version from members at or past which the rollout halts. */
  readonly haltAfterFailures: number;
  /** Each stage holds at least this many devices (when the fleet has them). */
  readonly stageMinDevices: number;
  /** After a stage's devices all report good, wait this long before opening the next one. */
  readonly stageHoldMs: number;
  readonly members: readonly RolloutMember[];
  readonly createdAt: Date;
}

export interface Rollout extends NewRollout {
  readonly id: number;
  readonly state: RolloutState;
  /** Index of the highest open stage (0 at start). */
  readonly stage: number;
  readonly stageOpenedAt: Date;
  /** Why it is in its state ('' while running as planned). */
  readonly reason: string;
  readonly updatedAt: Date;
}

/** A recorded step: created, stage-opened, paused, resumed, halted, aborted, completed, … */
export interface RolloutEvent {
  readonly rolloutId: number;
  /** Order of the events of all rollouts (increasing). */
  readonly seq: number;
  readonly at: Date;
  readonly kind: string;
  /** One line for people. */
  readonly detail: string;
}

export interface RolloutChange {
  readonly state?: RolloutState;
  readonly stage?: number;
  readonly stageOpenedAt?: Date;
  readonly reason?: string;
}

/** How long status samples are kept (the dashboard's history; older ones are deleted as new ones arrive). */
export const STATUS_RETENTION_MS = 7 * 24 * 3600 * 1000;

export interface FleetStore {
  /** Enrol a device; FleetError when the name or the key is already enrolled (revoked ones included). */
  addDevice(name: string, publicKey: string, at?: Date): Promise<EnrolledDevice>;
  /** Revoke an enrolled device; FleetError for an unknown name or one already revoked. */
  revokeDevice(name: string, at?: Date): Promise<EnrolledDevice>;
  /** Every enrolled device, revoked ones included, by name. */
  devices(): Promise<EnrolledDevice[]>;
  /**
   * A number that grows with every change to the devices or the rollouts (enrolment, revocation,
   * rollout created or changed): cloud nodes poll it, cheaply, to learn of changes made elsewhere.
   */
  fleetRevision(): Promise<number>;

  /** Keep one status report (samples older than STATUS_RETENTION_MS are deleted). */
  recordStatus(device: string, body: ReportBody, at?: Date): Promise<void>;
  /** Status samples, oldest first; `since` inclusive. */
  statusSamples(o?: { device?: string; since?: Date }): Promise<StatusSample[]>;
  /** Keep one slot report once per (device, body.report_id); false when that id was kept already. */
  recordSlotReport(device: string, body: ReportBody, at?: Date): Promise<boolean>;
  /** Slot reports, oldest first. */
  slotReports(o?: { device?: string; since?: Date }): Promise<SlotReport[]>;

  /**
   * Record a new rollout, running at stage 0, with its `created` and `stage-opened` events. Its
   * bundle is `bundle`, stored in the same transaction (so no node ever sees the version without
   * its rollout and offers it to every device as a plain publish), or one already in the store.
   * FleetError for a bad plan (checkNewRollout), a bundle not in the store, or a bundle another
   * rollout is still running or paused for (one at a time per bundle); StoreError when `bundle`
   * differs from the stored bytes of that version.
   */
  createRollout(r: NewRollout, bundle?: { tar: Uint8Array; indexJson: string }): Promise<Rollout>;
  rollouts(): Promise<Rollout[]>;
  rollout(id: number): Promise<Rollout | undefined>;
  /**
   * Change a rollout only if it is still in `expect` (compare-and-set, so two cloud nodes never both
   * open the same stage), recording `event` in the same transaction; undefined when it was not.
   */
  changeRollout(id: number, expect: { state: RolloutState; stage: number }, change: RolloutChange,
    event: { kind: string; detail: string; at?: Date }): Promise<Rollout | undefined>;
  /** A rollout's events, oldest first. */
  rolloutEvents(id: number): Promise<RolloutEvent[]>;

  /** One published bundle by version (the rollouts' bundles are read this way). */
  bundle(modelId: string, version: number): Promise<{ tar: Uint8Array; indexJson: string } | undefined>;
}

/** Device names: as the registry file has always taken them. */
export const DEVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkDeviceName(name: string): void {
  if (typeof name !== 'string' || !DEVICE_NAME.test(name)) {
    throw new FleetError(`device name ${JSON.stringify(name)}`, 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');
  }
}

export function checkPublicKey(name: string, publicKey: string): void {
  if (typeof publicKey !== 'string' || !/^[0-9a-f]{64}$/.test(publicKey)) {
    throw new FleetError(`device "${name}": key`, 'must be 64 lowercase hex digits (the public key elma link-keygen prints)');
  }
}

/** Checks a new rollout's plan (the store calls it before writing). */
export function checkNewRollout(r: NewRollout): void {
  const s = r.stages;
  if (!Array.isArray(s) || s.length === 0) throw new FleetError('stages', 'must list at least one percentage, ending at 100');
  s.forEach((p, i) => {
    if (!Number.isFinite(p) || p <= 0 || p > 100) throw new FleetError('stages', `stage ${i + 1} is ${String(p)}: each must be a percentage in (0, 100]`);
    if (i > 0 && p <= s[i - 1]!) throw new FleetError('stages', `must increase: ${s[i - 1]} then ${p}`);
  });
  if (s[s.length - 1] !== 100) throw new FleetError('stages', `must end at 100 (the whole fleet), not ${s[s.length - 1]}`);
  if (!Number.isSafeInteger(r.haltAfterFailures) || r.haltAfterFailures < 1) throw new FleetError('halt-after-failures', `is ${String(r.haltAfterFailures)}, not a whole number ≥ 1`);
  if (!Number.isSafeInteger(r.stageMinDevices) || r.stageMinDevices < 1) throw new FleetError('stage-min-devices', `is ${String(r.stageMinDevices)}, not a whole number ≥ 1`);
  if (!Number.isFinite(r.stageHoldMs) || r.stageHoldMs < 0) throw new FleetError('stage-hold', `is ${String(r.stageHoldMs)} ms, not ≥ 0`);
  for (const m of r.members) {
    if (!Number.isSafeInteger(m.stage) || m.stage < 0 || m.stage >= s.length) throw new FleetError(`rollout member "${m.device}"`, `stage ${String(m.stage)} is not one of the ${s.length} stages`);
  }
}
