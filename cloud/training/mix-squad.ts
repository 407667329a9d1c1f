/**
 * Mixing SQuAD 2.0 files article by article (`elma data mix`): the articles of every input, each
 * input kept in its own order, interleaved in proportion to the inputs' sizes, so that any stretch
 * of the mixed file (and so any batch after the trainer's shuffle of a prefix, or a run stopped
 * early) holds the inputs in about their shares. Used to fine-tune a model on a new generator's
 * English with replay of its original data (README, "An English-reading model"). Deterministic: the same
 * inputs give the same bytes. Question ids must be unique across the inputs.
 */
import { DataError } from '../../runtime/data/errors.ts';

export interface SquadArticleFile {
  readonly source: string;
  readonly articles: readonly unknown[];
}

/** The articles of a parsed SQuAD JSON file, checked enough to mix (parseSquad checks the rest when it is read). */
export function squadArticles(json: unknown, source: string): SquadArticleFile {
  const data = (json as { data?: unknown } | null)?.data;
  if (typeof json !== 'object' || json === null || !Array.isArray(data)) throw new DataError(source, 'is not SQuAD JSON (no "data" array)');
  return { source, articles: data };
}

function questionIds(article: unknown, source: string, index: number): string[] {
  const paragraphs = (article as { paragraphs?: unknown } | null)?.paragraphs;
  if (!Array.isArray(paragraphs)) throw new DataError(source, `data[${index}] has no "paragraphs" array`);
  return paragraphs.flatMap((p: unknown, pi) => {
    const qas = (p as { qas?: unknown } | null)?.qas;
    if (!Array.isArray(qas)) throw new DataError(source, `data[${index}].paragraphs[${pi}] has no "qas" array`);
    return qas.map((q: unknown, qi) => {
      const id = (q as { id?: unknown } | null)?.id;
      if (typeof id !== 'string') throw new DataError(source, `data[${index}].paragraphs[${pi}].qas[${qi}] has no string "id"`);
      return id;
    });
  });
}

/**
 * The mixed article order: at each step the first input (in the order given) that is not exhausted
 * and has had no more than its share of the articles taken so far; the last input when none has;
 * the first one left when the last is exhausted.
 */
export function mixSquad(inputs: readonly SquadArticleFile[]): { version: 'v2.0'; data: unknown[] } {
  if (inputs.length < 2) throw new DataError(inputs[0]?.source ?? 'mix', 'is the only input: mixing takes two files or more');
  const seen = new Map<string, string>();
  inputs.forEach((f) => f.articles.forEach((a, i) => {
    for (const id of questionIds(a, f.source, i)) {
      const other = seen.get(id);
      if (other !== undefined) throw new DataError(f.source, `question id "${id}" is also in ${other} (ids must be unique across the inputs; make them with different generators or seeds)`);
      seen.set(id, f.source);
    }
  }));
  const total = inputs.reduce((s, f) => s + f.articles.length, 0);
  const shares = inputs.map((f) => f.articles.length / total);
  const taken = inputs.map(() => 0);
  const data: unknown[] = [];
  while (data.length < total) {
    let k = inputs.findIndex((f, i) => i < inputs.length - 1 && taken[i]! < f.articles.length && taken[i]! / (data.length + 1e-9) <= shares[i]!);
    if (k < 0) k = taken[inputs.length - 1]! < inputs[inputs.length - 1]!.articles.length ? inputs.length - 1 : taken.findIndex((n, i) => n < inputs[i]!.articles.length);
    data.push(inputs[k]!.articles[taken[k]!]);
    taken[k]!++;
  }
  return { version: 'v2.0', data };
}
