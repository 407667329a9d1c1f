/**
 * Threshold calibration on a dev split: choose per-layer entropy thresholds that keep F1 within
 * `maxF1Drop` points of the full model while running as few layers as possible.
 *
 * 1. The curve: one threshold s for every layer, s on a grid over [0, 1]; F1 and mean layers at
 *    each s (this is what gets plotted and recorded in the manifest).
 * 2. The largest s on the curve that meets the target.
 * 3. Refinement, layer by layer from the first: raise that layer's threshold while the target
 *    still holds (more rows leave early), bisecting between feasible and infeasible values.
 */
import { evaluatePolicy, type ExitProfile } from './exit-profile.ts';

export interface CalibrationPoint {
  readonly scale: number;
  readonly f1: number;
  readonly exact: number;
  readonly meanLayers: number;
}

export interface Calibration {
  readonly thresholds: number[];
  readonly target: { readonly maxF1Drop: number; readonly fullF1: number };
  readonly chosen: { readonly f1: number; readonly exact: number; readonly meanLayers: number };
  readonly curve: CalibrationPoint[];
}

export interface CalibrateOptions {
  readonly maxF1Drop?: number;
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
  const curve = thresholdCurve(p, o.gridPoints ?? 41);
  let best = 0;
  for (const c of curve) if (c.f1 >= floor && c.scale > best) best = c.scale;
  const th = new Array<number>(L).fill(best);
  const ok = (t: number[]): boolean => evaluatePolicy(p, t, L, false).f1 >= floor;
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
  return {
    thresholds: th, target: { maxF1Drop: maxDrop, fullF1: full.f1 },
    chosen: { f1: r.f1, exact: r.exact, meanLayers: r.meanLayers }, curve,
  };
}
