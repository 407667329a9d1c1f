/**
 * Backend choice for the Node programs. Only the portable TypeScript backend exists so far;
 * asking for another is a clear error (the native/ONNX/CUDA backends come with their own issue).
 */
import type { Backend } from '../kernels/backend.ts';
import { jsBackend } from '../kernels/js/index.ts';
import { UsageError } from './cli/command.ts';

export const AVAILABLE_BACKENDS = ['js'] as const;

export function selectBackend(name: unknown): Backend {
  if (name === undefined || name === 'auto' || name === 'js') return jsBackend;
  throw new UsageError(`backend ${JSON.stringify(name)} is not available on this machine; available: auto, ${AVAILABLE_BACKENDS.join(', ')}`);
}
