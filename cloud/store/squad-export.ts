/**
 * Stored questions as a SQuAD 2.0 data set (the format `engine/squad/dataset.ts` reads): one article
 * per distinct context (in order of first appearance), one paragraph holding it, one qa per stored
 * question with id `<device>#<request id>`.
 *
 * The answer is a person's correction when there is one, otherwise the cloud's answer; '' is no
 * answer (`is_impossible: true`, `answers: []`). answer_start is the cloud's character start when the
 * context reads the answer text there, otherwise the text's first occurrence in the context; an
 * answer the context does not contain cannot be a SQuAD answer: that question is left out and listed
 * in `skipped`.
 */
import { contextHash, type StoredQuestion } from './question-store.ts';

export interface SquadQa {
  id: string;
  question: string;
  answers: { text: string; answer_start: number }[];
  is_impossible: boolean;
}

export interface SquadJson {
  version: string;
  data: { title: string; paragraphs: { context: string; qas: SquadQa[] }[] }[];
}

export interface SquadExport {
  json: SquadJson;
  /** Questions written, of them with a person's correction, and with no answer. */
  questions: number;
  corrected: number;
  impossible: number;
  articles: number;
  /** Questions left out: their answer is not in their context. */
  skipped: { id: string; reason: string }[];
}

export function questionId(q: { device: string; requestId: number }): string {
  return `${q.device}#${q.requestId}`;
}

export function toSquad(questions: readonly StoredQuestion[]): SquadExport {
  const articles = new Map<string, { title: string; paragraphs: [{ context: string; qas: SquadQa[] }] }>();
  const out: SquadExport = { json: { version: 'v2.0', data: [] }, questions: 0, corrected: 0, impossible: 0, articles: 0, skipped: [] };
  for (const q of questions) {
    const id = questionId(q);
    const corrected = q.correction !== undefined;
    const text = corrected ? q.correction! : q.cloud.text;
    let answers: SquadQa['answers'] = [];
    if (text !== '') {
      const start = !corrected && q.context.startsWith(text, q.cloud.start) ? q.cloud.start : q.context.indexOf(text);
      if (start < 0) {
        out.skipped.push({ id, reason: `the ${corrected ? 'correction' : "cloud's answer"} ${JSON.stringify(text)} is not in its context` });
        continue;
      }
      answers = [{ text, answer_start: start }];
    }
    let article = articles.get(q.context);
    if (article === undefined) {
      article = { title: `context ${contextHash(q.context).slice(0, 12)}`, paragraphs: [{ context: q.context, qas: [] }] };
      articles.set(q.context, article);
      out.json.data.push(article);
    }
    article.paragraphs[0].qas.push({ id, question: q.question, answers, is_impossible: text === '' });
    out.questions++;
    if (corrected) out.corrected++;
    if (text === '') out.impossible++;
  }
  out.articles = out.json.data.length;
  return out;
}
