/**
 * A synthetic SQuAD 2.0 data set: paragraphs about a generated world, each with a few questions
 * drawn so that the levels keep their target shares (levels.ts) across the data set. Same seed,
 * same bytes; the generator's version is written into the file and changes when the output would.
 */
import { Prng } from './_prng.ts';
import { SceneBuilder } from './_scene-builder.ts';
import { LEVELS, levelTag, type Level } from './levels.ts';
import { NameGenerator } from './names.ts';
import { candidateQuestions, type SynthQuestion } from './questions.ts';
import { renderScene, type Paragraph } from './render.ts';
import { cityScene } from './scene-city.ts';
import { orgScene } from './scene-org.ts';
import { personScene } from './scene-person.ts';
import { fullName } from './world.ts';

/** Bump when the same seed would give different data. */
export const GENERATOR = 'elma-synth-1';

/** Scenes with fewer sentences are drawn again. */
const MIN_SENTENCES = 7;

export interface SynthOptions {
  readonly seed: number;
  /** Questions in the data set (≥ 1). */
  readonly questions: number;
  /** Questions asked of one paragraph, at most (default 5). */
  readonly perParagraph?: number;
}

export interface SynthParagraph {
  readonly paragraph: Paragraph;
  readonly questions: readonly SynthQuestion[];
}

export interface SynthAnswer {
  readonly text: string;
  readonly answer_start: number;
}

/** One question in the file: SQuAD 2.0's fields plus `level` ("3-distractor") and `answer_type` ("city"). */
export interface SynthQa {
  readonly id: string;
  readonly question: string;
  readonly answers: readonly SynthAnswer[];
  readonly is_impossible: boolean;
  readonly plausible_answers?: readonly SynthAnswer[];
  readonly level: string;
  readonly answer_type: string;
}

export interface SynthSquad {
  readonly version: 'v2.0';
  readonly elma_synth: { readonly generator: string; readonly seed: number; readonly questions: number; readonly paragraphs: number };
  readonly levels: readonly { readonly level: string; readonly questions: number; readonly share: number; readonly description: string }[];
  readonly data: readonly { readonly title: string; readonly paragraphs: readonly { readonly context: string; readonly qas: readonly SynthQa[] }[] }[];
}

/**
 * One of `qs`: a topic first, so that a relation with many templates is not asked more often,
 * then lexical or paraphrase wording with even odds where both exist, then a template.
 */
function pickQuestion(qs: readonly SynthQuestion[], rng: Prng): SynthQuestion {
  const topic = rng.pick([...new Set(qs.map((q) => q.topic))]);
  const ofTopic = qs.filter((q) => q.topic === topic);
  const wording = rng.pick([...new Set(ofTopic.map((q) => q.wording))]);
  return rng.pick(ofTopic.filter((q) => q.wording === wording));
}

/** The paragraphs and questions, with everything the generator knows about them (for tests and stats). */
export function synthesize(opts: SynthOptions): SynthParagraph[] {
  if (!Number.isSafeInteger(opts.seed) || opts.seed < 0) throw new RangeError(`seed must be a non-negative integer, got ${opts.seed}`);
  if (!Number.isSafeInteger(opts.questions) || opts.questions < 1) throw new RangeError(`questions must be a positive integer, got ${opts.questions}`);
  const per = opts.perParagraph ?? 5;
  if (!Number.isSafeInteger(per) || per < 1) throw new RangeError(`perParagraph must be a positive integer, got ${per}`);
  const rng = new Prng(opts.seed);
  const names = new NameGenerator(rng);
  const counts = new Map<Level, number>(LEVELS.map((l) => [l.level, 0]));
  let total = 0;
  const out: SynthParagraph[] = [];
  // `barren` counts scenes in a row that gave nothing, a guard against a generator bug looping forever.
  for (let barren = 0; total < opts.questions; barren++) {
    if (barren > 1000) throw new Error(`synthetic data: ${barren} scenes in a row gave no question`);
    const b = new SceneBuilder(rng, names);
    const r = rng.float();
    const scene = r < 0.4 ? personScene(b) : r < 0.7 ? orgScene(b) : cityScene(b);
    if (scene.plan.length < MIN_SENTENCES) continue; // too little to read: a few facts make every type unique
    const paragraph = renderScene(scene, rng);
    const candidates = candidateQuestions(paragraph, rng, names);
    const chosen: SynthQuestion[] = [];
    const topics = new Set<string>();
    const want = Math.min(per, opts.questions - total);
    while (chosen.length < want) {
      const open = (l: Level): SynthQuestion[] => (candidates.get(l) ?? []).filter((q) => !topics.has(q.topic));
      // The level furthest below its share so far; ties go to chance.
      let best: Level | null = null;
      let bestDeficit = -Infinity;
      for (const info of rng.shuffle([...LEVELS])) {
        const deficit = info.share * (total + 1) - (counts.get(info.level) ?? 0);
        if (deficit > bestDeficit && open(info.level).length > 0) {
          best = info.level;
          bestDeficit = deficit;
        }
      }
      if (best === null) break;
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

/** The data set as SQuAD 2.0 JSON, one article per paragraph titled by what it is about. */
export function toSquad(paragraphs: readonly SynthParagraph[], seed: number): SynthSquad {
  const counts = new Map<Level, number>(LEVELS.map((l) => [l.level, 0]));
  let total = 0;
  const data = paragraphs.map((p, pi) => ({
    title: fullName(p.paragraph.scene.focus).replace(/^the /, ''),
    paragraphs: [{
      context: p.paragraph.context,
      qas: p.questions.map((q, qi): SynthQa => {
        counts.set(q.level, (counts.get(q.level) ?? 0) + 1);
        total++;
        const base = {
          id: `synth-${seed}-${pi}-${qi}`, question: q.text,
          answers: q.answer === null ? [] : [{ text: q.answer.text, answer_start: q.answer.start }],
          is_impossible: q.answer === null,
        };
        const tags = { level: levelTag(q.level), answer_type: q.answerType };
        return q.plausible === null ? { ...base, ...tags } : { ...base, plausible_answers: [{ text: q.plausible.text, answer_start: q.plausible.start }], ...tags };
      }),
    }],
  }));
  return {
    version: 'v2.0',
    elma_synth: { generator: GENERATOR, seed, questions: total, paragraphs: paragraphs.length },
    levels: LEVELS.map((l) => {
      const n = counts.get(l.level) ?? 0;
      return { level: levelTag(l.level), questions: n, share: total === 0 ? 0 : Math.round((n / total) * 1e4) / 1e4, description: l.description };
    }),
    data,
  };
}

/** `synthesize` then `toSquad`: what `elma data synth` writes. */
export function synthesizeSquad(opts: SynthOptions): SynthSquad {
  return toSquad(synthesize(opts), opts.seed);
}
