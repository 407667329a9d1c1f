/**
 * `elma data <synth|mix|vocab|corpus>`: making the data the trainer needs. One command with subcommands, so
 * `elma --help` lists it once; each subcommand takes only its own options.
 */
import { UsageError, type CliIO, type Command, type Options, type ParsedArgs } from '../command.ts';
import { dataCorpus } from './data-corpus.ts';
import { dataMix } from './data-mix.ts';
import { dataSynth } from './data-synth.ts';
import { dataVocab } from './data-vocab.ts';

export interface DataSubcommand {
  readonly name: string;
  readonly summary: string;
  /** Usage line first, then what it does and each option. */
  readonly help: string;
  /** Its options besides --out, which every subcommand takes. */
  readonly options: Options;
  run(args: ParsedArgs, io: CliIO): Promise<number>;
}

const SUBCOMMANDS: readonly DataSubcommand[] = [dataSynth, dataMix, dataVocab, dataCorpus];

export const dataCommand: Command = {
  name: 'data',
  summary: 'Make training data: a synthetic SQuAD 2.0 set (synth), sets mixed in proportion (mix), a SentencePiece vocabulary (vocab), an English pretraining corpus (corpus)',
  help: `Usage: elma data <${SUBCOMMANDS.map((s) => s.name).join('|')}> [options]

${SUBCOMMANDS.map((s) => `${s.help}`).join('\n\n')}`,
  options: Object.assign({ out: { type: 'string' } }, ...SUBCOMMANDS.map((s) => s.options)) as Options,
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const name = args.positionals[0];
    const sub = SUBCOMMANDS.find((s) => s.name === name);
    if (sub === undefined) throw new UsageError(`unknown subcommand "${name ?? ''}"; known: ${SUBCOMMANDS.map((s) => s.name).join(', ')}`);
    for (const [flag, value] of Object.entries(args.values)) {
      if (value !== undefined && flag !== 'out' && !(flag in sub.options)) throw new UsageError(`data ${sub.name} takes no option --${flag}`);
    }
    return sub.run(args, io);
  },
};
