/**
 * The data domain's error class (`elma data synth`, `elma data vocab`): an output that cannot be
 * written, a tool that is missing or fails (spm_train), input that cannot make a vocabulary.
 * `where` names the file, directory or tool at fault.
 */
import { ElmaError } from '../../engine/errors.ts';

export class DataError extends ElmaError {}
