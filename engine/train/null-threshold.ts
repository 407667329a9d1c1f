/**
 * The "no answer" threshold of SQuAD 2.0 answering, chosen on a dev split: a question gets the
 * null answer when null score − best span score exceeds it (HF run_qa's
 * `null_score_diff_threshold`, engine/squad/answers.ts). The official SQuAD 2.0 evaluation script
 * reports the F1 at the best such threshold (`find_best_thresh`, sweeping the questions' no-answer
 * scores); this is that sweep, on the score differences of one exit layer of a profile. A model
 * trained from scratch need not be balanced at 0: the one threshold is a calibration parameter
 * like the exit thresholds, chosen on dev and written into the bundle (`qa.null_score_diff_threshold`).
 */
import { extractAnswer } from '../squad/answers.ts';
import { computeF1, normalizeAnswer } from '../squad/metric.ts';
import type { ExitProfile } from './exit-profile.ts';

export interface NullThreshold {
  readonly threshold: number;
  /** F1 on the profile's questions at `threshold`, and at 0 (the default). */
  readonly f1: number;
  readonly f1AtZero: number;
}

/** The threshold that maximises F1 of exit `layer` (default: the final layer) over the profile's questions. */
export function bestNullThreshold(p: ExitProfile, layer = p.layers): NullThreshold {
  const rows = p.examples.map((ex, i) => {
    const logits = p.byExample[i]!.map((fi) => {
      const f = p.features[fi]!;
      return { offsets: f.offsets, start: f.start[layer - 1]!, end: f.end[layer - 1]! };
    });
    // With an infinite threshold the text is the best span; its score difference decides the rest.
    const a = extractAnswer(ex.context, logits, { ...p.answer, versionTwoWithNegative: true, nullScoreDiffThreshold: Infinity, wholeWords: true }, `question ${ex.id}`);
    let gold = ex.answers.map((x) => x.text).filter((t) => normalizeAnswer(t) !== '');
    if (gold.length === 0) gold = [''];
    const f1 = (text: string): number => Math.max(...gold.map((g) => computeF1(g, text)));
    return { diff: a.scoreDiff ?? Infinity, span: a.text === '' ? f1('') : f1(a.text), none: f1('') };
  });
  const n = Math.max(1, rows.length);
  const at = (t: number): number => (100 * rows.reduce((s, r) => s + (r.diff > t ? r.none : r.span), 0)) / n;
  // Sweep: below every difference all answers are null; passing a question's difference turns it to its span.
  const sorted = rows.filter((r) => Number.isFinite(r.diff)).sort((a, b) => a.diff - b.diff);
  let sum = rows.reduce((s, r) => s + r.none, 0);
  let best = { threshold: sorted.length > 0 ? sorted[0]!.diff - 1 : 0, sum };
  for (let i = 0; i < sorted.length; i++) {
    sum += sorted[i]!.span - sorted[i]!.none;
    // Equal differences switch together: only the last of a run is a threshold.
    if (i + 1 < sorted.length && sorted[i + 1]!.diff === sorted[i]!.diff) continue;
    if (sum > best.sum) best = { threshold: sorted[i]!.diff, sum };
  }
  const f1AtZero = at(0);
  // The default stays unless the sweep finds better (ties keep 0).
  if (f1AtZero >= (100 * best.sum) / n) return { threshold: 0, f1: f1AtZero, f1AtZero };
  return { threshold: best.threshold, f1: (100 * best.sum) / n, f1AtZero };
}
