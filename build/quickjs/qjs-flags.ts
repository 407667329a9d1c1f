/**
 * Command-line flags for the elma-qjs device program's commands (qjs-edge.ts): `--name value` and
 * `--name` switches, nothing else. The Node program parses with node:util's parseArgs, which
 * elma-qjs does not have; the rules here are the ones its messages promise: an unknown option, a
 * missing value or a stray argument is a UsageError naming it, followed by the command's usage.
 */
import { UsageError } from '../../runtime/usage-error.ts';

export type FlagKinds = Readonly<Record<string, 'string' | 'boolean'>>;
export type Flags = Record<string, string | true>;

export function parseFlags(args: readonly string[], kinds: FlagKinds, usage: string): Flags {
  const out: Flags = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument "${a}"; ${usage}`);
    const name = a.slice(2);
    const kind = Object.hasOwn(kinds, name) ? kinds[name] : undefined;
    if (kind === undefined) throw new UsageError(`unknown option ${a}; ${usage}`);
    if (kind === 'boolean') {
      out[name] = true;
      continue;
    }
    const v = args[++i];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value; ${usage}`);
    out[name] = v;
  }
  return out;
}

/** A string flag that must be there. */
export function required(flags: Flags, name: string, usage: string): string {
  const v = flags[name];
  if (typeof v !== 'string') throw new UsageError(`--${name} is required; ${usage}`);
  return v;
}

/** An integer ≥ min, or `fallback` when the flag is absent (the Node program's optionalInt, its message too). */
export function integerFlag(flags: Flags, name: string, fallback: number, min: number): number {
  const v = flags[name];
  if (v === undefined) return fallback;
  const n = typeof v === 'string' && /^[+-]?\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  return n;
}
