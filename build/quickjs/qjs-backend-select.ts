/**
 * runtime/backend-select.ts for the device program on elma-qjs (qjs-edge-bundle.ts puts this file
 * in its place): the same exports and the same rules (an explicit name is that backend or a
 * UsageError saying why not; `auto` is the fastest available), over what elma-qjs has:
 *
 *   native  ELMA's C kernels linked into the host (elma:kernels, qjs-kernels-backend.ts): the very
 *           functions the Node program reaches through koffi
 *   js      the portable TypeScript kernels
 *   onnx, cuda   not in elma-qjs (onnxruntime-node is a Node addon; CUDA needs a dynamic build,
 *                docs/qjs-runtime.md "Static")
 *
 * Each export is typed as its Node twin's (`typeof NodeSelect.x`), so the two cannot drift apart
 * without the type check failing.
 */
import * as kernels from 'elma:kernels';
import type * as NodeSelect from '../../runtime/backend-select.ts';
import type { Backend } from '../../kernels/backend.ts';
import { jsBackend } from '../../kernels/js/index.ts';
import { BackendError } from '../../kernels/errors.ts';
import { UsageError } from '../../runtime/usage-error.ts';
import { createQjsNativeBackend } from './qjs-kernels-backend.ts';

export type BackendName = NodeSelect.BackendName;
export type SelectOptions = NodeSelect.SelectOptions;

export const BACKEND_NAMES: typeof NodeSelect.BACKEND_NAMES = ['js', 'native', 'onnx', 'cuda'];

const AUTO_ORDER: readonly BackendName[] = ['native', 'js'];

function nativeBackend(): Backend {
  // As kernels/native/index.ts: ELMA_THREADS workers, else one per CPU (0).
  const n = Number(process.env.ELMA_THREADS);
  kernels.setThreads(Number.isSafeInteger(n) && n > 0 ? n : 0);
  return createQjsNativeBackend(kernels);
}

const FACTORIES: Readonly<Record<BackendName, () => Backend>> = {
  js: () => jsBackend,
  native: nativeBackend,
  onnx: () => { throw new BackendError('onnx', 'not in elma-qjs (onnxruntime-node is a Node addon); the device runs native or js'); },
  cuda: () => { throw new BackendError('cuda', 'not in elma-qjs (a static program cannot load CUDA: docs/qjs-runtime.md); the device runs native or js'); },
};

const probed = new Map<BackendName, Backend | BackendError>();

export const probeBackend: typeof NodeSelect.probeBackend = (name) => {
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
};

export const availableBackends: typeof NodeSelect.availableBackends = () => BACKEND_NAMES.filter((n) => !(probeBackend(n) instanceof BackendError));

export const AVAILABLE_BACKENDS: typeof NodeSelect.AVAILABLE_BACKENDS = availableBackends();

function isBackendName(x: unknown): x is BackendName {
  return typeof x === 'string' && (BACKEND_NAMES as readonly string[]).includes(x);
}

export const selectBackend: typeof NodeSelect.selectBackend = (name, opts = {}) => {
  // fp32 only: the int8 layer (docs/backends.md) is not in elma:kernels yet.
  const precision = (opts as { precision?: unknown }).precision ?? 'fp32';
  if (precision !== 'fp32') throw new UsageError(`precision ${JSON.stringify(precision)} is not in elma-qjs; it runs fp32`);
  if (name === undefined || name === 'auto') {
    for (const n of AUTO_ORDER) {
      const b = probeBackend(n);
      if (!(b instanceof BackendError)) return b;
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
};
