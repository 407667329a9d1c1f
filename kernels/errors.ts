/**
 * The error a backend throws when it cannot load or cannot run something: a missing or
 * wrong-architecture library, an ABI mismatch, a corrupt ONNX file, a TensorRT engine from
 * another TensorRT version, a failed native call. Bad shapes stay RangeError (backend.ts).
 * It is an ElmaError, so the CLI prints its one-line message, never a stack trace.
 */
import { ElmaError } from '../common/elma-error.ts';

export class BackendError extends ElmaError {
  /** The backend at fault: 'native', 'onnx', 'cuda', 'tensorrt'. */
  readonly backend: string;

  constructor(backend: string, problem: string) {
    super(`backend ${backend}`, problem);
    this.backend = backend;
  }
}
