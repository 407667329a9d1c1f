/**
 * A question's SQuAD windows as one model batch: rows of `seq` tokens (padded), and the mask of
 * the tokens that may start or end an answer (the context part of each window), as the early-exit
 * loop takes them.
 */
import type { ModelInputs } from '../albert/model.ts';
import type { SquadFeature } from '../squad/features.ts';

export function featureBatch(feats: readonly SquadFeature[], seq: number): { inputs: ModelInputs; context: Int32Array } {
  const batch = feats.length;
  const inputIds = new Int32Array(batch * seq), tokenTypeIds = new Int32Array(batch * seq), attentionMask = new Int32Array(batch * seq);
  const context = new Int32Array(batch * seq);
  feats.forEach((f, b) => {
    inputIds.set(f.input_ids, b * seq);
    tokenTypeIds.set(f.token_type_ids, b * seq);
    attentionMask.set(f.attention_mask, b * seq);
    f.offset_mapping.forEach((o, j) => { if (o !== null) context[b * seq + j] = 1; });
  });
  return { inputs: { batch, seq, inputIds, tokenTypeIds, attentionMask }, context };
}
