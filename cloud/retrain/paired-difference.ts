/**
 * How far apart two models' F1 on the same questions is, and how sure that is: the mean of the
 * per-question differences (after − before, in F1 points) and its standard error, sd(d) / √n
 * with the sample standard deviation (n − 1): the paired comparison, since both models answered
 * the same questions (the paired t statistic's denominator; Dror et al. 2018, "The Hitchhiker's
 * Guide to Testing Statistical Significance in Natural Language Processing").
 *
 * Why the gate reports it: two device policies differ on only some of the questions, and on a
 * few hundred dev questions the difference they show has a standard error larger than the gate's
 * 0.2-point allowance (measured on the demo's store, 2026-12-08: −0.57 ± 0.70 on 604 gate
 * questions, 22 of them scored differently). The decision stays the issue's (gate.ts); the error
 * says how much of it is the sample.
 */

export interface PairedDifference {
  /** Mean of after − before over the questions, in F1 points (0–100 scale). */
  readonly points: number;
  /** Standard error of that mean (0 when fewer than two questions). */
  readonly standard_error: number;
  /** Questions whose F1 differs between the two. */
  readonly changed: number;
  readonly questions: number;
}

/** `before[i]`, `after[i]`: question i's F1 (0–1) under each model. */
export function pairedDifference(before: ArrayLike<number>, after: ArrayLike<number>): PairedDifference {
  const n = before.length;
  if (after.length !== n) throw new RangeError(`paired difference: ${n} questions before, ${after.length} after`);
  if (n === 0) return { points: 0, standard_error: 0, changed: 0, questions: 0 };
  let sum = 0, changed = 0;
  for (let i = 0; i < n; i++) {
    const d = after[i]! - before[i]!;
    sum += d;
    if (d !== 0) changed++;
  }
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (after[i]! - before[i]! - mean) ** 2;
  const se = n > 1 ? Math.sqrt(ss / (n - 1) / n) : 0;
  return { points: 100 * mean, standard_error: 100 * se, changed, questions: n };
}
