/**
 * The HTTP status for a FleetError (the fleet's refusals, cloud/fleet/errors.ts), decided by one rule
 * that the admin API applies and docs/dashboard.md states. FleetError has no status of its own (the
 * command line shows the same errors), so the rule reads its `where` and message, both of which the
 * fleet writes by a convention:
 *
 * - 404 when `where` names a device, a rollout or a bundle (`device "jetson-07"`, `rollout 3`,
 *   `bundle elma-default v4`) and the problem says it does not exist: "not enrolled", "not found",
 *   "no such", "unknown", "does not exist".
 * - 409 when `where` names one of them and the problem is its state: "already …" (enrolled,
 *   revoked, being rolled out), a rollout state word (running, paused, halted, aborted, completed),
 *   "revoked", or "try again" (it changed meanwhile): the request is well-formed but does not fit
 *   what is there now.
 * - 400 for everything else: a bad name, key, stage list, or a bundle file that does not verify
 *   (`where` is then the file or the field: the request itself is wrong).
 */
import { FleetError } from '../fleet/errors.ts';

const SUBJECT = /^(device|rollout|bundle)\b/i;
const NOT_FOUND = /\b(not enrolled|not found|no such|unknown|does not exist)\b/i;
const CONFLICT = /\b(already|running|paused|halted|aborted|completed|revoked|try again)\b/i;

export function fleetErrorStatus(err: FleetError): 400 | 404 | 409 {
  if (!SUBJECT.test(err.where)) return 400;
  // The problem alone: `where` may itself hold words such as a device called "unknown".
  const problem = err.where === '' ? err.message : err.message.slice(err.where.length + 2);
  if (NOT_FOUND.test(problem)) return 404;
  if (CONFLICT.test(problem)) return 409;
  return 400;
}
