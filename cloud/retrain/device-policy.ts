/**
 * A model measured the way the device runs it: every exit profiled once on a data set
 * (engine/train/exit-profile.ts, as `elma eval` does), then the device's policy evaluated offline —
 * exits by the thresholds up to the depth limit, the rest offloaded to the full model. Gives the
 * F1 (against the examples' labels), the offload rate (questions with a feature not confident at
 * the depth limit), mean layers per feature on the device, and the full model's F1.
 */
import type { AlbertModel } from '../../engine/albert/model.ts';
import type { SquadExample } from '../../engine/squad/dataset.ts';
import type { SquadFeature } from '../../engine/squad/features.ts';
import { evaluatePolicy, profileExits } from '../../engine/train/exit-profile.ts';

export interface DevicePolicy {
  readonly thresholds: readonly number[];
  readonly depthLimit: number;
}

export interface AnswerSettings {
  readonly maxAnswerLength: number;
  readonly nBestSize: number;
  readonly nullScoreDiffThreshold: number;
}

export interface PolicyMeasure {
  /** F1 under the device policy (depth limit, the unsure offloaded to the full model). */
  readonly f1: number;
  readonly offload_rate: number;
  readonly mean_layers: number;
  /** F1 of the full model (all layers). */
  readonly full_f1: number;
  /** Each question's F1 (0–1) under the device policy, in the examples' order: for paired comparisons. */
  readonly perQuestionF1: Float64Array;
}

export function measureDevicePolicy(model: AlbertModel, examples: readonly SquadExample[], features: readonly SquadFeature[], answer: AnswerSettings,
  policy: DevicePolicy, onProgress?: (done: number, total: number) => void): PolicyMeasure {
  const L = model.config.numHiddenLayers;
  if (examples.length === 0) return { f1: 0, offload_rate: 0, mean_layers: 0, full_f1: 0, perQuestionF1: new Float64Array(0) };
  const profile = profileExits(model, examples, features, answer, 16, onProgress);
  const device = evaluatePolicy(profile, policy.thresholds, policy.depthLimit, true);
  const full = evaluatePolicy(profile, new Array<number>(L).fill(0), L, false);
  return { f1: device.f1, offload_rate: device.offloadRate, mean_layers: device.meanLayers, full_f1: full.f1, perQuestionF1: Float64Array.from(device.perQuestion, (q) => q.f1) };
}
