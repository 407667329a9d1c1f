import { ElmaError } from '../engine/errors.ts';

/** A safetensors file that is malformed: bad header, offsets, dtype or shape (safetensors format spec). */
export class SafetensorsError extends ElmaError {}

/** A bundle directory or Hugging Face model directory that cannot be read or imported. */
export class BundleError extends ElmaError {}
