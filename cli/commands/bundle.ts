/**
 * `elma bundle <pack|verify>`: signed model bundles (docs/bundles.md). One command with
 * subcommands, so `elma --help` lists it once; each subcommand takes only its own options.
 */
import { UsageError, type CliIO, type Command, type Options, type ParsedArgs } from '../command.ts';
import { bundlePack } from './bundle-pack.ts';
import { bundleVerify } from './bundle-verify.ts';

export interface BundleSubcommand {
  readonly name: string;
  /** Usage line first, then what it does and each option. */
  readonly help: string;
  readonly options: Options;
  /** `path` is the bundle directory or archive, the one positional argument after the subcommand. */
  run(path: string, args: ParsedArgs, io: CliIO): Promise<number>;
}

const SUBCOMMANDS: readonly BundleSubcommand[] = [bundlePack, bundleVerify];

export const bundleCommand: Command = {
  name: 'bundle',
  summary: 'Signed model bundles: sign a bundle for release (pack), check one as a device would (verify)',
  help: `Usage: elma bundle <${SUBCOMMANDS.map((s) => s.name).join('|')}> <bundle> [options]

${SUBCOMMANDS.map((s) => s.help).join('\n\n')}

See docs/bundles.md for the format and what each check defends against.`,
  options: Object.assign({}, ...SUBCOMMANDS.map((s) => s.options)) as Options,
  positionals: { min: 2, max: 2 },
  async run(args, io) {
    const [name, target] = args.positionals;
    const sub = SUBCOMMANDS.find((s) => s.name === name);
    if (sub === undefined) throw new UsageError(`unknown subcommand "${name ?? ''}"; known: ${SUBCOMMANDS.map((s) => s.name).join(', ')}`);
    for (const [flag, value] of Object.entries(args.values)) {
      if (value !== undefined && !(flag in sub.options)) throw new UsageError(`bundle ${sub.name} takes no option --${flag}`);
    }
    return sub.run(target!, args, io);
  },
};
