/**
 * A synchronous ONNX Runtime session. onnxruntime-node's public InferenceSession is async only
 * (it wraps a synchronous native binding in setImmediate); the Backend interface is synchronous,
 * so this talks to the same binding (onnxruntime-node/dist/binding.js) directly.
 *
 * The package is loaded lazily with require, so importing ELMA does not load ONNX Runtime's
 * 20 MB library unless the onnx backend is chosen.
 */
import { createRequire } from 'node:module';
import { BackendError } from '../errors.ts';

type OrtType = 'float32' | 'int32' | 'int64';
type OrtData = Float32Array | Int32Array | BigInt64Array;

interface OrtTensor {
  readonly type: string;
  readonly data: unknown;
  readonly dims: readonly number[];
}
interface OrtTensorConstructor { new (type: OrtType, data: OrtData, dims: readonly number[]): OrtTensor }
interface BindingSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: SessionOptions): void;
  readonly inputMetadata: readonly { readonly name: string }[];
  readonly outputMetadata: readonly { readonly name: string }[];
  run(feeds: Record<string, OrtTensor>, fetches: Record<string, null>, options: Record<string, never>): Record<string, OrtTensor>;
  dispose(): void;
}
interface Ort {
  readonly binding: { readonly InferenceSession: new () => BindingSession; listSupportedBackends(): readonly { readonly name: string }[] };
  readonly Tensor: OrtTensorConstructor;
}

export interface SessionOptions {
  readonly graphOptimizationLevel: 'disabled' | 'basic' | 'extended' | 'all';
  readonly intraOpNumThreads: number;
  readonly interOpNumThreads: number;
  readonly executionMode: 'sequential';
  readonly executionProviders: readonly string[];
  /** Session config entries (onnxruntime_session_options_config_keys.h), nested by dots. */
  readonly extra?: { readonly session: { readonly intra_op: { readonly allow_spinning: '0' | '1' }; readonly inter_op: { readonly allow_spinning: '0' | '1' } } };
}

let ort: Ort | undefined;

/** Load onnxruntime-node once; a BackendError when it is not installed or its binary does not load here. */
export function loadOrt(): Ort {
  if (ort !== undefined) return ort;
  const require = createRequire(import.meta.url);
  try {
    const b = require('onnxruntime-node/dist/binding.js') as { binding: Ort['binding']; initOrt: () => void };
    b.initOrt();
    const common = require('onnxruntime-common') as { Tensor: OrtTensorConstructor };
    if (!b.binding.listSupportedBackends().some((x) => x.name === 'cpu')) throw new Error('no CPU execution provider');
    ort = { binding: b.binding, Tensor: common.Tensor };
    return ort;
  } catch (e) {
    throw new BackendError('onnx', `onnxruntime-node cannot be loaded on ${process.platform}-${process.arch}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export type Feed = { readonly type: OrtType; readonly data: OrtData; readonly dims: readonly number[] };

export class OrtSession {
  private readonly s: BindingSession;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];

  /** `what` names the model in errors (a file path or "layer graph"). */
  constructor(model: Uint8Array, readonly what: string, threads: number) {
    const o = loadOrt();
    this.s = new o.binding.InferenceSession();
    try {
      this.s.loadModel(model.buffer, model.byteOffset, model.byteLength, {
        graphOptimizationLevel: 'all', intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', executionProviders: ['cpu'],
        // No busy-waiting between runs (ORT's default spins its pool threads after each run, which
        // takes the cores from everything else the process does: the event loop, the native backend).
        extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
      });
    } catch (e) {
      throw new BackendError('onnx', `${what}: not a model ONNX Runtime can load: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.inputNames = this.s.inputMetadata.map((m) => m.name);
    this.outputNames = this.s.outputMetadata.map((m) => m.name);
  }

  /** Run with the given feeds; returns every output's data (float32 outputs as Float32Array). */
  run(feeds: Readonly<Record<string, Feed>>): Record<string, Float32Array> {
    const o = loadOrt();
    const t: Record<string, OrtTensor> = {};
    for (const [k, f] of Object.entries(feeds)) t[k] = new o.Tensor(f.type, f.data, f.dims);
    const fetches: Record<string, null> = Object.fromEntries(this.outputNames.map((n) => [n, null]));
    let out: Record<string, OrtTensor>;
    try {
      out = this.s.run(t, fetches, {});
    } catch (e) {
      throw new BackendError('onnx', `${this.what}: run failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    const res: Record<string, Float32Array> = {};
    for (const n of this.outputNames) {
      const d = out[n]?.data;
      if (!(d instanceof Float32Array)) throw new BackendError('onnx', `${this.what}: output ${n} is not float32`);
      res[n] = d;
    }
    return res;
  }

  dispose(): void {
    this.s.dispose();
  }
}
