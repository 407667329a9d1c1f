/**
 * The cloud's model in a worker thread, so the node's event loop — handshakes, keepalives, every
 * device's frames — never waits for a batch: the main thread checks and tokenizes questions and
 * extracts answers; the worker holds the weights of every version and runs the layers
 * (engine/qa/staged-batch.ts). The worker is the elma program itself, started with
 * `cloud serve --model-worker` (runtime/elma-worker.ts).
 */
import { parentPort, type Worker } from 'node:worker_threads';
import { runToLastLayer, type StagedResult, type StagedRow } from '../../engine/qa/staged-batch.ts';
import { loadQaBundle, type QaBundle } from '../../runtime/qa-bundle.ts';
import { spawnElmaWorker } from '../../runtime/elma-worker.ts';

type ToWorker =
  | { type: 'load'; n: number; key: string; dir: string; backend?: string }
  | { type: 'run'; n: number; key: string; rows: StagedRow[] };
type FromWorker =
  | { type: 'loaded'; n: number; backend: string }
  | { type: 'ran'; n: number; result: StagedResult }
  | { type: 'error'; n: number; message: string };

/** The worker's side: load bundles by key, run batches, until the parent goes away. */
export function runModelWorker(): Promise<number> {
  const port = parentPort;
  if (port === null) throw new Error('--model-worker is internal: elma cloud serve starts it');
  const models = new Map<string, QaBundle>();
  return new Promise((resolve) => {
    port.on('message', (m: ToWorker) => {
      try {
        if (m.type === 'load') {
          const qa = loadQaBundle(m.dir, m.backend === undefined ? {} : { backend: m.backend });
          models.set(m.key, qa);
          port.postMessage({ type: 'loaded', n: m.n, backend: qa.model.backend.name } satisfies FromWorker);
        } else {
          const qa = models.get(m.key);
          if (qa === undefined) throw new Error(`model ${m.key} is not loaded in the worker`);
          const result = runToLastLayer(qa.model, m.rows);
          port.postMessage({ type: 'ran', n: m.n, result } satisfies FromWorker, [...result.start, ...result.end].map((a) => a.buffer as ArrayBuffer));
        }
      } catch (e) {
        port.postMessage({ type: 'error', n: m.n, message: (e as Error).message } satisfies FromWorker);
      }
    });
    port.on('close', () => resolve(0));
  });
}

/** The parent's side: one worker, requests answered in order. */
export class ModelWorker {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, { resolve: (m: FromWorker) => void; reject: (e: Error) => void }>();
  #n = 0;
  #dead: Error | undefined;

  constructor() {
    this.#worker = spawnElmaWorker(['cloud', 'serve', '--model-worker']);
    this.#worker.on('message', (m: FromWorker) => {
      const w = this.#waiting.get(m.n);
      this.#waiting.delete(m.n);
      if (w === undefined) return;
      if (m.type === 'error') w.reject(new Error(m.message));
      else w.resolve(m);
    });
    const die = (e: Error): void => {
      this.#dead ??= e;
      for (const w of this.#waiting.values()) w.reject(e);
      this.#waiting.clear();
    };
    this.#worker.on('error', die);
    this.#worker.on('exit', (code) => die(new Error(`the model worker exited (${code})`)));
  }

  #call(m: ToWorker extends infer T ? T extends { n: number } ? Omit<T, 'n'> : never : never): Promise<FromWorker> {
    if (this.#dead !== undefined) return Promise.reject(this.#dead);
    const n = ++this.#n;
    return new Promise((resolve, reject) => {
      this.#waiting.set(n, { resolve, reject });
      this.#worker.postMessage({ ...m, n });
    });
  }

  async load(key: string, dir: string, backend?: string): Promise<string> {
    const r = await this.#call({ type: 'load', key, dir, ...(backend === undefined ? {} : { backend }) });
    return r.type === 'loaded' ? r.backend : '?';
  }

  async run(key: string, rows: StagedRow[]): Promise<StagedResult> {
    const r = await this.#call({ type: 'run', key, rows });
    if (r.type !== 'ran') throw new Error(`the model worker answered ${r.type}`);
    return r.result;
  }

  close(): Promise<number> {
    return this.#worker.terminate();
  }
}
