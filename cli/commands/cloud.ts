/**
 * `elma cloud <serve|export|corrections|retrain>`: the cloud end of the loop (issue 12). One
 * command with subcommands, so `elma --help` lists it once; each subcommand takes only its own
 * options and lives in its own file (cloud-<name>.ts).
 */
import { UsageError, type CliIO, type Command, type Options, type ParsedArgs } from '../command.ts';
import { CLOUD_SUBCOMMANDS } from './cloud-subcommands.ts';

export interface CloudSubcommand {
  readonly name: string;
  /** Usage line first, then what it does and each option. */
  readonly help: string;
  readonly options: Options;
  /** Positional arguments after the subcommand's name. */
  readonly positionals?: { readonly min: number; readonly max: number };
  run(positionals: readonly string[], args: ParsedArgs, io: CliIO): Promise<number>;
}

export const cloudCommand: Command = {
  name: 'cloud',
  summary: 'The cloud: answer offloaded questions with the full model, keep them, retrain and publish (serve, export, corrections, retrain)',
  get help() {
    return `Usage: elma cloud <${CLOUD_SUBCOMMANDS.map((s) => s.name).join('|')}> [options]\n\n${CLOUD_SUBCOMMANDS.map((s) => s.help).join('\n\n')}\n\nSee docs/cloud.md.`;
  },
  get options() {
    return Object.assign({}, ...CLOUD_SUBCOMMANDS.map((s) => s.options)) as Options;
  },
  positionals: { min: 1, max: 4 },
  async run(args, io) {
    const [name, ...rest] = args.positionals;
    const sub = CLOUD_SUBCOMMANDS.find((s) => s.name === name);
    if (sub === undefined) throw new UsageError(`unknown subcommand "${name ?? ''}"; known: ${CLOUD_SUBCOMMANDS.map((s) => s.name).join(', ')}`);
    for (const [flag, value] of Object.entries(args.values)) {
      if (value !== undefined && !(flag in sub.options)) throw new UsageError(`cloud ${sub.name} takes no option --${flag}`);
    }
    const p = sub.positionals ?? { min: 0, max: 0 };
    if (rest.length < p.min || rest.length > p.max) {
      throw new UsageError(`cloud ${sub.name} takes ${p.min === p.max ? p.min : `${p.min}..${p.max}`} argument(s), got ${rest.length}`);
    }
    return sub.run(rest, args, io);
  },
};
