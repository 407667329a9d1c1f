/**
 * The errors of spoken questions (issue 17), one class per fault so callers can tell them apart:
 * the audio a person gave (not a WAV, too long, silence), and the recogniser this machine lacks or
 * that failed. Both name the file or the tool at fault, in one line a user can read.
 */
import { ElmaError } from '../../common/elma-error.ts';

/** The audio file's fault: not a WAV, an encoding we do not read, too long, cut short. */
export class AudioInputError extends ElmaError {}

/** The speech recogniser's fault: not installed (the message says what to install), or it failed. */
export class RecogniserError extends ElmaError {}
