/**
 * Threshold calibration on a dev split: choose per-layer entropy thresholds that keep F1 within
 * `maxF1Drop` points of the full model while running as few layers as possible.
 *
 * 1. The curve: one threshold s for every layer, s on a grid over [0, 1]; F1 and mean layers at
 *    each s (this is what gets plotted and recorded in the manifest).
 * 2. The largest s on the curve that meets the target.
 * 3. Refinement, layer by layer from the first: raise that layer's threshold while the target
 *    still holds (more rows leave early), bisecting between feasible and infeasible values.
 * 4. Independently, a greedy search by marginal gain: from the full model, repeatedly raise the
 *    one layer's threshold (to its next entropy quantile) that saves the most layers per F1 point
 *    lost, while the targets hold. Step 3 spends the whole F1 budget on the first layer it
 *    touches; this one spends it where it buys the most. The result with fewer mean layers wins.
 *
 * With `device`, a threshold set must also meet the device's target: run at most `depthLimit`
 * layers, offload what is not confident by then to the full model, and stay within
 * `device.maxF1Drop` of the full model (issue 4: 0.5 at limit 6). The same thresholds serve
 * both policies (the bundle has one set), so both targets constrain them.
 */
import { evaluatePolicy, type ExitProfile, type PolicyResult } from './exit-profile.ts';

export interface CalibrationPoint {
  readonly scale: number;
  readonly f1: number;
  readonly exact: number;
  readonly meanLayers: number;
}

export interface DeviceTarget {
  readonly depthLimit: number;
  readonly maxF1Drop: number;
}

export interface Calibration {
  readonly thresholds: number[];
  readonly target: { readonly maxF1Drop: number; readonly fullF1: number; readonly device?: DeviceTarget };
  readonly chosen: { readonly f1: number; readonly exact: number; readonly meanLayers: number };
  /** The device policy with the chosen thresholds (when a device target was given). */
  readonly device?: { readonly depthLimit: number; readonly f1: number; readonly offloadRate: number; readonly meanLayers: number };
  readonly curve: CalibrationPoint[];
}

export interface CalibrateOptions {
  readonly maxF1Drop?: number;
  readonly device?: DeviceTarget;
  readonly gridPoints?: number;
  readonly refineSteps?: number;
  /** Threshold candidates per layer for the marginal-gain search (default 50 entropy quantiles). */
  readonly quantiles?: number;
}

/** Thresholds just above the `q`-quantiles of layer l's entropies (a threshold only matters there). */
function quantileSteps(p: ExitProfile, l: number, q: number): number[] {
  const e = p.features.map((f) => f.entropy[l]!).sort((a, b) => a - b);
  const out = new Set<number>();
  for (let k = 1; k <= q; k++) {
    const v = e[Math.min(e.length - 1, Math.ceil((k * e.length) / q) - 1)];
    if (v !== undefined) out.add(v + 1e-9);
  }
  return [...out].sort((a, b) => a - b);
}

function marginalGainSearch(p: ExitProfile, ok: (t: number[]) => boolean, q: number): number[] {
  const L = p.layers;
  const steps = Array.from({ length: L - 1 }, (_, l) => quantileSteps(p, l, q));
  const pos = new Array<number>(L - 1).fill(-1);
  const th = new Array<number>(L).fill(0);
  let cur = evaluatePolicy(p, th, L, false);
  for (;;) {
    let best: { l: number; gain: number; r: PolicyResult } | null = null;
    let free: { l: number; r: PolicyResult } | null = null;
    for (let l = 0; l < L - 1; l++) {
      const next = steps[l]![pos[l]! + 1];
      if (next === undefined) continue;
      const trial = th.slice();
      trial[l] = next;
      if (!ok(trial)) continue;
      const r = evaluatePolicy(p, trial, L, false);
      const saved = cur.meanLayers - r.meanLayers, lost = cur.f1 - r.f1;
      // A step that saves nothing (its rows already leave earlier) but costs nothing either is
      // taken when nothing better is left: later steps of that layer may save layers.
      if (saved <= 0) { if (lost <= 0) free ??= { l, r }; continue; }
      const gain = saved / Math.max(lost, 1e-6);
      if (best === null || gain > best.gain) best = { l, gain, r };
    }
    best ??= free === null ? null : { ...free, gain: 0 };
    if (best === null) return th;
    th[best.l] = steps[best.l]![++pos[best.l]!]!;
    cur = best.r;
  }
}

export function thresholdCurve(p: ExitProfile, gridPoints = 41): CalibrationPoint[] {
  const curve: CalibrationPoint[] = [];
  for (let i = 0; i < gridPoints; i++) {
    const scale = i / (gridPoints - 1);
    const r = evaluatePolicy(p, new Array<number>(p.layers).fill(scale), p.layers, false);
    curve.push({ scale, f1: r.f1, exact: r.exact, meanLayers: r.meanLayers });
  }
  return curve;
}

export function calibrate(p: ExitProfile, o: CalibrateOptions = {}): Calibration {
  const maxDrop = o.maxF1Drop ?? 1;
  const L = p.layers;
  const full = evaluatePolicy(p, new Array<number>(L).fill(0), L, false);
  const floor = full.f1 - maxDrop;
  const dev = o.device;
  const deviceOk = (t: readonly number[]): boolean => dev === undefined || evaluatePolicy(p, t, dev.depthLimit, true).f1 >= full.f1 - dev.maxF1Drop;
  const curve = thresholdCurve(p, o.gridPoints ?? 41);
  let best = 0;
  for (const c of curve) if (c.f1 >= floor && c.scale > best && deviceOk(new Array<number>(L).fill(c.scale))) best = c.scale;
  const th = new Array<number>(L).fill(best);
  const ok = (t: number[]): boolean => evaluatePolicy(p, t, L, false).f1 >= floor && deviceOk(t);
  const steps = o.refineSteps ?? 6;
  for (let l = 0; l < L - 1; l++) {
    let lo = th[l]!, hi = 1;
    const trial = th.slice();
    trial[l] = hi;
    if (ok(trial)) { th[l] = hi; continue; }
    for (let s = 0; s < steps; s++) {
      const mid = (lo + hi) / 2;
      trial[l] = mid;
      if (ok(trial)) lo = mid; else hi = mid;
    }
    th[l] = lo;
  }
  const greedy = marginalGainSearch(p, ok, o.quantiles ?? 50);
  const refined = evaluatePolicy(p, th, L, false), searched = evaluatePolicy(p, greedy, L, false);
  const [thresholds, r] = searched.meanLayers < refined.meanLayers ? [greedy, searched] : [th, refined];
  const d = dev === undefined ? undefined : evaluatePolicy(p, thresholds, dev.depthLimit, true);
  return {
    thresholds, target: { maxF1Drop: maxDrop, fullF1: full.f1, ...(dev !== undefined ? { device: dev } : {}) },
    chosen: { f1: r.f1, exact: r.exact, meanLayers: r.meanLayers }, curve,
    ...(dev !== undefined && d !== undefined ? { device: { depthLimit: dev.depthLimit, f1: d.f1, offloadRate: d.offloadRate, meanLayers: d.meanLayers } } : {}),
  };
}
