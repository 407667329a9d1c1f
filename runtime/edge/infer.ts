/**
 * One question on the device (what the inference worker runs): the question's features (long
 * contexts are split into windows by buildFeatures) go through the early-exit loop as one batch,
 * the answer is extracted, and when a feature reaches the depth limit unsure the result carries
 * what an `offload` needs. The hidden-state form is used only when every feature reached the depth
 * limit unsure (otherwise some feature has no hidden state there): the states at the depth limit,
 * cut to the longest feature's used length, with its token ids and attention mask. A context or
 * question the model cannot read (empty, or mostly characters its vocabulary lacks) is refused with
 * an UnreadableTextError (engine/qa/readable-text.ts).
 */
import { runEarlyExit } from '../../engine/exit/early-exit.ts';
import { extractAnswer, type FeatureLogits } from '../../engine/squad/answers.ts';
import { buildFeatures } from '../../engine/squad/features.ts';
import { featureBatch } from '../../engine/qa/feature-batch.ts';
import { checkReadable } from '../../engine/qa/readable-text.ts';
import { encodeHiddenOffload } from '../../transport/offload-codec.ts';
import type { QaBundle } from '../qa-bundle.ts';

export interface DeviceAnswer {
  readonly text: string;
  readonly start: number;
  readonly end: number;
  /** Probability of the answer among the n-best. */
  readonly score: number;
  /** Deepest exit layer among the features. */
  readonly layer: number;
  /** Highest exit entropy among the features, and the threshold of its exit layer. */
  readonly entropy: number;
  readonly threshold: number;
  readonly confident: boolean;
  readonly features: number;
  readonly ms: number;
  /** For an unsure question: the byte fields of the offload (text form when not `hidden`). */
  readonly offload?: { hidden_layer: number; seq: number; hidden: Uint8Array; input_ids: Uint8Array; attention_mask: Uint8Array };
}

export function answerOnDevice(qa: QaBundle, context: string, question: string, form: 'text' | 'hidden'): DeviceAnswer {
  const s = qa.settings;
  const t0 = performance.now();
  // Refused before the model runs (and before anything is offloaded: the cloud's vocabulary is the
  // same): the console and the JSON lines say why instead of a confident "(no answer)".
  checkReadable(qa.tokenizer, context, 'the context');
  checkReadable(qa.tokenizer, question, 'the question');
  const ex = { id: 'q', title: '', question, context, answers: [], isImpossible: false };
  const feats = buildFeatures([ex], qa.tokenizer, { maxLength: s.maxSeqLength, docStride: s.docStride });
  const seq = s.maxSeqLength;
  const batch = feats.length;
  const { inputs, context: ctx } = featureBatch(feats, seq);
  const { inputIds, attentionMask } = inputs;
  const res = runEarlyExit(qa.model, inputs, ctx, s.policy,
    { maxAnswerLength: s.maxAnswerLength, keepHidden: form === 'hidden' });
  const logits: FeatureLogits[] = res.rows.map((r, b) => ({ offsets: feats[b]!.offset_mapping, start: r.start, end: r.end }));
  const answer = extractAnswer(context, logits, {
    versionTwoWithNegative: true, nBestSize: s.nBestSize, maxAnswerLength: s.maxAnswerLength, nullScoreDiffThreshold: s.nullScoreDiffThreshold, wholeWords: true,
  }, 'question');
  const layer = Math.max(...res.rows.map((r) => r.layer));
  const worst = res.rows.reduce((a, r) => (r.entropy > a.entropy ? r : a));
  const confident = res.rows.every((r) => r.confident);
  const best = answer.nbest.find((n) => n.text === answer.text);
  let offload: DeviceAnswer['offload'];
  if (!confident) {
    if (form === 'hidden' && res.rows.every((r) => !r.confident && r.hidden !== undefined)) {
      const H = qa.model.config.hiddenSize;
      let used = 1;
      for (let b = 0; b < batch; b++) for (let j = seq - 1; j >= used; j--) if (attentionMask[b * seq + j] !== 0) { used = j + 1; break; }
      const hidden = new Float32Array(batch * used * H);
      const ids = new Int32Array(batch * used), mask = new Int32Array(batch * used);
      res.rows.forEach((r, b) => {
        hidden.set(r.hidden!.subarray(0, used * H), b * used * H);
        ids.set(inputIds.subarray(b * seq, b * seq + used), b * used);
        mask.set(attentionMask.subarray(b * seq, b * seq + used), b * used);
      });
      offload = encodeHiddenOffload(hidden, ids, mask, used, s.policy.depthLimit);
    } else {
      offload = { hidden_layer: 0, seq: 0, hidden: new Uint8Array(0), input_ids: new Uint8Array(0), attention_mask: new Uint8Array(0) };
    }
  }
  const start = best?.offsets?.[0] ?? -1;
  const end = best?.offsets?.[1] ?? -1;
  return {
    text: answer.text, start: answer.text === '' ? -1 : start, end: answer.text === '' ? -1 : end, score: best?.probability ?? 0, layer,
    entropy: worst.entropy, threshold: s.policy.thresholds[worst.layer - 1] ?? 0, confident, features: batch, ms: performance.now() - t0,
    ...(offload === undefined ? {} : { offload }),
  };
}
