/**
 * The calibration step of the recipe (issue 4), shared by `elma train` (after stage 2) and
 * `elma calibrate` (again on an existing bundle, e.g. with a larger dev split or other targets):
 * profile every exit on the dev split once, choose the thresholds (engine/train/calibrate.ts)
 * under both targets — early exit within `maxF1Drop` of the full model, and the device (at most
 * `depthLimit` layers, the rest offloaded to the full model) within `maxDeviceF1Drop` — and give
 * the manifest's `exits` section with the curve it came from, plus golden questions. First the
 * null-answer threshold is chosen on the same profile (it changes every answer the thresholds
 * are judged by).
 */
import type { AlbertModel } from '../../engine/albert/model.ts';
import type { SquadExample } from '../../engine/squad/dataset.ts';
import type { SquadFeature } from '../../engine/squad/features.ts';
import { calibrate } from '../../engine/train/calibrate.ts';
import { evaluatePolicy, profileExits } from '../../engine/train/exit-profile.ts';
import { bestNullThreshold } from '../../engine/train/null-threshold.ts';
import { DEFAULT_QA, type GoldenQuestion, type Manifest } from '../../models/bundle/manifest.ts';

export interface CalibrateExitsOptions {
  readonly depthLimit: number;
  readonly maxF1Drop: number;
  /** Device target in F1 points (issue 4: 0.5); undefined: no device constraint. */
  readonly maxDeviceF1Drop?: number;
  readonly log: (line: string) => void;
}

export interface CalibratedExits {
  readonly exits: NonNullable<Manifest['exits']>;
  /** Dev questions the full model answers exactly (4 answerable, 2 unanswerable): a bundle's health check. */
  readonly golden: GoldenQuestion[];
  /** The null-answer threshold chosen on dev (engine/train/null-threshold.ts), for `qa.null_score_diff_threshold`. */
  readonly nullScoreDiffThreshold: number;
}

export function calibrateExits(model: AlbertModel, dev: readonly SquadExample[], devFeatures: readonly SquadFeature[], o: CalibrateExitsOptions): CalibratedExits {
  const answer = { maxAnswerLength: DEFAULT_QA.max_answer_length, nBestSize: DEFAULT_QA.n_best_size, nullScoreDiffThreshold: 0 };
  const profiled = profileExits(model, dev, devFeatures, answer, 16, (d, n) => { if (d === n || d % 800 === 0) o.log(`dev profile: ${d}/${n} features`); });
  const nullThreshold = bestNullThreshold(profiled);
  o.log(`null-answer threshold: ${nullThreshold.threshold.toFixed(3)} (full model F1 ${nullThreshold.f1.toFixed(2)}; ${nullThreshold.f1AtZero.toFixed(2)} at 0)`);
  const profile = { ...profiled, answer: { ...profiled.answer, nullScoreDiffThreshold: nullThreshold.threshold } };
  const device = o.maxDeviceF1Drop === undefined ? undefined : { depthLimit: o.depthLimit, maxF1Drop: o.maxDeviceF1Drop };
  const cal = calibrate(profile, { maxF1Drop: o.maxF1Drop, ...(device !== undefined ? { device } : {}) });
  const L = model.config.numHiddenLayers;
  const onDevice = evaluatePolicy(profile, cal.thresholds, o.depthLimit, true);
  o.log(`calibration: full F1 ${cal.target.fullF1.toFixed(2)}; early exit F1 ${cal.chosen.f1.toFixed(2)} at ${cal.chosen.meanLayers.toFixed(2)} mean layers; `
    + `device limit ${o.depthLimit} + offload: F1 ${onDevice.f1.toFixed(2)}, offload rate ${(100 * onDevice.offloadRate).toFixed(1)}%`);
  const full = evaluatePolicy(profile, new Array<number>(L).fill(0), L, false);
  const golden: GoldenQuestion[] = [];
  dev.forEach((ex, i) => {
    const q = full.perQuestion[i]!;
    const want = ex.isImpossible ? 2 : 4;
    const have = golden.filter((g) => (g.answer === '') === ex.isImpossible).length;
    if (q.exact === 1 && have < want) golden.push({ context: ex.context, question: ex.question, answer: q.text });
  });
  const method = 'dev split; null-answer threshold for the best full-model F1; exit thresholds from the uniform curve refined '
    + `per layer or from a marginal-gain search, whichever runs fewer layers${device === undefined ? '' : ', under the early-exit and device targets'}`;
  return {
    exits: {
      thresholds: cal.thresholds, depth_limit: o.depthLimit,
      calibration: {
        method, dev_questions: dev.length, target: cal.target, chosen: cal.chosen, curve: cal.curve,
        device: { depth_limit: o.depthLimit, f1: onDevice.f1, offload_rate: onDevice.offloadRate, mean_layers: onDevice.meanLayers },
      },
    },
    golden, nullScoreDiffThreshold: nullThreshold.threshold,
  };
}
