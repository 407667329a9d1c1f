/**
 * What retraining reads of a stored hard question (cloud/store/question-store.ts `StoredQuestion`
 * has these fields and more, so a store's list() can be passed as it is), and its label: a
 * person's correction when there is one, else the cloud's answer (the full model's span).
 */
import type { SquadExample } from '../../engine/squad/dataset.ts';

export interface RetrainQuestion {
  readonly device: string;
  readonly requestId: number;
  readonly context: string;
  readonly question: string;
  /** The cloud's (full model's) answer: text and its character span [start, end) in the context; '' = no answer. */
  readonly cloud: { readonly text: string; readonly start: number; readonly end: number };
  /** A person's fixed answer ('' = no answer); takes precedence over the cloud's. */
  readonly correction?: string;
}

/**
 * The label of a question as a place in its context: `{ text: '', start: -1 }` for "no answer",
 * or null when the answer text is not in the context (a correction that is not a span of it:
 * an extractive model cannot learn it).
 */
export function questionLabel(q: RetrainQuestion): { text: string; start: number } | null {
  const want = q.correction ?? q.cloud.text;
  if (want === '') return { text: '', start: -1 };
  if (want === q.cloud.text && q.context.slice(q.cloud.start, q.cloud.end) === want) return { text: want, start: q.cloud.start };
  const at = q.context.indexOf(want);
  return at < 0 ? null : { text: want, start: at };
}

/** The questions as labelled SQuAD examples (ids `device#requestId`); unplaceable ones are counted, not kept. */
export function questionExamples(questions: readonly RetrainQuestion[]): { examples: SquadExample[]; unplaced: number } {
  const examples: SquadExample[] = [];
  let unplaced = 0;
  for (const q of questions) {
    const label = questionLabel(q);
    if (label === null) { unplaced++; continue; }
    const impossible = label.text === '';
    examples.push({
      id: `${q.device}#${q.requestId}`, title: 'stored hard questions', question: q.question, context: q.context,
      answers: impossible ? [] : [{ text: label.text, answer_start: label.start }], isImpossible: impossible,
    });
  }
  return { examples, unplaced };
}
