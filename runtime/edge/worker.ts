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
import type { DeviceAnswer } from './infer.ts';
import { spawnElmaWorker } from '../elma-worker.ts';
import { EngineInputError } from '../../engine/errors.ts';
import { isInputError, ModelHolder, type Inference, type LoadRequest, type ModelInfo } from './inference.ts';

export type { LoadRequest, ModelInfo } from './inference.ts';

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

/** Runs in the worker thread until the parent sends `close`. */
export function runWorkerThread(): Promise<number> {
  const port = parentPort;
  if (port === null) throw new Error('--worker-thread is internal: elma edge starts it');
  const model = new ModelHolder();
  return new Promise((resolve) => {
    port.on('message', (m: ToWorker) => {
      let reply: FromWorker;
      try {
        switch (m.type) {
          case 'load':
            reply = { type: 'ok', n: m.n, info: model.load(m.load) };
            break;
          case 'scale':
            reply = { type: 'ok', n: m.n, info: model.setScale(m.scale) };
            break;
          case 'ask':
            reply = { type: 'ok', n: m.n, answer: model.ask(m.context, m.question, m.form) };
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
        const input = isInputError(e);
        reply = { type: 'error', n: m.n, message: (e as Error).message, ...(input ? { input: true as const } : {}) };
      }
      port.postMessage(reply);
    });
  });
}

// ---- the parent side ------------------------------------------------------------------------


/** The model in a worker thread (Node): the event loop stays free while a question runs. */
export class InferenceWorker implements Inference {
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
