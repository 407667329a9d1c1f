/**
 * Threshold calibration on a dev split: choose per-layer entropy thresholds that keep F1 within
 * `maxF1Drop` points of the full model while running as few layers as possible.
 *
 * 1. The curve: one threshold s for every layer, s on a grid over [0, 1]; F1 and mean layers at
 *    each s (this is what gets plotted and recorded in the manifest).
 * 2. The largest s on the curve that meets the target.
 * 3. Refinement, layer by layer from the first: raise that layer's threshold while the target
 *    still holds (more rows leave early), bisecting between feasible and infeasible values.
 *
 * With `device`, a threshold set must also meet the device's target: run at most `depthLimit`
 * layers, offload what is not confident by then to the full model, and stay within
 * `device.maxF1Drop` of the full model (issue 4: 0.5 at limit 6). The same thresholds serve
 * both policies (the bundle has one set), so both targets constrain them.
 */
import { evaluatePolicy, type ExitProfile } from './exit-profile.ts';

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
  const r = evaluatePolicy(p, th, L, false);
  const d = dev === undefined ? undefined : evaluatePolicy(p, th, dev.depthLimit, true);
  return {
    thresholds: th, target: { maxF1Drop: maxDrop, fullF1: full.f1, ...(dev !== undefined ? { device: dev } : {}) },
    chosen: { f1: r.f1, exact: r.exact, meanLayers: r.meanLayers }, curve,
    ...(dev !== undefined && d !== undefined ? { device: { depthLimit: dev.depthLimit, f1: d.f1, offloadRate: d.offloadRate, meanLayers: d.meanLayers } } : {}),
  };
}
