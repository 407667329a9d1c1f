/**
 * The publishing gate of a retrain (issue 12): the new model goes out only if it costs at most
 * `maxF1Drop` F1 points on the dev set (under the device policy) and the device would offload a
 * strictly smaller share of the held-back stored questions than with the current model.
 * With the paired difference of the two on the dev questions (paired-difference.ts), the reason
 * also says how sure the F1 side is.
 */
import type { PairedDifference } from './paired-difference.ts';

/** One model's numbers: F1 and mean layers on dev, offload rate on the held-back stored questions. */
export interface RetrainSide {
  /** Dev F1 under the device policy (depth limit + offload to the full model), on the dev questions gated on. */
  readonly f1: number;
  /** Share of the held-back stored questions the device would offload. */
  readonly offload_rate: number;
  /** Mean layers per dev feature on the device. */
  readonly mean_layers: number;
  /** Share of dev questions the device would offload. */
  readonly dev_offload_rate: number;
  /** Dev F1 of the full model (all layers). */
  readonly full_f1: number;
  /** Held-back F1 under the device policy, against the stored labels (the cloud's or a person's answer). */
  readonly held_back_f1: number;
}

export const DEFAULT_MAX_F1_DROP = 0.2;

export function gateRetrain(before: RetrainSide, after: RetrainSide, maxF1Drop = DEFAULT_MAX_F1_DROP, change?: PairedDifference): { publish: boolean; reason: string } {
  const drop = before.f1 - after.f1;
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  const paired = change === undefined ? ''
    : `; paired change ${change.points >= 0 ? '+' : '−'}${Math.abs(change.points).toFixed(2)} ± ${change.standard_error.toFixed(2)} (standard error), ${change.changed} of ${change.questions} questions scored differently`;
  const f1 = `dev F1 ${before.f1.toFixed(2)} → ${after.f1.toFixed(2)}`;
  const off = `held-back offload rate ${pct(before.offload_rate)} → ${pct(after.offload_rate)}`;
  if (drop > maxF1Drop + 1e-9) return { publish: false, reason: `not published: ${f1} falls by ${drop.toFixed(2)} points, more than ${maxF1Drop} (${off}${paired})` };
  if (!(after.offload_rate < before.offload_rate)) return { publish: false, reason: `not published: ${off} is not lower (${f1}${paired})` };
  return { publish: true, reason: `published: ${off}, ${f1} (at most ${maxF1Drop} points lower allowed${paired})` };
}
