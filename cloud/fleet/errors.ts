import { ElmaError } from '../../engine/errors.ts';

/**
 * A fleet operation the cloud refuses (issue 16): an unknown device name, a name or key already
 * enrolled, a revoked device revoked again, a rollout whose stages or bundle are wrong, a rollout
 * command that does not fit its state. `where` names what is at fault (`device "jetson-07"`,
 * `--stages`, `rollout 3`); the message is one line a person can act on.
 */
export class FleetError extends ElmaError {}
