/**
 * The shape of one `elma <command>`: its help text, its options (node:util parseArgs) and its action.
 * Each command lives in its own file under `cli/commands/` and is listed in `main.ts`.
 */
import type { ParseArgsConfig } from 'node:util';
import { UsageError } from '../runtime/usage-error.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  readonly values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  readonly positionals: string[];
}

export interface Command {
  readonly name: string;
  /** One line for `elma --help`. */
  readonly summary: string;
  /** Full help for `elma <name> --help`: usage line, what it does, each option. */
  readonly help: string;
  readonly options: Options;
  /** Positional arguments the command takes, e.g. 2 for eval-squad. */
  readonly positionals?: { readonly min: number; readonly max: number };
  /** Returns the process exit code. Throw an ElmaError (or UsageError) for a user-facing failure. */
  run(args: ParsedArgs, io: CliIO): Promise<number>;
}

export interface CliIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly stdin: () => AsyncIterable<string>;
  /** True when stderr is a terminal: progress may redraw one line with \r. */
  readonly interactive?: boolean;
}

// Wrong command-line usage (the CLI prints the message and the command's usage line): defined
// below the CLI, so that device code choosing from options (backend-select.ts) can raise it too.
export { UsageError };

/** A required string option; throws UsageError naming the flag when it is missing or given empty. */
export function requireString(args: ParsedArgs, flag: string): string {
  const v = args.values[flag];
  if (v === '') throw new UsageError(`--${flag} is empty`);
  if (typeof v !== 'string') throw new UsageError(`missing required option --${flag}`);
  return v;
}

/** A required text a person typed (a context, a question): as requireString, and refused when only whitespace. */
export function requireText(args: ParsedArgs, flag: string): string {
  const v = requireString(args, flag);
  if (v.trim() === '') throw new UsageError(`--${flag} is blank (only whitespace)`);
  return v;
}

/** An optional integer option; throws UsageError naming the flag when it is not an integer in range. */
export function optionalInt(args: ParsedArgs, flag: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const v = args.values[flag];
  if (v === undefined) return fallback;
  const n = typeof v === 'string' && /^[+-]?\d+$/.test(v.trim()) ? Number(v) : NaN;
  const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in ${min}..${max}`;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${flag} must be an integer ${range}, got ${JSON.stringify(v)}`);
  return n;
}

/** An optional TCP port option (0 asks the system for a free one). */
export function optionalPort(args: ParsedArgs, flag: string, fallback: number): number {
  const v = args.values[flag];
  if (v === undefined) return fallback;
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!(n >= 0 && n <= 65535)) throw new UsageError(`--${flag} must be a TCP port 0..65535, got ${JSON.stringify(v)}`);
  return n;
}

/** An optional number option; throws UsageError naming the flag when it is not a finite decimal number. */
export function optionalNumber(args: ParsedArgs, flag: string, fallback: number): number {
  const v = args.values[flag];
  if (v === undefined) return fallback;
  // Decimal notation only: Number() would also take "0x10", "0b1" and "" (as 0).
  const n = typeof v === 'string' && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new UsageError(`--${flag} must be a number, got ${JSON.stringify(v)}`);
  return n;
}
