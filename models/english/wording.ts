/**
 * How much of a question's wording its answering sentence shares: the content words of the
 * question (not function words, not the names of what it asks about), crudely lemmatised, and the
 * share of them found in the sentence. A lexical question (level 1) shares half or more; a
 * paraphrase (level 2) less. Measured on the text, not assumed from the templates.
 */

const STOP = new Set(('a an the in on at to of by for from with and or as is was were are be been did does do what which who whom whose when where how many much '
  + 'that this it its his her their she he they there than since into about after before over under long').split(' '));
const IRREGULAR: Readonly<Record<string, string>> = {
  had: 'have', has: 'have', won: 'win', grew: 'grow', wrote: 'write', written: 'write', made: 'make', led: 'lead', took: 'take', born: 'bear',
  bought: 'buy', built: 'build', ran: 'run', began: 'begin', begun: 'begin', went: 'go', gone: 'go', taught: 'teach', held: 'hold',
  became: 'become', given: 'give', gave: 'give', left: 'leave', met: 'meet', sold: 'sell', children: 'child', people: 'person',
};

export function lemma(w: string): string {
  const base = IRREGULAR[w] ?? w.replace(/'s$/, '');
  return base.length > 4 ? base.replace(/(ing|ied|ies|ed|es|s|e)$/, '') : base;
}

export function words(s: string): string[] {
  return s.toLowerCase().match(/[a-z][a-z'-]*/g) ?? [];
}

/** The question's content-word lemmas, without those of `names` (the entities it names). */
export function contentLemmas(question: string, names: readonly string[]): string[] {
  const named = new Set(names.flatMap(words).map(lemma));
  return words(question).filter((w) => !STOP.has(w)).map(lemma).filter((w) => !named.has(w));
}

/** The share of the question's content words that the sentence has (1 when it has none). */
export function overlap(question: string, sentence: string, names: readonly string[]): number {
  const content = contentLemmas(question, names);
  if (content.length === 0) return 1;
  const have = new Set(words(sentence).map(lemma));
  return content.filter((w) => have.has(w)).length / content.length;
}
