import { ElmaError } from '../../engine/errors.ts';

/** The device outbox cannot take or keep a request (full, unwritable). */
export class OutboxError extends ElmaError {}
