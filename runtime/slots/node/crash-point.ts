/**
 * Named crash points for fault injection (docs/ota.md "Crash points"; issue 6 "Acceptance"). The
 * update and boot code calls crashPoint() at every step where a power cut could land: after each
 * file copied, before and after each rename, around each state write, during the health check.
 *
 *   ELMA_CRASH_AT=<name>     SIGKILL this process when it reaches <name> (no cleanup, no finally
 *                            blocks, no flush: as close to pulling the plug as a process gets)
 *   ELMA_CRASH_LOG=<file>    append every point reached to <file>, so a test can enumerate them
 *
 * Unset (always, in the field) both are one environment lookup.
 */
import { appendFileSync } from 'node:fs';

export function crashPoint(name: string): void {
  const log = process.env.ELMA_CRASH_LOG;
  if (log !== undefined && log !== '') appendFileSync(log, `${name}\n`);
  if (process.env.ELMA_CRASH_AT === name) process.kill(process.pid, 'SIGKILL');
}
