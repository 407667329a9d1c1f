/**
 * What a device did over a sliding window, from its status reports (issue 16). A device sends its
 * counters since its program started (runtime/edge/stats.ts: questions, offloads, exit_l1…), every
 * `status_interval_s` and at connect; the cloud keeps each report as a sample. Over a window the
 * activity is the sum of the increases between consecutive samples; a counter that went down means
 * the program restarted, and its new value is all new activity (Prometheus' `increase()` treats
 * counter resets the same way). The sample just before the window is the starting point; a device
 * with none before it counts its first sample whole (all we know of its time before).
 */
import type { ReportBody, StatusSample } from './fleet-store.ts';

export interface WindowActivity {
  readonly questions: number;
  readonly offloads: number;
  /** Index 0 = layer 1. */
  readonly exits: number[];
}

const num = (b: ReportBody, k: string): number => {
  const v = b[k];
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0;
};

/** The exit counters of a body as an array (exit_l1 … exit_lN). */
export function exitCounts(b: ReportBody): number[] {
  const out: number[] = [];
  for (const [k, v] of Object.entries(b)) {
    const m = /^exit_l(\d{1,2})$/.exec(k);
    if (m === null || typeof v !== 'number' || !(v >= 0)) continue;
    const i = Number(m[1]) - 1;
    while (out.length <= i) out.push(0);
    out[i] = v;
  }
  return out;
}

/** The increase of one counter from `prev` to `cur` (a reset counts `cur` whole). */
function increase(prev: number | undefined, cur: number): number {
  return prev === undefined || cur < prev ? cur : cur - prev;
}

/** One step between consecutive samples. */
export function stepBetween(prev: ReportBody | undefined, cur: ReportBody): WindowActivity {
  // A restart resets every counter at once: judge it by `questions`, so all counters agree.
  const reset = prev !== undefined && num(cur, 'questions') < num(prev, 'questions');
  const base = reset ? undefined : prev;
  const pe = base === undefined ? [] : exitCounts(base);
  const ce = exitCounts(cur);
  return {
    questions: increase(base === undefined ? undefined : num(base, 'questions'), num(cur, 'questions')),
    offloads: increase(base === undefined ? undefined : num(base, 'offloads'), num(cur, 'offloads')),
    exits: ce.map((c, i) => increase(base === undefined ? undefined : (pe[i] ?? 0), c)),
  };
}

/** A device's activity in (from, to]: `samples` are its own, oldest first (those before `from` are used as the starting point). */
export function activityIn(samples: readonly StatusSample[], from: Date, to: Date): WindowActivity {
  let prev: ReportBody | undefined;
  const total: WindowActivity = { questions: 0, offloads: 0, exits: [] };
  for (const s of samples) {
    const t = s.at.getTime();
    if (t > to.getTime()) break;
    if (t <= from.getTime()) {
      prev = s.body;
      continue;
    }
    const step = stepBetween(prev, s.body);
    add(total, step);
    prev = s.body;
  }
  return total;
}

function add(into: { questions: number; offloads: number; exits: number[] }, step: WindowActivity): void {
  into.questions += step.questions;
  into.offloads += step.offloads;
  step.exits.forEach((n, i) => {
    while (into.exits.length <= i) into.exits.push(0);
    into.exits[i]! += n;
  });
}

export interface SeriesPoint {
  readonly version: number;
  readonly at: Date;
  questions: number;
  offloads: number;
}

/**
 * Offload rate over time per model version: each step between a device's consecutive samples is
 * counted in the bucket of its later sample, under the model version that sample reports.
 * `samples` may mix devices (oldest first); points come out by time, then version.
 */
export function offloadSeries(samples: readonly StatusSample[], bucketMs: number, since?: Date): SeriesPoint[] {
  const last = new Map<string, ReportBody>();
  const points = new Map<string, SeriesPoint>();
  for (const s of samples) {
    const prev = last.get(s.device);
    last.set(s.device, s.body);
    if (since !== undefined && s.at.getTime() < since.getTime()) continue;
    const step = stepBetween(prev, s.body);
    if (step.questions === 0 && step.offloads === 0) continue;
    const version = num(s.body, 'model_version');
    const at = Math.floor(s.at.getTime() / bucketMs) * bucketMs;
    const key = `${at}/${version}`;
    const p = points.get(key) ?? { version, at: new Date(at), questions: 0, offloads: 0 };
    p.questions += step.questions;
    p.offloads += step.offloads;
    points.set(key, p);
  }
  return [...points.values()].sort((a, b) => a.at.getTime() - b.at.getTime() || a.version - b.version);
}
