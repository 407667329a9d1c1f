/**
 * The deterministic split of the stored questions into a training part and a held-back part (on
 * which the gate measures the offload rate). A question's side depends only on its own text: the
 * first 32 bits of sha256(context, question) as a fraction of 2³², held back when below the
 * fraction. So the split is stable as the store grows (a question never changes sides between
 * retrains), and the same question asked by two devices, or twice, lands on one side only: the
 * held-back part never holds a question that training saw.
 */
import { createHash } from 'node:crypto';

export interface SplitKey {
  readonly context: string;
  readonly question: string;
}

/** A question's place in [0, 1). */
export function splitPoint(q: SplitKey): number {
  const h = createHash('sha256').update(q.context, 'utf8').update('\u0000').update(q.question, 'utf8').digest();
  return h.readUInt32BE(0) / 2 ** 32;
}

export function splitQuestions<T extends SplitKey>(questions: readonly T[], heldBackFraction: number): { train: T[]; heldBack: T[] } {
  if (!(heldBackFraction >= 0 && heldBackFraction < 1)) throw new RangeError(`held-back fraction must be in [0, 1), got ${heldBackFraction}`);
  const train: T[] = [], heldBack: T[] = [];
  for (const q of questions) (splitPoint(q) < heldBackFraction ? heldBack : train).push(q);
  return { train, heldBack };
}
