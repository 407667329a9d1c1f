/**
 * The cloud's hard-question store: every question a device offloads is kept exactly once, keyed by
 * (device name, request id), with the device's exit outputs and the cloud's answer (with the soft
 * labels for distillation); people's corrections; retrain jobs; and the bundles the cloud publishes.
 *
 * Two implementations behind one interface: SQLite (one file, the embedded default) and PostgreSQL
 * (shared by every cloud node of a scale-out). `openStore` picks one by the spec. The fleet's records
 * (cloud/fleet/fleet-store.ts) live in the same store; the checks and row decoding both stores share
 * are at the end of this file.
 */
import { createHash } from 'node:crypto';
import {
  checkDeviceName, FleetError, ROLLOUT_STATES, type FleetStore, type NewRollout, type ReportBody, type Rollout, type RolloutMember, type RolloutState,
} from '../fleet/fleet-store.ts';
import { StoreError } from './errors.ts';

export { StoreError } from './errors.ts';

export interface DeviceExit { layer: number; entropy: number; text: string }

export interface CloudAnswer {
  text: string;
  /** The answer's character span in the context: [start, end). */
  start: number;
  end: number;
  score: number;
  layer: number;
  /** Soft labels for distillation: per feature, the top-k start and end logits as [tokenIndex, logit] pairs. */
  soft: { start: [number, number][]; end: [number, number][] }[];
}

export interface NewQuestion {
  device: string;
  requestId: number;
  modelId: string;
  modelVersion: number;
  receivedAt: Date;
  context: string;
  question: string;
  deviceExit: DeviceExit;
  cloud: CloudAnswer;
}

export interface StoredQuestion extends NewQuestion {
  seq: number;
  /** a person's correction ('' = no answer) when one exists */
  correction?: string;
}

/** The hard questions, the bundles, and the fleet's records (FleetStore: devices, reports, rollouts; migration 2). */
export interface QuestionStore extends FleetStore {
  /** Stores q once; false when (device, requestId) was already stored (nothing changes then). The context text is stored once per distinct text (content hash). Throws StoreError (one line, names the store and what failed) on failure; nothing half-written (one transaction). */
  add(q: NewQuestion): Promise<boolean>;
  count(): Promise<number>;
  /** Stored questions in seq order with seq > afterSeq (default 0), at most limit (default all). */
  list(o?: { afterSeq?: number; limit?: number }): Promise<StoredQuestion[]>;
  /** A person's answer for the question text in this context (matched by context hash + question); returns how many stored questions it applies to. */
  correct(context: string, question: string, answer: string): Promise<number>;
  /** Retrain jobs: enqueue one (idempotent per key), claim the oldest unclaimed one (exactly one claimer wins, PostgreSQL with SELECT … FOR UPDATE SKIP LOCKED), finish it with a JSON result. */
  enqueueJob(key: string, payload: unknown): Promise<boolean>;
  claimJob(worker: string): Promise<{ id: number; key: string; payload: unknown } | undefined>;
  finishJob(id: number, result: unknown): Promise<void>;
  /** Published bundles, so every cloud node can offer them: the .tar bytes and its signed index JSON text. */
  putBundle(modelId: string, version: number, tar: Uint8Array, indexJson: string): Promise<void>;
  latestBundle(modelId: string): Promise<{ version: number; tar: Uint8Array; indexJson: string } | undefined>;
  bundleVersions(modelId: string): Promise<number[]>;
  close(): Promise<void>;
}

/** Tuning that callers rarely need; every field has a default. */
export interface StoreOptions {
  /**
   * PostgreSQL: how long an operation (and opening) keeps retrying, with backoff, while the server
   * cannot be reached, before it throws StoreError (default 30 000 ms).
   */
  retryMs?: number;
  /** SQLite: how long a write waits for another process's write lock (default 5 000 ms). */
  busyTimeoutMs?: number;
  /**
   * SQLite: the store must be there already (commands that read or change stored questions: a
   * path with a typo would otherwise be created as a new, empty store and read as "0 questions").
   * A missing or empty file is then a StoreError. PostgreSQL: no effect.
   */
  existing?: boolean;
}

export function isPostgresSpec(spec: string): boolean {
  return /^postgres(ql)?:\/\//i.test(spec);
}

/** 'postgres://…' or 'postgresql://…' → PostgreSQL, anything else a SQLite file path. */
export async function openStore(spec: string, opts: StoreOptions = {}): Promise<QuestionStore> {
  if (spec === '') throw new StoreError('store', 'no store given: a SQLite file path or a postgres:// URL');
  if (isPostgresSpec(spec)) {
    const { openPostgresStore } = await import('./postgres-store.ts');
    return openPostgresStore(spec, opts);
  }
  const { openSqliteStore } = await import('./sqlite-store.ts');
  return openSqliteStore(spec, opts);
}

/** The key of a context text: hex sha256 of its UTF-8 bytes. */
export function contextHash(context: string): string {
  return createHash('sha256').update(context, 'utf8').digest('hex');
}

/** Checks a question before it is written, so a bad one is refused whole (StoreError naming the field). */
export function checkNewQuestion(where: string, q: NewQuestion): void {
  const bad = (field: string, problem: string): never => {
    throw new StoreError(where, `cannot store question: ${field} ${problem}`);
  };
  if (typeof q.device !== 'string' || q.device === '') bad('device', 'is empty');
  if (!Number.isSafeInteger(q.requestId) || q.requestId < 0) bad('requestId', `is ${String(q.requestId)}, not a non-negative integer`);
  if (typeof q.modelId !== 'string') bad('modelId', 'is not a string');
  if (!Number.isSafeInteger(q.modelVersion)) bad('modelVersion', `is ${String(q.modelVersion)}, not an integer`);
  if (!(q.receivedAt instanceof Date) || Number.isNaN(q.receivedAt.getTime())) bad('receivedAt', 'is not a valid Date');
  if (typeof q.context !== 'string') bad('context', 'is not a string');
  if (typeof q.question !== 'string') bad('question', 'is not a string');
  // PostgreSQL's text cannot hold U+0000; both stores refuse it alike.
  for (const f of ['device', 'modelId', 'context', 'question'] as const) if (q[f].includes('\0')) bad(f, 'contains a NUL character');
  if (q.deviceExit === null || typeof q.deviceExit !== 'object') bad('deviceExit', 'is missing');
  if (q.cloud === null || typeof q.cloud !== 'object') bad('cloud', 'is missing');
}

/** list()'s options, checked alike for both stores: afterSeq 0 and no limit by default. */
export function listBounds(where: string, o: { afterSeq?: number; limit?: number }): { afterSeq: number; limit: number | undefined } {
  const afterSeq = o.afterSeq ?? 0;
  if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) throw new StoreError(where, `cannot list questions: afterSeq ${String(afterSeq)} is not a non-negative integer`);
  if (o.limit !== undefined && (!Number.isSafeInteger(o.limit) || o.limit < 0)) throw new StoreError(where, `cannot list questions: limit ${String(o.limit)} is not a non-negative integer`);
  return { afterSeq, limit: o.limit };
}

/** A question's stored columns that are JSON text. */
export function exitJson(q: NewQuestion): string {
  return JSON.stringify({ layer: q.deviceExit.layer, entropy: q.deviceExit.entropy, text: q.deviceExit.text });
}

export function cloudJson(q: NewQuestion): string {
  const c = q.cloud;
  return JSON.stringify({ text: c.text, start: c.start, end: c.end, score: c.score, layer: c.layer, soft: c.soft });
}

/** JSON text of a job payload or result; undefined is stored as null. */
export function jobJson(where: string, what: string, v: unknown): string {
  let s: string | undefined;
  try {
    s = JSON.stringify(v ?? null);
  } catch (e) {
    throw new StoreError(where, `${what} is not JSON (${(e as Error).message})`);
  }
  return s ?? 'null';
}

/** Checks a bundle before it is published. */
export function checkBundle(where: string, modelId: string, version: number, tar: Uint8Array, indexJson: string): void {
  if (typeof modelId !== 'string' || modelId === '') throw new StoreError(where, 'cannot publish bundle: modelId is empty');
  if (!Number.isSafeInteger(version) || version < 0) throw new StoreError(where, `cannot publish bundle ${modelId}: version ${String(version)} is not a non-negative integer`);
  if (!(tar instanceof Uint8Array)) throw new StoreError(where, `cannot publish bundle ${modelId} v${version}: tar is not bytes`);
  if (typeof indexJson !== 'string') throw new StoreError(where, `cannot publish bundle ${modelId} v${version}: index is not JSON text`);
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

// ---- The fleet's records (FleetStore), shared by both stores ----

/** A time argument: a valid Date, or now when absent. */
export function fleetTime(what: string, at: Date | undefined): Date {
  const d = at ?? new Date();
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new TypeError(`${what}: ${String(at)} is not a valid Date`);
  return d;
}

/** A report body as JSON text: flat key → finite number, text or boolean (ReportBody). */
export function reportJson(what: string, body: ReportBody): string {
  const problem = reportBodyProblem(body);
  if (problem !== null) throw new TypeError(`${what}: the report body ${problem}`);
  return JSON.stringify(body);
}

function reportBodyProblem(v: unknown): string | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'is not an object';
  for (const [k, x] of Object.entries(v)) {
    if (!(typeof x === 'string' || typeof x === 'boolean' || (typeof x === 'number' && Number.isFinite(x)))) {
      return `field ${JSON.stringify(k)} is not a finite number, text or boolean`;
    }
  }
  return null;
}

/** The key that makes a slot report once-only: its body's `report_id` when that is text; null (always kept) otherwise. */
export function slotReportId(body: ReportBody): string | null {
  const id = body['report_id'];
  return typeof id === 'string' ? id : null;
}

/** Checks the change of changeRollout before it is written (the stage's range is checked against the row). */
export function checkRolloutChange(id: number, expect: { state: RolloutState; stage: number },
  change: { state?: RolloutState; stage?: number; stageOpenedAt?: Date; reason?: string }, event: { kind: string; detail: string }): void {
  if (!ROLLOUT_STATES.includes(expect.state)) throw new TypeError(`rollout ${id}: expected state ${String(expect.state)} is not a rollout state`);
  if (change.state !== undefined && !ROLLOUT_STATES.includes(change.state)) throw new TypeError(`rollout ${id}: state ${String(change.state)} is not a rollout state`);
  if (change.stage !== undefined && (!Number.isSafeInteger(change.stage) || change.stage < 0)) throw new TypeError(`rollout ${id}: stage ${String(change.stage)} is not a stage index`);
  if (change.stageOpenedAt !== undefined) fleetTime(`rollout ${id}: stageOpenedAt`, change.stageOpenedAt);
  if (change.reason !== undefined && typeof change.reason !== 'string') throw new TypeError(`rollout ${id}: reason is not text`);
  if (typeof event.kind !== 'string' || event.kind === '') throw new TypeError(`rollout ${id}: the event's kind is empty`);
  if (typeof event.detail !== 'string') throw new TypeError(`rollout ${id}: the event's detail is not text`);
}

/** What createRollout checks beyond checkNewRollout: the bundle's key, each member's name, the time. */
export function checkRolloutRecord(r: NewRollout): Date {
  if (typeof r.modelId !== 'string' || r.modelId === '') throw new FleetError('rollout', 'names no model');
  if (!Number.isSafeInteger(r.version) || r.version < 0) throw new FleetError(`bundle ${r.modelId} v${String(r.version)}`, 'is not a bundle version (a whole number ≥ 0)');
  for (const m of r.members) checkDeviceName(m.device);
  return fleetTime(`rollout of ${r.modelId} v${r.version}: createdAt`, r.createdAt);
}

/** The refusal when another rollout of the same bundle is still running or paused. */
export function rolloutActiveError(modelId: string, version: number, other: { id: number; state: string } | undefined): FleetError {
  return new FleetError(`bundle ${modelId} v${version}`, `is already being rolled out${other === undefined ? '' : ` (rollout ${other.id}, ${other.state})`}: abort that rollout first`);
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The detail of a rollout's `created` event. */
export function rolloutCreatedDetail(r: NewRollout): string {
  return `model ${r.modelId} version ${r.version}, stages ${r.stages.join(',')}, halt after ${plural(r.haltAfterFailures, 'failure', 'failures')}, `
    + `at least ${plural(r.stageMinDevices, 'device', 'devices')} a stage, hold ${r.stageHoldMs / 1000} s, ${plural(r.members.length, 'device', 'devices')}`;
}

/** The detail of a `stage-opened` event: "stage 2 (25%): dev-c, dev-d" (the devices that stage adds). */
export function stageOpenedDetail(r: Pick<NewRollout, 'stages' | 'members'>, stage: number): string {
  const devices = r.members.filter((m) => m.stage === stage).map((m) => m.device);
  return `stage ${stage + 1} (${r.stages[stage]}%): ${devices.length === 0 ? 'no devices' : devices.join(', ')}`;
}

/**
 * Reading the fleet's rows back: a column that does not hold what was written (edited by hand, or
 * damaged) is a StoreError naming the store, the table and the row, never a wrong value.
 */
export class FleetRows {
  constructor(private readonly where: string, private readonly what: string) {}

  private bad(table: string, id: number, column: string, problem: string): never {
    throw new StoreError(this.where, `cannot ${this.what}: ${table} row ${id}: ${column} ${problem}`);
  }

  /** JSON text of a column (SQLite keeps JSON as text; PostgreSQL's json columns arrive parsed). */
  json(table: string, id: number, column: string, text: unknown): unknown {
    if (typeof text !== 'string') return this.bad(table, id, column, 'is not JSON text');
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      return this.bad(table, id, column, `is not JSON (${(e as Error).message})`);
    }
  }

  body(table: string, id: number, v: unknown): ReportBody {
    const problem = reportBodyProblem(v);
    return problem === null ? v as ReportBody : this.bad(table, id, 'body', problem);
  }

  rollout(row: RolloutColumns): Rollout {
    const id = row.id;
    const stages = row.stages;
    if (!Array.isArray(stages) || stages.length === 0 || !stages.every((p) => typeof p === 'number' && Number.isFinite(p))) {
      this.bad('rollouts', id, 'stages', 'is not a list of percentages');
    }
    const members = row.members;
    if (!Array.isArray(members) || !members.every((m: unknown) => m !== null && typeof m === 'object'
      && typeof (m as RolloutMember).device === 'string' && Number.isSafeInteger((m as RolloutMember).stage))) {
      this.bad('rollouts', id, 'members', 'is not a list of { device, stage }');
    }
    if (!(ROLLOUT_STATES as readonly string[]).includes(row.state)) this.bad('rollouts', id, 'state', `${JSON.stringify(row.state)} is not a rollout state`);
    return {
      id, modelId: row.model_id, version: row.version, stages: stages as number[],
      haltAfterFailures: row.halt_after_failures, stageMinDevices: row.stage_min_devices, stageHoldMs: row.stage_hold_ms,
      members: (members as RolloutMember[]).map((m) => ({ device: m.device, stage: m.stage })),
      createdAt: row.created_at, state: row.state as RolloutState, stage: row.stage, stageOpenedAt: row.stage_opened_at,
      reason: row.reason, updatedAt: row.updated_at,
    };
  }
}

/** A rollouts row with its times as Dates and its JSON columns parsed. */
export interface RolloutColumns {
  id: number; model_id: string; version: number; stages: unknown; halt_after_failures: number; stage_min_devices: number;
  stage_hold_ms: number; members: unknown; state: string; stage: number; stage_opened_at: Date; reason: string;
  created_at: Date; updated_at: Date;
}

/** A rollout's plan as the JSON columns keep it. */
export function rolloutPlanJson(r: NewRollout): { stages: string; members: string } {
  return { stages: JSON.stringify([...r.stages]), members: JSON.stringify(r.members.map((m) => ({ device: m.device, stage: m.stage }))) };
}
