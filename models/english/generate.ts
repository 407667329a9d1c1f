/**
 * The English generator (issue 15): SQuAD 2.0 data about a world of people, organisations and
 * places, written the way people write (sentence combining, many surface forms per fact, WordNet
 * paraphrase, real names, noun-phrase answers, approximate numbers) and asked the way people ask.
 * Levels as the first generator's (models/synth/levels.ts), filled to their shares the same way.
 * Same seed, same bytes; the version is written into the file and changes when the output would.
 */
import { Prng } from '../synth/_prng.ts';
import { LEVELS, levelTag, type Level } from '../synth/levels.ts';
import { Builder } from './builder.ts';
import { composeParagraph, type Paragraph } from './compose.ts';
import { EnglishNames } from './names.ts';
import { candidateQuestions, type EnglishQuestion } from './questions.ts';
import { orgScene } from './scene-org.ts';
import { personScene } from './scene-person.ts';
import { placeScene } from './scene-place.ts';
import { fullName } from './world.ts';

/** Bump when the same seed would give different data. */
export const ENGLISH_GENERATOR = 'elma-english-1';

export interface EnglishOptions {
  readonly seed: number;
  /** Questions in the data set (≥ 1). */
  readonly questions: number;
  /** Questions asked of one paragraph, at most (default 5). */
  readonly perParagraph?: number;
}

export interface EnglishParagraph {
  readonly paragraph: Paragraph;
  readonly questions: readonly EnglishQuestion[];
}

interface Answer {
  readonly text: string;
  readonly answer_start: number;
}

export interface EnglishQa {
  readonly id: string;
  readonly question: string;
  readonly answers: readonly Answer[];
  readonly is_impossible: boolean;
  readonly plausible_answers?: readonly Answer[];
  readonly level: string;
  readonly answer_type: string;
  /** Unanswerable questions: why ("swapped-roles", "negation", …). */
  readonly reason?: string;
}

export interface EnglishSquad {
  readonly version: 'v2.0';
  readonly elma_synth: { readonly generator: string; readonly seed: number; readonly questions: number; readonly paragraphs: number };
  readonly levels: readonly { readonly level: string; readonly questions: number; readonly share: number; readonly description: string }[];
  readonly data: readonly { readonly title: string; readonly paragraphs: readonly { readonly context: string; readonly qas: readonly EnglishQa[] }[] }[];
}

/** Paragraphs shorter than this many sentences are drawn again; longer ones too. */
const MIN_SENTENCES = 3;
const MAX_SENTENCES = 7;

/** A sentence with nothing combined: no comma, no "and", no relative pronoun. */
function isPlain(sentence: string): boolean {
  return !/,| and | who | which | whom | where /.test(sentence);
}

/** A topic first (so a role with many templates is not asked more often), then a template. */
function pickQuestion(qs: readonly EnglishQuestion[], rng: Prng): EnglishQuestion {
  const topic = rng.pick([...new Set(qs.map((q) => q.topic))]);
  return rng.pick(qs.filter((q) => q.topic === topic));
}

export function synthesizeEnglish(opts: EnglishOptions): EnglishParagraph[] {
  if (!Number.isSafeInteger(opts.seed) || opts.seed < 0) throw new RangeError(`seed must be a non-negative integer, got ${opts.seed}`);
  if (!Number.isSafeInteger(opts.questions) || opts.questions < 1) throw new RangeError(`questions must be a positive integer, got ${opts.questions}`);
  const per = opts.perParagraph ?? 5;
  if (!Number.isSafeInteger(per) || per < 1) throw new RangeError(`perParagraph must be a positive integer, got ${per}`);
  const rng = new Prng(opts.seed);
  const names = new EnglishNames(rng, opts.seed);
  const counts = new Map<Level, number>(LEVELS.map((l) => [l.level, 0]));
  let total = 0;
  const out: EnglishParagraph[] = [];
  for (let barren = 0; total < opts.questions; barren++) {
    if (barren > 1000) throw new Error(`English synthetic data: ${barren} scenes in a row gave no question`);
    const b = new Builder(rng, names);
    const r = rng.float();
    const scene = r < 0.4 ? personScene(b) : r < 0.7 ? orgScene(b) : placeScene(b);
    const paragraph = composeParagraph(scene, rng);
    if (paragraph.sentences.length < MIN_SENTENCES || paragraph.sentences.length > MAX_SENTENCES) continue;
    // A paragraph of nothing but plain "X is Y." sentences is a list, not English as people write it.
    if (paragraph.sentences.every((sp) => isPlain(paragraph.context.slice(sp.start, sp.end)))) continue;
    const candidates = candidateQuestions(paragraph, rng, names);
    const chosen: EnglishQuestion[] = [];
    const topics = new Set<string>();
    const want = Math.min(per, opts.questions - total);
    while (chosen.length < want) {
      const open = (l: Level): EnglishQuestion[] => (candidates.get(l) ?? []).filter((q) => !topics.has(q.topic));
      let best: Level | null = null;
      let bestDeficit = -Infinity;
      for (const info of rng.shuffle([...LEVELS])) {
        const deficit = info.share * (total + 1) - (counts.get(info.level) ?? 0);
        if (deficit > bestDeficit && open(info.level).length > 0) {
          best = info.level;
          bestDeficit = deficit;
        }
      }
      // A paragraph that can only give levels already over their share waits for another.
      if (best === null || (bestDeficit < -1 && chosen.length > 0)) break;
      const q = pickQuestion(open(best), rng);
      topics.add(q.topic);
      chosen.push(q);
      counts.set(best, (counts.get(best) ?? 0) + 1);
      total++;
    }
    if (chosen.length > 0) {
      out.push({ paragraph, questions: chosen });
      barren = -1;
    }
  }
  return out;
}

export function toEnglishSquad(paragraphs: readonly EnglishParagraph[], seed: number): EnglishSquad {
  const counts = new Map<Level, number>(LEVELS.map((l) => [l.level, 0]));
  let total = 0;
  const data = paragraphs.map((p, pi) => ({
    title: fullName(p.paragraph.scene.focus).replace(/^the /, ''),
    paragraphs: [{
      context: p.paragraph.context,
      qas: p.questions.map((q, qi): EnglishQa => {
        counts.set(q.level, (counts.get(q.level) ?? 0) + 1);
        total++;
        const base = {
          id: `english-${seed}-${pi}-${qi}`, question: q.text,
          answers: q.answers.map((a) => ({ text: a.text, answer_start: a.start })),
          is_impossible: q.answers.length === 0,
        };
        const tags = { level: levelTag(q.level), answer_type: q.answerType, ...(q.reason === undefined ? {} : { reason: q.reason }) };
        return q.plausible === null ? { ...base, ...tags } : { ...base, plausible_answers: [{ text: q.plausible.text, answer_start: q.plausible.start }], ...tags };
      }),
    }],
  }));
  return {
    version: 'v2.0',
    elma_synth: { generator: ENGLISH_GENERATOR, seed, questions: total, paragraphs: paragraphs.length },
    levels: LEVELS.map((l) => {
      const n = counts.get(l.level) ?? 0;
      return { level: levelTag(l.level), questions: n, share: total === 0 ? 0 : Math.round((n / total) * 1e4) / 1e4, description: l.description };
    }),
    data,
  };
}

export function synthesizeEnglishSquad(opts: EnglishOptions): EnglishSquad {
  return toEnglishSquad(synthesizeEnglish(opts), opts.seed);
}
