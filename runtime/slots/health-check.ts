/**
 * The trial health check (issue 6: "the health check loads the model, answers the golden questions
 * correctly within a latency budget"). Each golden question of the manifest is answered by the
 * model with the bundle's own exit policy; an answer passes when it equals the expected one after
 * SQuAD's normalize_answer (engine/squad/metric.ts: case, punctuation, articles, whitespace), and
 * took at most the budget. A bundle with no golden questions fails: nothing would prove it works.
 * Platform-neutral: the caller loads the model (node/slot-model.ts) and supplies the clock.
 */
import type { AlbertModel } from '../../engine/albert/model.ts';
import { answerQuestions, type QaRunSettings } from '../../engine/qa/answer-questions.ts';
import { normalizeAnswer } from '../../engine/squad/metric.ts';
import type { SquadExample } from '../../engine/squad/dataset.ts';
import type { AlbertTokenizer } from '../../engine/tokenizer/albert-tokenizer.ts';
import type { GoldenQuestion } from '../../models/bundle/manifest.ts';

/** Default per-question budget: generous for a Jetson-class CPU answering a short golden question. */
export const DEFAULT_LATENCY_BUDGET_MS = 2000;

export interface GoldenResult {
  readonly question: string;
  readonly expected: string;
  readonly got: string;
  readonly ms: number;
  readonly pass: boolean;
}

export interface HealthResult {
  readonly pass: boolean;
  /** One line: why it failed, or how many questions passed. */
  readonly summary: string;
  readonly results: readonly GoldenResult[];
}

export function healthCheck(model: AlbertModel, tokenizer: AlbertTokenizer, settings: QaRunSettings,
  golden: readonly GoldenQuestion[], budgetMs: number): HealthResult {
  if (golden.length === 0) return { pass: false, summary: 'the manifest has no golden questions, so nothing proves the model works', results: [] };
  const examples: SquadExample[] = golden.map((g, i) => ({
    id: `golden-${i}`, title: 'golden', question: g.question, context: g.context,
    answers: g.answer === '' ? [] : [{ text: g.answer, answer_start: Math.max(0, g.context.indexOf(g.answer)) }], isImpossible: g.answer === '',
  }));
  const { answers } = answerQuestions(model, tokenizer, examples, settings);
  const results = answers.map((a, i): GoldenResult => {
    const g = golden[i]!;
    const pass = normalizeAnswer(a.text) === normalizeAnswer(g.answer) && a.ms <= budgetMs;
    return { question: g.question, expected: g.answer, got: a.text, ms: Math.round(a.ms * 10) / 10, pass };
  });
  const wrong = results.findIndex((r) => normalizeAnswer(r.got) !== normalizeAnswer(r.expected));
  if (wrong >= 0) {
    const r = results[wrong]!;
    return { pass: false, summary: `golden[${wrong}] ${JSON.stringify(r.question)}: answered ${JSON.stringify(r.got)}, expected ${JSON.stringify(r.expected)}`, results };
  }
  const slow = results.findIndex((r) => r.ms > budgetMs);
  if (slow >= 0) return { pass: false, summary: `golden[${slow}] took ${results[slow]!.ms} ms, over the ${budgetMs} ms budget`, results };
  return { pass: true, summary: `${results.length} golden questions answered correctly within ${budgetMs} ms each`, results };
}
