/**
 * SQuAD 1.1 / 2.0 data sets: validation of the JSON format and flattening into examples.
 *
 * Format (https://rajpurkar.github.io/SQuAD-explorer/, dev-v2.0.json):
 *   { version, data: [ { title, paragraphs: [ { context, qas: [ { id, question, answers: [ {text, answer_start} ],
 *     is_impossible?, plausible_answers? } ] } ] } ] }
 * Every problem is reported with the JSON path of the field at fault, e.g.
 * `data[0].paragraphs[3].qas[1].answers[0].answer_start`.
 */
import { ElmaError } from '../errors.ts';

/** A file that is not in SQuAD format or whose answers do not match their context. */
export class SquadFormatError extends ElmaError {}

export interface SquadAnswer {
  readonly text: string;
  readonly answer_start: number;
}

export interface SquadExample {
  readonly id: string;
  readonly title: string;
  readonly question: string;
  readonly context: string;
  /** Gold answers; empty for SQuAD 2.0 unanswerable questions. */
  readonly answers: readonly SquadAnswer[];
  readonly isImpossible: boolean;
  /** Difficulty tag of generated data (`elma data synth`), when the file has one. */
  readonly level?: string;
}

export interface ParseOptions {
  /** Name of the file, for error messages. */
  readonly source?: string;
  /** Check that each answer's text is found at answer_start in the context (default true). */
  readonly checkAnswerStarts?: boolean;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/** Parse a SQuAD data set (already JSON-decoded) into examples, in file order. */
export function parseSquad(json: unknown, opts: ParseOptions = {}): SquadExample[] {
  const src = opts.source ?? 'squad';
  const check = opts.checkAnswerStarts ?? true;
  const fail = (path: string, problem: string): never => {
    throw new SquadFormatError(`${src}: ${path}`, problem);
  };
  if (!isObject(json)) fail('(top level)', 'is not a JSON object with a "data" list: not a SQuAD file');
  const data = (json as Record<string, unknown>).data;
  if (!Array.isArray(data)) fail('data', 'is missing or not a list: not a SQuAD file');
  const examples: SquadExample[] = [];
  const seen = new Set<string>();
  (data as unknown[]).forEach((article, ai) => {
    const ap = `data[${ai}]`;
    if (!isObject(article)) fail(ap, 'is not an object');
    const a = article as Record<string, unknown>;
    const title = typeof a.title === 'string' ? a.title : '';
    if (!Array.isArray(a.paragraphs)) fail(`${ap}.paragraphs`, 'is missing or not a list');
    (a.paragraphs as unknown[]).forEach((para, pi) => {
      const pp = `${ap}.paragraphs[${pi}]`;
      if (!isObject(para)) fail(pp, 'is not an object');
      const p = para as Record<string, unknown>;
      if (typeof p.context !== 'string') fail(`${pp}.context`, 'is missing or not a string');
      const context = p.context as string;
      if (context.trim() === '') fail(`${pp}.context`, 'is empty');
      if (!Array.isArray(p.qas)) fail(`${pp}.qas`, 'is missing or not a list');
      (p.qas as unknown[]).forEach((qa, qi) => {
        const qp = `${pp}.qas[${qi}]`;
        if (!isObject(qa)) fail(qp, 'is not an object');
        const q = qa as Record<string, unknown>;
        if (typeof q.id !== 'string' || q.id === '') fail(`${qp}.id`, 'is missing or not a non-empty string');
        if (seen.has(q.id as string)) fail(`${qp}.id`, `duplicate question id ${JSON.stringify(q.id)}`);
        seen.add(q.id as string);
        if (typeof q.question !== 'string') fail(`${qp}.question`, 'is missing or not a string');
        const isImpossible = q.is_impossible === true;
        if (q.is_impossible !== undefined && typeof q.is_impossible !== 'boolean') fail(`${qp}.is_impossible`, 'is not a boolean');
        const rawAnswers = q.answers ?? [];
        if (!Array.isArray(rawAnswers)) fail(`${qp}.answers`, 'is not a list');
        const answers: SquadAnswer[] = [];
        (rawAnswers as unknown[]).forEach((ans, xi) => {
          const xp = `${qp}.answers[${xi}]`;
          if (!isObject(ans)) fail(xp, 'is not an object');
          const x = ans as Record<string, unknown>;
          if (typeof x.text !== 'string') fail(`${xp}.text`, 'is missing or not a string');
          if (!Number.isSafeInteger(x.answer_start) || (x.answer_start as number) < 0) {
            fail(`${xp}.answer_start`, `is ${JSON.stringify(x.answer_start)}, not a non-negative integer`);
          }
          const text = x.text as string;
          const start = x.answer_start as number;
          if (check && context.slice(start, start + text.length) !== text) {
            fail(`${xp}.answer_start`, `context at ${start} reads ${JSON.stringify(context.slice(start, start + text.length))}, not the answer text ${JSON.stringify(text)}`);
          }
          answers.push({ text, answer_start: start });
        });
        if (isImpossible && answers.length > 0) fail(`${qp}.answers`, 'is_impossible is true but answers are given');
        if (q.level !== undefined && typeof q.level !== 'string') fail(`${qp}.level`, 'is not a string');
        examples.push({
          id: q.id as string, title, question: q.question as string, context, answers, isImpossible,
          ...(typeof q.level === 'string' ? { level: q.level } : {}),
        });
      });
    });
  });
  return examples;
}
