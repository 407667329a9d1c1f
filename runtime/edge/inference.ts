/**
 * Where the device's model runs, behind one interface (issue 18): under Node an inference worker
 * thread (worker.ts) keeps the console, the socket and the link responsive during a long question;
 * on elma-qjs, which has no threads for JavaScript, the model runs on the event loop
 * (InlineInference), one question at a time, between the link's turns. Both hold the model the
 * same way (ModelHolder: the slot's bundle, its thresholds times the scale) and answer with the
 * same function (infer.ts), so a device answers alike on either host.
 */
import { loadQaBundle, type QaBundle } from '../qa-bundle.ts';
import { EngineInputError } from '../../engine/errors.ts';
import { TokenizerError } from '../../engine/tokenizer/errors.ts';
import { answerOnDevice, type DeviceAnswer } from './infer.ts';
import type { NativeBackend } from '../../kernels/native/index.ts';

export interface LoadRequest {
  readonly dir: string; readonly backend: string;
  /** fp32, int8 or bf16 (edge.json "precision", --precision): int8 and bf16 run on the native backend only. */
  readonly precision: string;
  readonly depthLimit: number; readonly scale: number;
}
export interface ModelInfo {
  readonly modelId: string; readonly version: number; readonly layers: number; readonly depthLimit: number;
  readonly thresholds: readonly number[]; readonly backend: string; readonly dir: string;
  /** What the layer's matrices run in, and for int8 the kernel path ("avx2") and where the int8
   *  weights came from: the bundle's own bytes, or quantised from fp32 weights at load; for bf16
   *  the kernel path ("avx512-bf16"; the weights are always rounded from fp32 at load). */
  readonly precision: string;
  readonly int8?: { readonly path: string; readonly weights: 'bundle' | 'quantised' };
  readonly bf16?: { readonly path: string };
}

export interface Inference {
  /** Questions asked and not yet answered. */
  readonly queued: number;
  /** Load a slot's bundle (replacing the model held). */
  load(load: LoadRequest): Promise<ModelInfo>;
  /** Multiply the manifest's exit thresholds by `scale`. */
  setScale(scale: number): Promise<ModelInfo>;
  /** Rejects with an EngineInputError when the question or context cannot be answered as given (unreadable, empty, too long). */
  ask(context: string, question: string, form: 'text' | 'hidden'): Promise<DeviceAnswer>;
  close(): Promise<void>;
}

/** "fp32", "int8 on avx2, the bundle's int8 weights" / "int8 on avx2, quantised at load", or
 *  "bf16 on avx512-bf16, rounded at load" (status and the start log). */
export function describePrecision(m: ModelInfo): string {
  if (m.bf16 !== undefined) return `${m.precision} on ${m.bf16.path}, rounded at load`;
  if (m.int8 === undefined) return m.precision;
  return `${m.precision} on ${m.int8.path}, ${m.int8.weights === 'bundle' ? "the bundle's int8 weights" : 'quantised at load'}`;
}

/** Makes the device's inference; `onFatal` hears of a failure that ends it (a worker thread dying). */
export type InferenceFactory = (onFatal: (e: Error) => void) => Inference;

/** The question's own fault (unreadable or empty text, a question too long for the model), not the device's. */
export function isInputError(e: unknown): boolean {
  return e instanceof EngineInputError || e instanceof TokenizerError;
}

/** The loaded model and its thresholds: the state an inference keeps, wherever it runs. */
export class ModelHolder {
  #qa: QaBundle | undefined;
  #base: QaBundle | undefined;
  #dir = '';

  load(load: LoadRequest): ModelInfo {
    const loaded = loadQaBundle(load.dir, { backend: load.backend, precision: load.precision, depthLimit: load.depthLimit });
    this.#base = loaded;
    this.#qa = scaled(loaded, load.scale);
    this.#dir = load.dir;
    return infoOf(this.#qa, this.#dir);
  }

  setScale(scale: number): ModelInfo {
    if (this.#base === undefined) throw new Error('no model loaded');
    this.#qa = scaled(this.#base, scale);
    return infoOf(this.#qa, this.#dir);
  }

  ask(context: string, question: string, form: 'text' | 'hidden'): DeviceAnswer {
    if (this.#qa === undefined) throw new Error('no model loaded');
    return answerOnDevice(this.#qa, context, question, form);
  }
}

function scaled(qa: QaBundle, scale: number): QaBundle {
  const thresholds = qa.bundle.manifest.exits.thresholds.map((t) => t * scale);
  return { ...qa, settings: { ...qa.settings, policy: { ...qa.settings.policy, thresholds } } };
}

function infoOf(qa: QaBundle, dir: string): ModelInfo {
  const m = qa.bundle.manifest;
  const be = qa.model.backend as Partial<Pick<NativeBackend, 'precision' | 'int8' | 'bf16'>>;
  const precision = be.precision ?? 'fp32';
  return {
    modelId: m.model_id, version: m.version, layers: qa.model.config.numHiddenLayers, depthLimit: qa.settings.policy.depthLimit,
    thresholds: qa.settings.policy.thresholds, backend: qa.model.backend.name, dir, precision,
    ...(precision === 'int8' ? { int8: { path: be.int8?.path() ?? '', weights: qa.model.weights.groups[0]?.[0]?.int8 !== undefined ? 'bundle' as const : 'quantised' as const } } : {}),
    ...(precision === 'bf16' ? { bf16: { path: be.bf16?.path() ?? '' } } : {}),
  };
}

/**
 * The model on this thread's event loop (elma-qjs). A question blocks the loop while it runs
 * (tens of milliseconds on the default model); errors reach the caller as the worker's do: an
 * input error as EngineInputError with the same message, anything else as an Error.
 */
export class InlineInference implements Inference {
  readonly #model = new ModelHolder();
  #queued = 0;
  #closed = false;

  get queued(): number {
    return this.#queued;
  }

  load(load: LoadRequest): Promise<ModelInfo> {
    return this.#run(() => this.#model.load(load));
  }

  setScale(scale: number): Promise<ModelInfo> {
    return this.#run(() => this.#model.setScale(scale));
  }

  async ask(context: string, question: string, form: 'text' | 'hidden'): Promise<DeviceAnswer> {
    this.#queued++;
    try {
      return await this.#run(() => this.#model.ask(context, question, form));
    } finally {
      this.#queued--;
    }
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  #run<T>(f: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('inference closed'));
    try {
      return Promise.resolve(f());
    } catch (e) {
      const message = (e as Error).message;
      return Promise.reject(isInputError(e) ? new EngineInputError('', message) : new Error(message));
    }
  }
}
