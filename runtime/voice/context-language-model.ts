/**
 * The recogniser biased to the text being asked about (issue 17): a trigram model (arpa-lm.ts) of
 * what a question about this context can say, built when the context is set, with a dictionary
 * of exactly its words. The weighted sentences it learns from:
 *
 *  - the context's sentences, numbers said in words (each reading, number-words.ts);
 *  - the same clauses with their auxiliary taken out ("the brewery was founded by …" → "the
 *    brewery founded by …" and "the brewery founded"), the word order of an inverted question
 *    after "when was …";
 *  - question openings followed by an auxiliary ("when was", "how many people did"), and each
 *    auxiliary followed by each name in the context ("was the Bosnalia Brewery", "did Ara
 *    Birrenko"), so trigrams chain an opening to a name to the context's verbs;
 *  - "which"/"what" before the nouns questions ask for, and the collocations questions are made
 *    of ("runs through", "is known for"), whatever the text (question-forms.ts);
 *  - a general question vocabulary (question-forms.ts), one word a line, so that a question may
 *    use words the context lacks.
 *
 * That model is then mixed with two others (arpa-lm.ts writes the mixture): question patterns
 * about the context's names in words the text may not use ("where did Maria Kowalski study",
 * "Kowalski's birthplace", "the population of Gdansk", "how many bridges": patternSentences), and
 * the generic model's frequent n-grams (generic-ngrams.ts), so a question worded in ordinary
 * English has its word order modelled too.
 *
 * A closed vocabulary: a word outside these cannot be heard, which is the price of hearing names.
 * The weights were chosen on the tuning sets (bench/voice-tune.ts: synthetic seeds 7 to 10 and 61
 * and hand-written paragraphs of their own), not on the benchmark's seed 51.
 */
import type { GenericUnigram } from './generic-unigrams.ts';
import type { Lexicon } from './pronunciations.ts';
import { espeakPronunciations } from './pronunciations.ts';
import { estimateTrigramModel, writeMixedArpa, type NgramCount, type WeightedSentence } from './arpa-lm.ts';
import type { GenericNgrams } from './generic-ngrams.ts';
import { spokenForms } from './number-words.ts';
import { generateQuestions, makeLemmatiser } from './question-generator.ts';
import { AUXILIARIES, COUNT_NOUNS, QUESTION_NOUNS, QUESTION_OPENINGS, QUESTION_PHRASES, QUESTION_VERBS, QUESTION_VOCABULARY, RELATIONAL_NOUNS } from './question-forms.ts';
import { sentencesOf, textWords, type TextWord } from './spoken-words.ts';

export interface ContextLanguageModel {
  /** The model, ARPA text for `-lm`. */
  readonly arpa: string;
  /** The pronunciation dictionary of every word in the model, text for `-dict`. */
  readonly dictionary: string;
  readonly words: number;
  /** Words pronounced by the letter-to-sound step (not in the CMU dictionary), as written. */
  readonly spelledOut: readonly string[];
  /** Words that got no pronunciation and were left out of the model. */
  readonly unpronounced: readonly string[];
  /** A number as said ("seventeen forty nine") → as the context writes it ("1749"). */
  readonly numbers: ReadonlyMap<string, string>;
  /** A word as recognised ("kowalski") → as the context writes it ("Kowalski"). */
  readonly surfaces: ReadonlyMap<string, string>;
}

export interface BiasWeights {
  readonly sentence: number;
  readonly clause: number;
  readonly opening: number;
  readonly auxName: number;
  /** Unigram count of each word of the question vocabulary. */
  readonly vocabulary: number;
  /**
   * "which" and "what" before each of QUESTION_NOUNS (and those before each auxiliary), and the
   * collocations of QUESTION_PHRASES as fragments: their weight in all, each half of it.
   */
  readonly phrases: number;
  /** The most common words of the generic model taken into the background, and their unigram counts in all. */
  readonly genericWords: number;
  readonly generic: number;

  /** Questions generated from each sentence (question-generator.ts), their weight in all. */
  readonly generated: number;

  /**
   * The mixture weight of the generic model's frequent n-grams (generic-ngrams.ts), 0 for none:
   * the biased model is (1 − genericMix − patterns) · context + patterns · patterns' model +
   * genericMix · generic (arpa-lm.ts).
   */
  readonly genericMix: number;
  /** The n-grams of the generic model taken: those with a probability of at least this. */
  readonly genericMinProbability: number;
  /**
   * The mixture weight of the question patterns about the context's names (patternSentences), 0
   * for none: a component of its own, so each pattern gets a probability of its own and does not
   * only add back-off mass to the context's histories, as fractional counts would (arpa-lm.ts).
   * 0.2 chosen on the tuning set (docs/voice.md): 0 / 0.08 / 0.2 / 0.3 / 0.45 gave 16.1 / 12.6 /
   * 12.2 / 12.5 / 12.6% WER and 85.9 / 90.1 / 90.7 / 90.4 / 89.3% same answers.
   */
  readonly patterns: number;
  /**
   * Whether a question may only begin with the first word of a question opening (QUESTION_OPENINGS:
   * an interrogative, a preposition before one, "name", "tell"…): an extractive question is a
   * wh-question, so "do leads the council" cannot be heard for "who leads the council".
   */
  readonly questionStarts: boolean;
}

export const DEFAULT_WEIGHTS: BiasWeights = {
  sentence: 0.2, clause: 0.2, opening: 0.5, auxName: 0.5, vocabulary: 0.05, phrases: 3, genericWords: 5000, generic: 20, generated: 10,
  genericMix: 0.15, genericMinProbability: 1e-5, patterns: 0.2, questionStarts: true,
};

/** The words a question may begin with when BiasWeights.questionStarts is set. */
export const QUESTION_STARTS: ReadonlyMap<string, readonly string[] | undefined> = questionStarts(QUESTION_OPENINGS);

/**
 * The first word of each opening: an interrogative goes on freely; any other ("in", "to", "do",
 * "name") only with the second words of its openings, since a preposition fronted with a wh-word
 * keeps it next ("in what year", "to whom"; Quirk et al. §11.14) and "do" opens only "do you know".
 * A question that fronts anything else ("In 1891, whom did she marry?") cannot be heard: the price
 * of never hearing "to solve did" for "who founded".
 */
function questionStarts(openings: readonly string[]): Map<string, string[] | undefined> {
  const interrogative = new Set(['who', 'whom', 'whose', 'what', 'which', 'when', 'where', 'why', 'how']);
  const out = new Map<string, string[] | undefined>();
  for (const o of openings) {
    const [first, second] = o.split(' ') as [string, string | undefined];
    if (interrogative.has(first)) out.set(first, undefined);
    else if (second !== undefined) out.set(first, [...new Set([...(out.get(first) ?? []), second])]);
  }
  return out;
}

export interface QuestionCorpus {
  readonly sentences: WeightedSentence[];
  /** The question patterns about the context's names (patternSentences), for a mixture component of their own. */
  readonly patterns: WeightedSentence[];
  /** Words with unigram counts only. */
  readonly background: Map<string, number>;
}

const AUX = new Set(AUXILIARIES);
const SMALL = new Set(['of', 'the', 'de', 'von', 'van', 'and', 'for', 'la', 'le', 'du', 'del', 'da']);

/** One sentence's words, each number in its spoken forms: returns every variant (numbers vary together). */
function spokenVariants(words: readonly TextWord[]): string[][] {
  const forms = words.map((w) => (/^\d/.test(w.token) ? spokenForms(w.token) : [[w.token]]));
  const n = Math.max(1, ...forms.map((f) => f.length));
  const out: string[][] = [];
  for (let k = 0; k < n; k++) out.push(forms.flatMap((f) => (f.length === 0 ? [] : f[Math.min(k, f.length - 1)]!)));
  return out;
}

/** Runs of capitalised words (allowing "of", "the" inside), with "the" before them when the text has it: the names a question asks about. */
export function namesOf(sentences: readonly TextWord[][]): string[][] {
  const found = new Map<string, string[]>();
  for (const ws of sentences) {
    for (let i = 0; i < ws.length; i++) {
      if (!/^\p{Lu}/u.test(ws[i]!.surface) || (i === 0 && ws[i]!.token === 'the')) continue;
      let j = i;
      while (j + 1 < ws.length && (/^\p{Lu}/u.test(ws[j + 1]!.surface) || (SMALL.has(ws[j + 1]!.surface) && j + 2 < ws.length && /^\p{Lu}/u.test(ws[j + 2]!.surface)))) j++;
      const start = i > 0 && ws[i - 1]!.token === 'the' ? i - 1 : i;
      const name = ws.slice(start, j + 1).map((w) => w.token);
      // A sentence's first word is capitalised anyway: only a name if it is not a common question word.
      if (!(i === 0 && j === 0 && QUESTION_VOCABULARY.includes(name[0]!))) found.set(name.join(' '), name);
      i = j;
    }
  }
  return [...found.values()];
}

/**
 * The weighted sentences of the biased model and its background words (exported for tests and the
 * benchmark). `generic` is the generic model's words, most probable first (generic-unigrams.ts).
 */
export function questionCorpus(context: string, w: BiasWeights = DEFAULT_WEIGHTS, generic: readonly GenericUnigram[] = [], lexicon?: Lexicon): QuestionCorpus {
  const sentences = sentencesOf(context).map(textWords).filter((s) => s.length > 0);
  const out: WeightedSentence[] = [];
  if (lexicon !== undefined && w.generated > 0) {
    const ranks = new Map(generic.map((g, i) => [g.word, i]));
    const lemma = makeLemmatiser((x) => lexicon.has(x), (x) => ranks.get(x) ?? Infinity);
    for (const q of generateQuestions(context, lemma, w.generated)) out.push({ words: q.words, weight: q.weight });
  }
  for (const s of sentences) {
    const variants = spokenVariants(s);
    // A statement is not how a question starts: its words and word order count, not its first word after <s>.
    for (const v of variants) out.push({ words: v, weight: w.sentence / variants.length, bos: false });
    // The clause with its auxiliary out: "the brewery was founded by …" → "the brewery founded by …",
    // and cut after the verb, where an inverted question ends ("when was the brewery founded").
    const aux = s.findIndex((x, i) => i > 0 && AUX.has(x.token));
    if (aux > 0 && aux + 1 < s.length) {
      const clause = [...s.slice(0, aux), ...s.slice(aux + 1)];
      for (const v of spokenVariants(clause)) out.push({ words: v, weight: w.clause / variants.length, bos: false });
      out.push({ words: spokenVariants(clause.slice(0, aux + 1))[0]!, weight: w.clause, bos: false });
    }
  }
  const openings = QUESTION_OPENINGS.map((o) => o.split(' '));
  for (const o of openings) {
    out.push({ words: o, weight: w.opening });
    for (const a of AUXILIARIES) out.push({ words: [...o, a], weight: w.opening / AUXILIARIES.length, eos: false });
  }
  if (w.phrases > 0) {
    const each = w.phrases / 2 / (2 * QUESTION_NOUNS.length);
    for (const n of QUESTION_NOUNS) {
      for (const wh of ['which', 'what']) {
        out.push({ words: [wh, n], weight: each / 2, eos: false });
        for (const a of AUXILIARIES) out.push({ words: [wh, n, a], weight: each / 2 / AUXILIARIES.length, eos: false });
      }
    }
    for (const p of QUESTION_PHRASES) out.push({ words: p.split(' '), weight: w.phrases / 2 / QUESTION_PHRASES.length, bos: false, eos: false });
  }
  for (const name of namesOf(sentences)) {
    for (const a of AUXILIARIES) out.push({ words: [a, ...name], weight: w.auxName / AUXILIARIES.length, bos: false, eos: false });
    // "what was Vene Fyseimen's profession", "who founded the Bosnalia Brewery": a name may be a possessive, or end a question.
    out.push({ words: [...name.slice(0, -1), `${name[name.length - 1]!}'s`], weight: w.auxName / 4, bos: false, eos: false });
    out.push({ words: name, weight: w.auxName / 2, bos: false });
  }
  const background = new Map<string, number>();
  // The generic model's unigram probabilities are logarithms to base 1.0001 (sphinxbase logmath).
  const top = generic.slice(0, w.genericWords);
  const ps = top.map((g) => Math.exp((g.logProb - (top[0]?.logProb ?? 0)) * Math.log(1.0001)));
  const sum = ps.reduce((a, b) => a + b, 0);
  top.forEach((g, i) => background.set(g.word, (w.generic * ps[i]!) / sum));
  for (const v of QUESTION_VOCABULARY) background.set(v, (background.get(v) ?? 0) + w.vocabulary);
  return { sentences: out, patterns: w.patterns > 0 ? patternSentences(namesOf(sentences)) : [], background };
}

/**
 * Questions about the context's names in words the text may not use (question-forms.ts), each
 * with the same count: a verb in its base form after "did"/"does" and a name ("where did Maria
 * Kowalski study" when the text says she was educated there), a relational noun after a name's
 * possessive or before "of" and a name ("Kowalski's birthplace", "the population of Gdansk"),
 * "what is the … of" and "how many" before a plural noun.
 */
export function patternSentences(names: readonly (readonly string[])[]): WeightedSentence[] {
  const out: WeightedSentence[] = [];
  for (const name of names) {
    const possessive = [...name.slice(0, -1), `${name[name.length - 1]!}'s`];
    for (const v of QUESTION_VERBS) for (const aux of ['did', 'does']) out.push({ words: [aux, ...name, v], weight: 1, bos: false });
    for (const n of RELATIONAL_NOUNS) {
      out.push({ words: [...possessive, n], weight: 1, bos: false });
      out.push({ words: ['the', n, 'of', ...name], weight: 1, bos: false });
    }
  }
  for (const wh of ['what', 'who']) for (const aux of ['is', 'was']) for (const n of RELATIONAL_NOUNS) out.push({ words: [wh, aux, 'the', n, 'of'], weight: 1, eos: false });
  for (const n of COUNT_NOUNS) {
    out.push({ words: ['how', 'many', n], weight: 1, eos: false });
    for (const a of ['are', 'were', 'did', 'does', 'do', 'has', 'have']) out.push({ words: ['how', 'many', n, a], weight: 1 / 7, eos: false });
  }
  return out;
}

/** The biased model and dictionary for `context`; names the CMU dictionary lacks are spelled out by espeak-ng. */
export async function buildContextLanguageModel(context: string, lexicon: Lexicon,
  opts: { espeak?: string; weights?: BiasWeights; generic?: readonly GenericUnigram[]; genericNgrams?: GenericNgrams } = {}): Promise<ContextLanguageModel> {
  const w = opts.weights ?? DEFAULT_WEIGHTS;
  const corpus = questionCorpus(context, w, opts.generic, lexicon);
  const surfaces = new Map<string, string>();
  const numbers = new Map<string, string>();
  // A sentence's first word is capitalised whatever it is: it names the spelling only of a word seen nowhere else.
  const initial = new Map<string, string>();
  for (const sentence of sentencesOf(context)) {
    for (const [i, tw] of textWords(sentence).entries()) {
      if (/^\d/.test(tw.token)) for (const f of spokenForms(tw.token)) numbers.set(f.join(' '), tw.surface);
      else if (i === 0) initial.set(tw.token, tw.surface);
      // A word seen in lower case anywhere is a common word.
      else if (!surfaces.has(tw.token) || tw.surface === tw.token) surfaces.set(tw.token, tw.surface);
    }
  }
  for (const [token, surface] of initial) if (!surfaces.has(token) && QUESTION_VOCABULARY.includes(token) === false && !QUESTION_OPENINGS.includes(token)) surfaces.set(token, surface);
  const vocab = new Set<string>();
  for (const s of [...corpus.sentences, ...corpus.patterns]) for (const x of s.words) vocab.add(x);
  // A background word the dictionary lacks is left out rather than spelled out: it is not the context's.
  for (const x of corpus.background.keys()) if (lexicon.has(x)) vocab.add(x);
  const missing = [...vocab].filter((x) => !lexicon.has(x)).sort();
  // The letter-to-sound step reads the word as the context writes it (capitals tell espeak-ng a name).
  const asWritten = (x: string): string => {
    const s = surfaces.get(x.replace(/'s$/, ''));
    return s === undefined ? x : x.endsWith("'s") ? `${s}'s` : s;
  };
  // Names the dictionary has get the letter-to-sound reading too: CMUdict says "Kowalski" K AH W AA L S K IY,
  // a speaker (and espeak-ng) may say K AW AO L S K IY; a second pronunciation costs little.
  const names = [...vocab].filter((x) => lexicon.has(x) && /^\p{Lu}/u.test(surfaces.get(x) ?? '') && !QUESTION_VOCABULARY.includes(x));
  const spelled = await espeakPronunciations([...missing, ...names].map(asWritten));
  const lines: string[] = [];
  const unpronounced: string[] = [];
  const kept = new Set<string>();
  for (const x of [...vocab].sort()) {
    const own = spelled.get(asWritten(x));
    const known = lexicon.get(x) ?? [];
    const prons = own === undefined || known.includes(own) ? known : [...known, own];
    if (prons.length === 0) {
      unpronounced.push(x);
      continue;
    }
    kept.add(x);
    prons.forEach((p, i) => lines.push(`${i === 0 ? x : `${x}(${i + 1})`} ${p}`));
  }
  const usable = corpus.sentences.map((s) => ({ words: s.words.filter((x) => kept.has(x)), weight: s.weight })).filter((s) => s.words.length > 0);
  const background = new Map([...corpus.background].filter(([x]) => kept.has(x)));
  const patterns = corpus.patterns.map((s) => ({ ...s, words: s.words.filter((x) => kept.has(x)) })).filter((s) => s.words.length > 0);
  const patternMix = patterns.length === 0 ? 0 : w.patterns;
  const components = [{ model: estimateTrigramModel(usable, background), weight: 1 - (opts.genericNgrams === undefined ? 0 : w.genericMix) - patternMix }];
  if (patternMix > 0) components.push({ model: estimateTrigramModel(patterns), weight: patternMix });
  if (opts.genericNgrams !== undefined && w.genericMix > 0) {
    // The generic n-grams as the expected counts of a corpus in which the rarest kept one occurs
    // once (1 / genericMinProbability words), those with a word the dictionary lacks left out.
    const g = opts.genericNgrams;
    const scale = 1 / w.genericMinProbability;
    const counts: NgramCount[] = [];
    const known = (x: string): boolean => x === '<s>' || x === '</s>' || lexicon.has(x);
    for (const list of [g.unigrams, g.bigrams, g.trigrams]) for (const n of list) if (n.words.every(known)) counts.push({ words: n.words, count: scale * n.probability });
    const generic = estimateTrigramModel([], new Map(), counts);
    for (const x of generic.vocab) {
      if (kept.has(x)) continue;
      kept.add(x);
      lexicon.get(x)!.forEach((p, i) => lines.push(`${i === 0 ? x : `${x}(${i + 1})`} ${p}`));
    }
    components.push({ model: generic, weight: w.genericMix });
  }
  return {
    arpa: writeMixedArpa(components, w.questionStarts ? QUESTION_STARTS : undefined),
    dictionary: `${lines.join('\n')}\n`,
    words: kept.size,
    spelledOut: missing.filter((x) => kept.has(x)).map(asWritten),
    unpronounced,
    numbers,
    surfaces,
  };
}
