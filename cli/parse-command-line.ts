/**
 * One command's arguments through node:util parseArgs, with the parser's complaints turned into
 * one-line UsageErrors that name the option. Node's own messages run over three lines and talk
 * about "ambiguous" arguments: `elma features --max-length -5` should say what is wrong with
 * --max-length, not how parseArgs reads dashes.
 */
import { parseArgs } from 'node:util';
import { UsageError, type Options, type ParsedArgs } from './command.ts';

/** A value that starts with "-" but is a number (`--threshold -0.5`, `--max-length -5`). */
const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

export function parseCommandLine(options: Options, argv: readonly string[]): ParsedArgs {
  const args = [...argv];
  // parseArgs (strict) refuses any value starting with "-" after a string option, as a possibly
  // forgotten value: a number is a value, so `--opt -5` is read as `--opt=-5` and the option's
  // own check (optionalInt, optionalNumber) says what range it takes.
  for (let i = 0; i + 1 < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break;
    const name = /^--([^=]+)$/.exec(a)?.[1] ?? shortName(options, a);
    if (name !== undefined && options[name]?.type === 'string' && NEGATIVE_NUMBER.test(args[i + 1]!)) args.splice(i, 2, `--${name}=${args[i + 1]!}`);
  }
  try {
    const parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: parsed.values as ParsedArgs['values'], positionals: parsed.positionals };
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) throw new UsageError(parseErrorLine((e as Error).message));
    throw e;
  }
}

/** The long name of a short option such as `-t` (eval-squad's Python-style options). */
function shortName(options: Options, arg: string): string | undefined {
  if (!/^-[A-Za-z]$/.test(arg)) return undefined;
  return Object.keys(options).find((k) => options[k]!.short === arg[1]);
}

/** Node's parseArgs message as one line naming the option. */
export function parseErrorLine(message: string): string {
  const opt = /'(-[^' ]+)(?: <value>)?'/.exec(message)?.[1];
  if (opt !== undefined) {
    if (/^Unknown option/.test(message)) return `unknown option ${opt}`;
    if (/argument is ambiguous/.test(message)) return `${opt} needs a value (one that starts with "-" is written ${opt}=<value>)`;
    if (/argument missing/.test(message)) return `${opt} needs a value`;
    if (/does not take an argument/.test(message)) return `${opt} takes no value`;
  }
  return message.split('\n')[0]!;
}
