/**
 * The error classes that callers catch, one per domain (ARCHITECTURE.md, "Errors").
 *
 * Every ELMA error names what is at fault (`where`: a file, a field, a tensor) so the message
 * can be shown to a user as is; the CLI prints `message` only, never a stack trace.
 */
import { ElmaError } from '../common/elma-error.ts';

export { ElmaError };

/** A model configuration or weight set that the engine cannot run (HF config keys, shapes). */
export class ModelConfigError extends ElmaError {}

/** Input to the engine that does not fit the model: sequence too long, ids out of range. */
export class EngineInputError extends ElmaError {}
