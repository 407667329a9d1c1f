/**
 * Question answering end to end on the device side: SQuAD examples → features (doc stride) →
 * the early-exit loop → answer extraction, with the statistics the demo and `elma eval` report.
 *
 * Each question's features run as one batch (the device answers one question at a time); a
 * feature exits at its own layer, and a question is confident only when all its features are.
 */
import type { AlbertModel } from '../albert/model.ts';
import { EngineInputError } from '../errors.ts';
import { runEarlyExit, type ExitPolicy } from '../exit/early-exit.ts';
import type { SquadExample } from '../squad/dataset.ts';
import { extractAnswer, type FeatureLogits } from '../squad/answers.ts';
import type { AlbertTokenizer } from '../tokenizer/albert-tokenizer.ts';
import { buildFeatures, type SquadFeature } from '../squad/features.ts';
import { featureBatch } from './feature-batch.ts';

export interface QaRunSettings {
  readonly policy: ExitPolicy;
  readonly maxSeqLength: number;
  readonly docStride: number;
  readonly maxAnswerLength: number;
  readonly nBestSize: number;
  readonly nullScoreDiffThreshold: number;
  /** A monotonic clock in ms (performance.now); injected so the engine stays platform-neutral. */
  readonly now: () => number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface QuestionAnswer {
  readonly id: string;
  /** "" means "no answer". */
  readonly text: string;
  /** The answer's character span in the context, [start, end); null for "no answer". */
  readonly span: readonly [number, number] | null;
  /** Probability of the chosen answer among the n-best. */
  readonly probability: number;
  /** null score − best span score (SQuAD 2.0's na-prob input). */
  readonly scoreDiff: number;
  /** Deepest exit layer among the question's features. */
  readonly layer: number;
  /** Highest exit entropy among the question's features. */
  readonly entropy: number;
  /** False when some feature reached the depth limit unsure: the device would offload it. */
  readonly confident: boolean;
  readonly features: number;
  readonly ms: number;
}

export interface QaRunStats {
  /** exitCounts[l - 1]: features answered by exit l. */
  readonly exitCounts: number[];
  /** Questions whose deepest feature exited at l. */
  readonly questionExitCounts: number[];
  readonly notConfidentQuestions: number;
  readonly features: number;
  /** Mean layers run per feature. */
  readonly meanLayers: number;
  readonly totalMs: number;
}

export function answerQuestions(model: AlbertModel, tokenizer: AlbertTokenizer, examples: readonly SquadExample[],
  s: QaRunSettings): { answers: QuestionAnswer[]; stats: QaRunStats } {
  const L = model.config.numHiddenLayers;
  const features = buildFeatures(examples, tokenizer, { maxLength: s.maxSeqLength, docStride: s.docStride });
  const byExample: SquadFeature[][] = examples.map(() => []);
  for (const f of features) byExample[f.example_index]!.push(f);
  const exitCounts = new Array<number>(L).fill(0);
  const questionExitCounts = new Array<number>(L).fill(0);
  let rowLayers = 0;
  let notConfident = 0;
  const answers: QuestionAnswer[] = [];
  const t0 = s.now();
  examples.forEach((ex, i) => {
    const feats = byExample[i]!;
    const start = s.now();
    const seq = s.maxSeqLength;
    const batch = feats.length;
    if (batch === 0) throw new EngineInputError(`question ${ex.id}`, 'produced no features');
    const { inputs, context } = featureBatch(feats, seq);
    const res = runEarlyExit(model, inputs, context, s.policy, { maxAnswerLength: s.maxAnswerLength });
    rowLayers += res.rowLayers;
    const logits: FeatureLogits[] = res.rows.map((r, b) => ({ offsets: feats[b]!.offset_mapping, start: r.start, end: r.end }));
    const answer = extractAnswer(ex.context, logits, {
      versionTwoWithNegative: true, nBestSize: s.nBestSize, maxAnswerLength: s.maxAnswerLength, nullScoreDiffThreshold: s.nullScoreDiffThreshold, wholeWords: true,
    }, `question ${ex.id}`);
    const layer = Math.max(...res.rows.map((r) => r.layer));
    const confident = res.rows.every((r) => r.confident);
    for (const r of res.rows) exitCounts[r.layer - 1]!++;
    questionExitCounts[layer - 1]!++;
    if (!confident) notConfident++;
    const best = answer.nbest.find((n) => n.text === answer.text);
    answers.push({
      id: ex.id, text: answer.text, span: answer.text === '' || best?.offsets == null ? null : [best.offsets[0], best.offsets[1]],
      probability: best?.probability ?? 0, scoreDiff: answer.scoreDiff ?? 0, layer,
      entropy: Math.max(...res.rows.map((r) => r.entropy)), confident, features: batch, ms: s.now() - start,
    });
    s.onProgress?.(i + 1, examples.length);
  });
  return {
    answers,
    stats: {
      exitCounts, questionExitCounts, notConfidentQuestions: notConfident, features: features.length,
      meanLayers: features.length === 0 ? 0 : rowLayers / features.length, totalMs: s.now() - t0,
    },
  };
}
