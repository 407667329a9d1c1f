/**
 * The training set of a retrain: the stored questions' examples mixed with a seeded sample of the
 * original kind of training data (replay, as in experience-replay against catastrophic
 * forgetting), `ratio` replay examples per stored question; and their features, skipping any
 * example that cannot be cut into windows (a question longer than the model's positions).
 */
import type { SquadExample } from '../../engine/squad/dataset.ts';
import { buildFeatures, type SquadFeature } from '../../engine/squad/features.ts';
import type { AlbertTokenizer } from '../../engine/tokenizer/albert-tokenizer.ts';
import { Random } from '../../engine/random.ts';
import { compactTrainFeatures, type TrainFeature } from '../../engine/train/train-data.ts';

/** `round(ratio × questions)` replay examples (all of them when there are fewer), chosen by `seed`, after the questions. */
export function mixWithReplay(questions: readonly SquadExample[], replay: readonly SquadExample[], ratio: number, seed: number): { examples: SquadExample[]; replayed: number } {
  if (!(ratio >= 0) || !Number.isFinite(ratio)) throw new RangeError(`replay ratio must be a finite number ≥ 0, got ${ratio}`);
  const want = Math.min(replay.length, Math.round(ratio * questions.length));
  const order = new Random((seed * 2654435761 + 97) >>> 0).shuffle(Array.from({ length: replay.length }, (_, i) => i));
  const picked = order.slice(0, want).sort((a, b) => a - b).map((i) => replay[i]!);
  return { examples: [...questions, ...picked], replayed: picked.length };
}

/**
 * Features of `examples` (buildFeatures, HF run_qa windows) for the examples that have any; the
 * examples kept are returned with their features (example_index into `kept`).
 */
export function featuresOf(examples: readonly SquadExample[], tokenizer: AlbertTokenizer, o: { maxLength: number; docStride: number }): { kept: SquadExample[]; features: SquadFeature[]; skipped: number } {
  try {
    return { kept: [...examples], features: buildFeatures(examples, tokenizer, o), skipped: 0 };
  } catch {
    // Some example does not fit: find which, one by one (rare; the common case above is one call).
    const kept: SquadExample[] = [];
    const features: SquadFeature[] = [];
    for (const ex of examples) {
      let fs: SquadFeature[];
      try { fs = buildFeatures([ex], tokenizer, o); } catch { continue; }
      for (const f of fs) features.push({ ...f, example_index: kept.length });
      kept.push(ex);
    }
    return { kept, features, skipped: examples.length - kept.length };
  }
}

/**
 * The training features of a retrain: the questions that fit the model's positions, mixed with
 * replay, in compact form (engine/train/train-data.ts: the plain features are garbage once this
 * returns, so the collector does not trace them during training).
 */
export function trainingSet(questions: readonly SquadExample[], replay: readonly SquadExample[], ratio: number, seed: number,
  tokenizer: AlbertTokenizer, o: { maxLength: number; docStride: number }): { features: TrainFeature[]; questions: number; replayed: number } {
  const fit = featuresOf(questions, tokenizer, o).kept;
  const mix = mixWithReplay(fit, replay, ratio, seed);
  const all = featuresOf(mix.examples, tokenizer, o);
  return { features: compactTrainFeatures(all.features), questions: fit.length, replayed: all.kept.length - fit.length };
}
