/** Durations on the command line: `90` (seconds), `90s`, `15m`, `2h`, `1d`, `500ms`. */
import { UsageError } from '../command.ts';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (m === null) throw new UsageError(`--${flag} ${JSON.stringify(text)}: not a duration (e.g. 30s, 15m, 2h, 1d; a bare number is seconds)`);
  const ms = Number(m[1]) * UNIT_MS[m[2] ?? 's']!;
  if (!Number.isFinite(ms) || ms > 365 * UNIT_MS.d!) throw new UsageError(`--${flag} ${text}: longer than a year`);
  return Math.round(ms);
}
