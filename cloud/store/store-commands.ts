/**
 * The logic of `elma cloud export` and `elma cloud corrections`, as functions the CLI calls.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../common/node/atomic-file.ts';
import { parseSquad, SquadFormatError } from '../../engine/squad/dataset.ts';
import { openStore, type StoreOptions } from './question-store.ts';
import { toSquad } from './squad-export.ts';

export interface ExportCounts {
  questions: number;
  articles: number;
  corrected: number;
  impossible: number;
  /** Questions left out, each with why (their answer is not in their context). */
  skipped: { id: string; reason: string }[];
}

/** Writes every stored question to `out` as SQuAD 2.0 JSON (written whole or not at all). */
export async function exportStore(spec: string, out: string, opts: StoreOptions = {}): Promise<ExportCounts> {
  const store = await openStore(spec, { existing: true, ...opts });
  let ex;
  try {
    ex = toSquad(await store.list());
  } finally {
    await store.close();
  }
  try {
    writeFileAtomic(out, `${JSON.stringify(ex.json)}\n`);
  } catch (e) {
    throw new SquadFormatError(out, `cannot be written (${(e as Error).message})`);
  }
  return { questions: ex.questions, articles: ex.articles, corrected: ex.corrected, impossible: ex.impossible, skipped: ex.skipped };
}

export interface CorrectionCounts {
  /** Questions in the correction file. */
  corrections: number;
  /** Stored questions they apply to, in all. */
  applied: number;
  /** Corrections that match no stored question yet (kept: they apply to questions stored later). */
  unmatched: number;
}

/**
 * Applies a person's answers: a SQuAD JSON file whose answers are the fixed ones (the first answer of
 * each question; `is_impossible` or no answers: no answer). Matched by context and question text.
 */
export async function applyCorrections(spec: string, squadJsonPath: string, opts: StoreOptions = {}): Promise<CorrectionCounts> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(squadJsonPath, 'utf8'));
  } catch (e) {
    throw new SquadFormatError(squadJsonPath, `cannot be read as JSON (${(e as Error).message})`);
  }
  const examples = parseSquad(json, { source: squadJsonPath });
  const store = await openStore(spec, { existing: true, ...opts });
  const counts: CorrectionCounts = { corrections: 0, applied: 0, unmatched: 0 };
  try {
    for (const ex of examples) {
      const answer = ex.isImpossible || ex.answers.length === 0 ? '' : ex.answers[0]!.text;
      const n = await store.correct(ex.context, ex.question, answer);
      counts.corrections++;
      counts.applied += n;
      if (n === 0) counts.unmatched++;
    }
  } finally {
    await store.close();
  }
  return counts;
}
