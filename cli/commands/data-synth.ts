/**
 * `elma data synth --seed S --n N --out file.json`: a synthetic SQuAD 2.0 data set about a
 * generated world, questions tagged with their difficulty level (models/synth/,
 * docs/synthetic-data.md). Same seed and N, same bytes.
 */
import { LEVELS } from '../../models/synth/levels.ts';
import { GENERATOR, synthesizeSquad } from '../../models/synth/generate.ts';
import { ENGLISH_GENERATOR, synthesizeEnglishSquad } from '../../models/english/generate.ts';
import { writeOutput } from '../../runtime/data/write-output.ts';
import { optionalInt, requireString, UsageError, type ParsedArgs } from '../command.ts';
import type { DataSubcommand } from './data.ts';

/** Beyond this a data set is better made in several files (memory: one JSON string). */
const MAX_QUESTIONS = 1_000_000;

function requiredInt(args: ParsedArgs, flag: string, min: number, max: number): number {
  if (args.values[flag] === undefined) throw new UsageError(`missing required option --${flag}`);
  const n = optionalInt(args, flag, 0, min);
  if (n > max) throw new UsageError(`--${flag} must be at most ${max}, got ${n}`);
  return n;
}

export const dataSynth: DataSubcommand = {
  name: 'synth',
  summary: 'a synthetic SQuAD 2.0 data set with questions of graded difficulty',
  help: `elma data synth --seed <S> --n <N> --out <file.json> [--per-paragraph <k>] [--generator synth|english]

Generates paragraphs about a fictional world (people, organisations, towns; names made from
syllables, values drawn at random) and N questions about them in SQuAD 2.0 format, each tagged
with "level": ${LEVELS.map((l) => `${l.level}-${l.name}`).join(', ')} (about ${Math.round(LEVELS[0]!.share * 100)}% each),
and "answer_type". The file's "levels" lists the counts. Deterministic: the same seed and N give
the same file (generator ${GENERATOR}); use different seeds for training and evaluation.

  --seed <S>            integer ≥ 0
  --n <N>               number of questions, 1 to ${MAX_QUESTIONS.toLocaleString('en-US')}
  --out <file.json>     where to write the data set
  --per-paragraph <k>   questions asked of one paragraph, at most (default 5)
  --generator <g>       synth (default: templates, syllable names; ${GENERATOR}) or english
                        (English as people write it: combined sentences, WordNet paraphrase, real
                        names, noun-phrase and approximate answers; ${ENGLISH_GENERATOR})`,
  options: { seed: { type: 'string' }, n: { type: 'string' }, 'per-paragraph': { type: 'string' }, generator: { type: 'string' } },
  async run(args, io) {
    const seed = requiredInt(args, 'seed', 0, Number.MAX_SAFE_INTEGER);
    const n = requiredInt(args, 'n', 1, MAX_QUESTIONS);
    const out = requireString(args, 'out');
    const perParagraph = optionalInt(args, 'per-paragraph', 5, 1);
    const generator = args.values['generator'] ?? 'synth';
    if (generator !== 'synth' && generator !== 'english') throw new UsageError(`--generator must be synth or english, got ${JSON.stringify(generator)}`);
    const squad = generator === 'english' ? synthesizeEnglishSquad({ seed, questions: n, perParagraph }) : synthesizeSquad({ seed, questions: n, perParagraph });
    writeOutput(out, JSON.stringify(squad));
    const levels = squad.levels.map((l) => `${l.level} ${(l.share * 100).toFixed(1)}%`).join(', ');
    io.stderr(`${squad.elma_synth.questions} questions in ${squad.elma_synth.paragraphs} paragraphs (seed ${seed}) → ${out}\nlevels: ${levels}\n`);
    return 0;
  },
};
