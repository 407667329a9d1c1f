/**
 * Inference off the event loop (issue 13): a node:worker_threads worker holds the active slot's
 * bundle (loadQaBundle) and answers one question at a time, so the console, the socket and the link
 * stay responsive during a long run. `load` swaps in another bundle (after an update) and
 * `scale` changes the thresholds' multiplier; each is answered once done.
 *
 * The worker's entry is the `elma` program itself with `edge --worker-thread`: from source that is
 * cli/elma.ts (tsx registered in the worker first), from the esbuild bundle it is
 * dist/elma.mjs, the file this code was bundled into. So no second bundle is needed.
 */
import { Worker, parentPort } from 'node:worker_threads';
import { loadQaBundle, type QaBundle } from '../qa-bundle.ts';
import { answerOnDevice, type DeviceAnswer } from './infer.ts';
import { spawnElmaWorker } from '../elma-worker.ts';
import { EngineInputError } from '../../engine/errors.ts';
import { TokenizerError } from '../../engine/tokenizer/errors.ts';

export interface LoadRequest { readonly dir: string; readonly backend: string; readonly depthLimit: number; readonly scale: number }
export interface ModelInfo {
  readonly modelId: string; readonly version: number; readonly layers: number; readonly depthLimit: number;
  readonly thresholds: readonly number[]; readonly backend: string; readonly dir: string;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type ToWorker =
  | { type: 'load'; n: number; load: LoadRequest }
  | { type: 'scale'; n: number; scale: number }
  | { type: 'ask'; n: number; context: string; question: string; form: 'text' | 'hidden' }
  | { type: 'close'; n: number };
type FromWorker =
  | { type: 'ok'; n: number; info?: ModelInfo; answer?: DeviceAnswer }
  | { type: 'error'; n: number; message: string; input?: true };

// ---- the worker side ------------------------------------------------------------------------

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

/** Runs in the worker thread until the parent sends `close`. */
export function runWorkerThread(): Promise<number> {
  const port = parentPort;
  if (port === null) throw new Error('--worker-thread is internal: elma edge starts it');
  let qa: QaBundle | undefined;
  let base: QaBundle | undefined;
  let dir = '';
  return new Promise((resolve) => {
    port.on('message', (m: ToWorker) => {
      let reply: FromWorker;
      try {
        switch (m.type) {
          case 'load': {
            const loaded = loadQaBundle(m.load.dir, { backend: m.load.backend, depthLimit: m.load.depthLimit });
            base = loaded;
            qa = scaled(loaded, m.load.scale);
            dir = m.load.dir;
            reply = { type: 'ok', n: m.n, info: infoOf(qa, dir) };
            break;
          }
          case 'scale':
            if (base === undefined) throw new Error('no model loaded');
            qa = scaled(base, m.scale);
            reply = { type: 'ok', n: m.n, info: infoOf(qa, dir) };
            break;
          case 'ask':
            if (qa === undefined) throw new Error('no model loaded');
            reply = { type: 'ok', n: m.n, answer: answerOnDevice(qa, m.context, m.question, m.form) };
            break;
          case 'close':
            port.postMessage({ type: 'ok', n: m.n } satisfies FromWorker);
            port.close();
            resolve(0);
            return;
        }
      } catch (e) {
        // The question's own fault (unreadable or empty text, a question too long for the model):
        // the parent refuses it with the reason; anything else is the device's failure.
        const input = e instanceof EngineInputError || e instanceof TokenizerError;
        reply = { type: 'error', n: m.n, message: (e as Error).message, ...(input ? { input: true as const } : {}) };
      }
      port.postMessage(reply);
    });
  });
}

// ---- the parent side ------------------------------------------------------------------------


export class InferenceWorker {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, { resolve: (r: FromWorker & { type: 'ok' }) => void; reject: (e: Error) => void }>();
  #n = 0;
  #dead: Error | undefined;
  /** Questions sent and not yet answered. */
  queued = 0;

  constructor(onFatal: (e: Error) => void) {
    this.#worker = spawnElmaWorker(['edge', '--worker-thread']);
    this.#worker.on('message', (m: FromWorker) => {
      const w = this.#waiting.get(m.n);
      this.#waiting.delete(m.n);
      if (w === undefined) return;
      if (m.type === 'ok') w.resolve(m);
      else w.reject(m.input === true ? new EngineInputError('', m.message) : new Error(m.message));
    });
    const die = (e: Error): void => {
      this.#dead ??= e;
      for (const w of this.#waiting.values()) w.reject(e);
      this.#waiting.clear();
    };
    this.#worker.on('error', (e) => { die(e); onFatal(e); });
    this.#worker.on('exit', (code) => die(new Error(`inference worker exited (${code})`)));
  }

  #call(m: DistributiveOmit<ToWorker, 'n'>): Promise<FromWorker & { type: 'ok' }> {
    if (this.#dead !== undefined) return Promise.reject(this.#dead);
    const n = ++this.#n;
    return new Promise((resolve, reject) => {
      this.#waiting.set(n, { resolve, reject });
      this.#worker.postMessage({ ...m, n });
    });
  }

  async load(load: LoadRequest): Promise<ModelInfo> {
    return (await this.#call({ type: 'load', load })).info!;
  }

  async setScale(scale: number): Promise<ModelInfo> {
    return (await this.#call({ type: 'scale', scale })).info!;
  }

  /** Rejects with an EngineInputError when the question or context cannot be answered as given (unreadable, empty, too long). */
  async ask(context: string, question: string, form: 'text' | 'hidden'): Promise<DeviceAnswer> {
    this.queued++;
    try {
      return (await this.#call({ type: 'ask', context, question, form })).answer!;
    } finally {
      this.queued--;
    }
  }

  async close(): Promise<void> {
    if (this.#dead === undefined) {
      const bye = this.#call({ type: 'close' }).catch(() => undefined);
      await Promise.race([bye, new Promise((r) => setTimeout(r, 2000))]);
    }
    await this.#worker.terminate();
  }
}
