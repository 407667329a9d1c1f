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

export interface LoadRequest { readonly dir: string; readonly backend: string; readonly depthLimit: number; readonly scale: number }
export interface ModelInfo {
  readonly modelId: string; readonly version: number; readonly layers: number; readonly depthLimit: number;
  readonly thresholds: readonly number[]; readonly backend: string; readonly dir: string;
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
    const loaded = loadQaBundle(load.dir, { backend: load.backend, depthLimit: load.depthLimit });
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
  return {
    modelId: m.model_id, version: m.version, layers: qa.model.config.numHiddenLayers, depthLimit: qa.settings.policy.depthLimit,
    thresholds: qa.settings.policy.thresholds, backend: qa.model.backend.name, dir,
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
