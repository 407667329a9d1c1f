import { ElmaError } from '../../engine/errors.ts';

/** A retrain that cannot run or publish: a bundle it cannot retrain, a version already published. */
export class RetrainError extends ElmaError {}
