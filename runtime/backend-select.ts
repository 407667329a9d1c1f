/**
 * Backend choice for the Node programs (docs/backends.md, "How auto chooses").
 *
 *   explicit name  that backend, or a UsageError naming why it is not available here
 *   auto           the fastest available: cuda, then native, then onnx, then js (measured order on
 *                  a CPU machine: BENCHMARKS.md); when the native library is missing or does not
 *                  load, a one-line warning says why and which backend runs instead
 *
 * Probing loads the library once per process; the result is cached.
 */
import type { Backend } from '../kernels/backend.ts';
import { jsBackend } from '../kernels/js/index.ts';
import { BackendError } from '../kernels/errors.ts';
import { createNativeBackend, NATIVE_PRECISIONS, type NativePrecision } from '../kernels/native/index.ts';
import { createOnnxBackend } from '../kernels/onnx/index.ts';
import { createCudaBackend } from '../kernels/cuda/index.ts';
import { UsageError } from './usage-error.ts';

export const BACKEND_NAMES = ['js', 'native', 'onnx', 'cuda'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** auto's order of preference, fastest first. */
const AUTO_ORDER: readonly BackendName[] = ['cuda', 'native', 'onnx', 'js'];

const FACTORIES: Readonly<Record<BackendName, () => Backend>> = {
  js: () => jsBackend,
  native: () => createNativeBackend(),
  onnx: () => createOnnxBackend(),
  cuda: () => createCudaBackend(),
};

const probed = new Map<BackendName, Backend | BackendError>();

/** The backend, or the BackendError that says why it cannot run here (cached). */
export function probeBackend(name: BackendName): Backend | BackendError {
  let r = probed.get(name);
  if (r === undefined) {
    try {
      r = FACTORIES[name]();
    } catch (e) {
      if (!(e instanceof BackendError)) throw e;
      r = e;
    }
    probed.set(name, r);
  }
  return r;
}

/** Every backend that loads on this machine, in BACKEND_NAMES order. */
export function availableBackends(): BackendName[] {
  return BACKEND_NAMES.filter((n) => !(probeBackend(n) instanceof BackendError));
}

/** What the conformance suite and `--backend` help iterate over. */
export const AVAILABLE_BACKENDS: readonly BackendName[] = availableBackends();

function isBackendName(x: unknown): x is BackendName {
  return typeof x === 'string' && (BACKEND_NAMES as readonly string[]).includes(x);
}

export interface SelectOptions {
  /** Where auto's fallback warning goes (default: stderr). */
  readonly warn?: (message: string) => void;
  /** 'int8' or 'bf16' (docs/backends.md, "int8", "bf16"): the native backend with the layer's matrices in it; default fp32. */
  readonly precision?: unknown;
}

/** The precisions `--precision` takes. */
export const PRECISIONS: readonly NativePrecision[] = NATIVE_PRECISIONS;

const reducedBackends = new Map<NativePrecision, Backend | BackendError>();

/** int8 and bf16 run on the native backend only: auto or native, else a UsageError naming why. */
function selectReduced(precision: 'int8' | 'bf16', name: unknown): Backend {
  if (name !== undefined && name !== 'auto' && name !== 'native') {
    throw new UsageError(`precision ${precision} runs on the native backend only, not ${JSON.stringify(name)}; use --backend native or auto`);
  }
  let b = reducedBackends.get(precision);
  if (b === undefined) {
    try {
      b = createNativeBackend({ precision });
    } catch (e) {
      if (!(e instanceof BackendError)) throw e;
      b = e;
    }
    reducedBackends.set(precision, b);
  }
  if (b instanceof BackendError) {
    throw new UsageError(`precision ${precision} runs on the native backend, which cannot run it here: ${b.message.replace(/^backend \w+: /, '')}`);
  }
  return b;
}

export function selectBackend(name: unknown, opts: SelectOptions = {}): Backend {
  const precision = opts.precision ?? 'fp32';
  if (!(PRECISIONS as readonly unknown[]).includes(precision)) {
    throw new UsageError(`unknown precision ${JSON.stringify(precision)}; choose ${PRECISIONS.join(', ')}`);
  }
  if (precision === 'int8' || precision === 'bf16') return selectReduced(precision, name);
  if (name === undefined || name === 'auto') {
    const warn = opts.warn ?? ((m: string) => { process.stderr.write(`elma: warning: ${m}\n`); });
    for (const n of AUTO_ORDER) {
      const b = probeBackend(n);
      if (!(b instanceof BackendError)) return b;
      if (n === 'native') {
        const next = AUTO_ORDER.slice(AUTO_ORDER.indexOf('native') + 1).find((m) => !(probeBackend(m) instanceof BackendError)) ?? 'js';
        warn(`the native backend is not available (${b.message}); running on ${next}`);
      }
    }
    return jsBackend;
  }
  if (!isBackendName(name)) {
    throw new UsageError(`unknown backend ${JSON.stringify(name)}; choose auto or one of ${BACKEND_NAMES.join(', ')}`);
  }
  const b = probeBackend(name);
  if (b instanceof BackendError) {
    throw new UsageError(`backend ${name} is not available on this machine: ${b.message.replace(/^backend \w+: /, '')}; available: auto, ${availableBackends().join(', ')}`);
  }
  return b;
}
