import { ElmaError } from '../../engine/errors.ts';

/**
 * A hard-question store that cannot be opened, read or written: `where` names the store (the SQLite
 * file, or `host:port/database` of PostgreSQL), the message says what failed, on one line.
 */
export class StoreError extends ElmaError {}

/** One line: newlines and repeated blanks of driver messages folded. */
export function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
