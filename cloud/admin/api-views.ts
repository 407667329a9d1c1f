/**
 * How the admin API writes what FleetAdmin returns. Devices and rollouts go out as they are (their
 * Dates as ISO-8601 strings, JSON.stringify's way); a stored question leaves its soft labels behind:
 * per feature the top-k start and end logits, kilobytes each, which only retraining reads.
 */
import type { StoredQuestion } from '../store/question-store.ts';

export interface QuestionView {
  readonly seq: number;
  readonly device: string;
  readonly receivedAt: Date;
  readonly modelId: string;
  readonly modelVersion: number;
  readonly question: string;
  readonly context: string;
  readonly deviceExit: { readonly layer: number; readonly entropy: number; readonly text: string };
  readonly cloud: { readonly text: string; readonly score: number; readonly layer: number };
  /** A person's correction ('' = no answer); null when there is none. */
  readonly correction: string | null;
}

export function questionView(q: StoredQuestion): QuestionView {
  return {
    seq: q.seq,
    device: q.device,
    receivedAt: q.receivedAt,
    modelId: q.modelId,
    modelVersion: q.modelVersion,
    question: q.question,
    context: q.context,
    deviceExit: { layer: q.deviceExit.layer, entropy: q.deviceExit.entropy, text: q.deviceExit.text },
    cloud: { text: q.cloud.text, score: q.cloud.score, layer: q.cloud.layer },
    correction: q.correction ?? null,
  };
}
