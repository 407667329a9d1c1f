/**
 * What the admin API's requests carry, checked and turned into FleetAdmin's arguments: the JSON
 * bodies (snake_case, as the issue gives them) and the query strings. Anything missing, mistyped or
 * unknown is an ApiError 400 naming the field ("stages: must be an array of numbers"); the values'
 * meaning (stages increasing to 100, a key of 64 hex digits, a bundle that verifies) is the fleet's
 * to check, and its FleetError says so.
 */
import path from 'node:path';
import type { StartRollout } from './fleet-admin.ts';
import { ApiError } from './errors.ts';

export type JsonObject = Readonly<Record<string, unknown>>;

/** Most questions one GET /api/v1/questions returns (and its default). */
export const QUESTIONS_MAX_LIMIT = 1000;
export const QUESTIONS_DEFAULT_LIMIT = 100;
/** Offload-series buckets: 5 minutes unless asked, at most a week. */
export const SERIES_DEFAULT_BUCKET_S = 300;
export const SERIES_MAX_BUCKET_S = 7 * 24 * 3600;

function bad(where: string, problem: string): ApiError {
  return new ApiError(400, where, problem);
}

/** Refuse fields the route does not take: a typo (`stage_hold` for `stage_hold_s`) must not pass silently. */
function onlyFields(body: JsonObject, allowed: readonly string[]): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) throw bad(key, `unknown field (this request takes ${allowed.join(', ')})`);
  }
}

function text(body: JsonObject, name: string, what: string): string {
  const v = body[name];
  if (v === undefined) throw bad(name, `missing (${what})`);
  if (typeof v !== 'string' || v === '') throw bad(name, `must be a non-empty string (${what})`);
  return v;
}

function wholeNumber(body: JsonObject, name: string): number | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw bad(name, 'must be a whole number');
  return v;
}

/** POST /api/v1/devices: `{ "name", "public_key" }`. */
export function parseNewDevice(body: JsonObject): { name: string; publicKey: string } {
  onlyFields(body, ['name', 'public_key']);
  return {
    name: text(body, 'name', 'the device name'),
    publicKey: text(body, 'public_key', 'the device\'s link key, 64 hex digits from elma link-keygen'),
  };
}

/** POST /api/v1/rollouts: `{ "bundle", "index"?, "stages", "halt_after_failures", "stage_min_devices"?, "stage_hold_s"? }`. */
export function parseStartRollout(body: JsonObject): StartRollout {
  onlyFields(body, ['bundle', 'index', 'stages', 'halt_after_failures', 'stage_min_devices', 'stage_hold_s']);
  const bundle = text(body, 'bundle', 'the bundle archive\'s path on the cloud host');
  // A relative path would resolve against the server's working directory, which the client cannot know.
  if (!path.isAbsolute(bundle)) throw bad('bundle', `must be an absolute path on the cloud host, not ${JSON.stringify(bundle)}`);
  let index: string | undefined;
  if (body.index !== undefined) {
    index = text(body, 'index', 'the signed chunk index\'s path on the cloud host');
    if (!path.isAbsolute(index)) throw bad('index', `must be an absolute path on the cloud host, not ${JSON.stringify(index)}`);
  }
  const stages = body.stages;
  if (stages === undefined) throw bad('stages', 'missing (cumulative percentages of the fleet, e.g. [5, 25, 100])');
  if (!Array.isArray(stages) || stages.length === 0 || !stages.every((p): p is number => typeof p === 'number' && Number.isFinite(p))) {
    throw bad('stages', 'must be an array of numbers (cumulative percentages of the fleet, e.g. [5, 25, 100])');
  }
  const haltAfterFailures = wholeNumber(body, 'halt_after_failures');
  if (haltAfterFailures === undefined) throw bad('halt_after_failures', 'missing (failed devices at which the rollout halts)');
  const stageMinDevices = wholeNumber(body, 'stage_min_devices');
  const holdS = body.stage_hold_s;
  if (holdS !== undefined && (typeof holdS !== 'number' || !Number.isFinite(holdS) || holdS < 0)) {
    throw bad('stage_hold_s', 'must be a number of seconds ≥ 0');
  }
  return {
    bundle,
    ...(index === undefined ? {} : { index }),
    stages,
    haltAfterFailures,
    ...(stageMinDevices === undefined ? {} : { stageMinDevices }),
    ...(holdS === undefined ? {} : { stageHoldMs: Math.round(holdS * 1000) }),
  };
}

/** A rollout id from the path (`/api/v1/rollouts/:id`). */
export function parseRolloutId(s: string): number {
  const id = /^[0-9]{1,15}$/.test(s) ? Number(s) : NaN;
  if (!(id >= 1)) throw bad(`rollout id ${JSON.stringify(s)}`, 'must be a whole number ≥ 1');
  return id;
}

/** A device name from the path (`/api/v1/devices/:name`), percent-decoded. */
export function parseDeviceName(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw bad(`device name ${JSON.stringify(s)}`, 'is not valid percent-encoding');
  }
}

function onlyParams(q: URLSearchParams, allowed: readonly string[]): void {
  for (const key of new Set(q.keys())) {
    if (!allowed.includes(key)) throw bad(key, `unknown query parameter (this request takes ${allowed.join(', ')})`);
    if (q.getAll(key).length > 1) throw bad(key, 'given more than once');
  }
}

function wholeParam(q: URLSearchParams, name: string, min: number, max: number, fallback: number): number {
  const s = q.get(name);
  if (s === null) return fallback;
  const n = /^[0-9]{1,15}$/.test(s) ? Number(s) : NaN;
  if (!(n >= min && n <= max)) throw bad(name, `must be a whole number from ${min} to ${max}, not ${JSON.stringify(s)}`);
  return n;
}

// ISO 8601 as RFC 3339 writes it: a date, or a date and time with Z or an offset (a time without one
// would be read in the server's time zone, which the client cannot know).
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:[Zz]|[+-]\d{2}:\d{2}))?$/;

function isoParam(name: string, s: string): Date {
  // A '+' of an offset that was not percent-encoded reaches us as a space (form encoding): take it back.
  const t = s.replace(/ (\d{2}:\d{2})$/, '+$1');
  const ms = ISO_TIME.test(t) ? Date.parse(t.replace(' ', 'T')) : NaN;
  if (!Number.isFinite(ms)) throw bad(name, `must be an ISO-8601 time such as 2026-12-01T10:00:00Z, not ${JSON.stringify(s)}`);
  return new Date(ms);
}

/** GET /api/v1/questions: `since` (the last seq the client has, or an ISO-8601 time) and `limit`. */
export function parseQuestionsQuery(q: URLSearchParams): { afterSeq?: number; since?: Date; limit: number } {
  onlyParams(q, ['since', 'limit']);
  const limit = wholeParam(q, 'limit', 1, QUESTIONS_MAX_LIMIT, QUESTIONS_DEFAULT_LIMIT);
  const since = q.get('since');
  if (since === null) return { limit };
  if (/^[0-9]+$/.test(since)) {
    const afterSeq = Number(since);
    if (!Number.isSafeInteger(afterSeq)) throw bad('since', `is too large: ${since}`);
    return { afterSeq, limit };
  }
  if (!ISO_TIME.test(since.replace(/ (\d{2}:\d{2})$/, '+$1'))) {
    throw bad('since', `must be the last seq you have (a whole number ≥ 0) or an ISO-8601 time such as 2026-12-01T10:00:00Z, not ${JSON.stringify(since)}`);
  }
  return { since: isoParam('since', since), limit };
}

/** GET /api/v1/offload-series: `bucket_s` (seconds per point) and `since` (ISO-8601). */
export function parseSeriesQuery(q: URLSearchParams): { bucketMs: number; since?: Date } {
  onlyParams(q, ['bucket_s', 'since']);
  const bucketMs = wholeParam(q, 'bucket_s', 1, SERIES_MAX_BUCKET_S, SERIES_DEFAULT_BUCKET_S) * 1000;
  const since = q.get('since');
  return since === null ? { bucketMs } : { bucketMs, since: isoParam('since', since) };
}
