/**
 * The cloud's hard-question store: every question a device offloads is kept exactly once, keyed by
 * (device name, request id), with the device's exit outputs and the cloud's answer (with the soft
 * labels for distillation); people's corrections; retrain jobs; and the bundles the cloud publishes.
 *
 * Two implementations behind one interface: SQLite (one file, the embedded default) and PostgreSQL
 * (shared by every cloud node of a scale-out). `openStore` picks one by the spec.
 */
import { createHash } from 'node:crypto';
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

export interface QuestionStore {
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
