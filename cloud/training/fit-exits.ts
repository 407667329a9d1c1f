/**
 * Early exits for any checkpoint (issue 15, `elma exits fit`): a model imported from Hugging Face
 * has no exit heads (import-hf copies its final QA head into every exit), and a user has questions
 * and contexts but no answers. Self-distillation needs none: the model's own final layer labels
 * the questions (its answer, or no answer), the exit heads learn from those labels and the final
 * layer's distributions (engine/train/train-exits.ts: DeeBERT's stage 2 with Hinton's distillation,
 * the backbone frozen), and the thresholds are calibrated on a held-out part against the same
 * labels: early exit then agrees with the full model within the F1 target (Zhu, "LeeBERT"; Liu et
 * al., "FastBERT: a self-distilling BERT with adaptive inference time", ACL 2020, §3.3).
 */
import type { AlbertModel } from '../../engine/albert/model.ts';
import { answerQuestions, type QaRunSettings } from '../../engine/qa/answer-questions.ts';
import type { SquadExample } from '../../engine/squad/dataset.ts';
import { buildFeatures } from '../../engine/squad/features.ts';
import type { AlbertTokenizer } from '../../engine/tokenizer/albert-tokenizer.ts';
import { compactTrainFeatures } from '../../engine/train/train-data.ts';
import { trainExitHeads } from '../../engine/train/train-exits.ts';
import { TrainingError } from '../../engine/train/train-backbone.ts';
import { calibrateExits, type CalibratedExits } from './calibrate-exits.ts';

export interface FitExitsOptions {
  /** Part of the questions kept for calibration (default 0.2; at least 50 questions). */
  readonly devFraction?: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
  readonly depthLimit: number;
  readonly maxF1Drop: number;
  readonly maxDeviceF1Drop?: number;
  /** Start every exit head from the final QA head, as an imported checkpoint has them (models/hf-import.ts). */
  readonly reinit?: boolean;
  readonly log: (line: string) => void;
}

export interface FitExitsResult extends CalibratedExits {
  readonly trainQuestions: number;
  readonly devQuestions: number;
  /** Of all questions, how many the full model answers (the rest it labels "no answer"). */
  readonly answered: number;
}

/** Every question labelled with the full model's own answer (its span, or unanswerable). */
export function selfLabel(model: AlbertModel, tokenizer: AlbertTokenizer, questions: readonly SquadExample[], settings: QaRunSettings,
  onProgress?: (done: number, total: number) => void): SquadExample[] {
  const L = model.config.numHiddenLayers;
  const full: QaRunSettings = { ...settings, policy: { thresholds: new Array<number>(L).fill(0), depthLimit: L }, ...(onProgress === undefined ? {} : { onProgress }) };
  const { answers } = answerQuestions(model, tokenizer, questions, full);
  return questions.map((q, i) => {
    const a = answers[i]!;
    const answered = a.span !== null && a.text !== '';
    return { ...q, answers: answered ? [{ text: a.text, answer_start: a.span![0] }] : [], isImpossible: !answered };
  });
}

/** A hash of the id: the split is deterministic and does not depend on the file's order. */
function rank(id: string, seed: number): number {
  let h = 2166136261 ^ seed;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return h >>> 0;
}

export function fitExits(model: AlbertModel, tokenizer: AlbertTokenizer, questions: readonly SquadExample[], settings: QaRunSettings, o: FitExitsOptions): FitExitsResult {
  if (questions.length < 100) throw new TrainingError('questions', `${questions.length} are too few to fit and calibrate exits: give at least 100 (a few thousand fit well)`);
  if (o.reinit === true) {
    // What an imported checkpoint has (models/hf-import.ts): every exit a copy of the final QA head.
    const final = model.weights.qaOutputs!;
    for (const h of model.weights.exitHeads) {
      h.weight.set(final.weight);
      h.bias.set(final.bias);
    }
  }
  let lastLog = 0;
  const labelled = selfLabel(model, tokenizer, questions, settings, (d, n) => {
    if (d === n || performance.now() - lastLog > 10_000) { lastLog = performance.now(); o.log(`labelling with the full model: ${d}/${n} questions`); }
  });
  // The calibration part: `devFraction` of the questions, at least 50, chosen by the hash of their ids.
  const byRank = [...labelled].sort((a, b) => rank(a.id, o.seed) - rank(b.id, o.seed));
  const nDev = Math.min(labelled.length - 1, Math.max(50, Math.round((o.devFraction ?? 0.2) * labelled.length)));
  const dev = byRank.slice(0, nDev);
  const train = byRank.slice(nDev);
  const answered = labelled.filter((q) => !q.isImpossible).length;
  o.log(`labelled ${labelled.length} questions with the full model (${answered} answered, ${labelled.length - answered} no answer); fitting on ${train.length}, calibrating on ${dev.length}`);
  const fopts = { maxLength: settings.maxSeqLength, docStride: settings.docStride };
  const trainFeatures = compactTrainFeatures(buildFeatures(train, tokenizer, fopts));
  const devFeatures = buildFeatures(dev, tokenizer, fopts);
  lastLog = 0;
  trainExitHeads(model, trainFeatures, {
    epochs: o.epochs, batchSize: o.batchSize, learningRate: o.learningRate, warmupRatio: 0.1, seed: o.seed, now: () => performance.now(),
    onProgress: (p) => {
      if (p.step === p.totalSteps || performance.now() - lastLog > 10_000) { lastLog = performance.now(); o.log(`exits: step ${p.step}/${p.totalSteps}, loss ${p.loss.toFixed(4)}`); }
    },
  });
  const cal = calibrateExits(model, dev, devFeatures, {
    depthLimit: o.depthLimit, maxF1Drop: o.maxF1Drop, ...(o.maxDeviceF1Drop === undefined ? {} : { maxDeviceF1Drop: o.maxDeviceF1Drop }), log: o.log,
  });
  return { ...cal, trainQuestions: train.length, devQuestions: dev.length, answered };
}
