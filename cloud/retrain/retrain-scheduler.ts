/**
 * Retraining inside `elma cloud serve`: after every `every` newly stored questions a retrain job
 * is queued in the store (idempotent per key, so nodes sharing one database queue it once) and
 * claimed by exactly one node, which runs `elma cloud retrain` in a child process — training takes
 * minutes of CPU and must not stall the link's event loop — and publishes the version it writes
 * when the gate passes. One retrain runs at a time per node; questions stored meanwhile count
 * towards the next.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { QuestionStore } from '../store/question-store.ts';

export interface PublishedVersion {
  readonly version: number;
  readonly bundleDir: string;
  readonly tar: string;
  readonly index: string;
}

export interface RetrainSchedulerOptions {
  readonly store: QuestionStore;
  /** The store as the child process opens it (file path or postgres:// URL). */
  readonly storeSpec: string;
  readonly every: number;
  /** The bundle the first retrain starts from; later ones start from the last published. */
  readonly bundle: string;
  readonly dev: string;
  readonly replay: string;
  readonly releaseKey: string;
  readonly publishDir: string;
  readonly backend?: string;
  readonly worker?: string;
  readonly log: (line: string) => void;
  readonly onPublished: (p: PublishedVersion) => void;
  /** The elma entry point the child runs (default: this process's own script). */
  readonly elma?: string;
}

export class RetrainScheduler {
  readonly #o: RetrainSchedulerOptions;
  #bundle: string;
  #sinceLast = 0;
  #total = 0;
  #running: Promise<void> | undefined;
  #child: ReturnType<typeof spawn> | undefined;
  #stopped = false;

  constructor(o: RetrainSchedulerOptions) {
    this.#o = o;
    this.#bundle = path.resolve(o.bundle);
  }

  get running(): boolean {
    return this.#running !== undefined;
  }

  /** Counts what the store already holds, so a restarted node does not retrain on old news at once. */
  async start(): Promise<void> {
    this.#total = await this.#o.store.count();
    this.#sinceLast = this.#total % this.#o.every;
  }

  /** One more question stored by this node. */
  stored(): void {
    this.#total++;
    if (++this.#sinceLast < this.#o.every) return;
    this.#sinceLast = 0;
    const key = `retrain-at-${this.#total}`;
    void this.#o.store.enqueueJob(key, { stored: this.#total }).then(() => this.#pump(), (e: Error) => this.#o.log(`retrain: could not queue ${key}: ${e.message}`));
  }

  #pump(): void {
    if (this.#running !== undefined || this.#stopped) return;
    this.#running = this.#claimAndRun().finally(() => {
      this.#running = undefined;
    });
  }

  async #claimAndRun(): Promise<void> {
    const job = await this.#o.store.claimJob(this.#o.worker ?? `pid-${process.pid}`).catch((e: Error) => {
      this.#o.log(`retrain: could not claim a job: ${e.message}`);
      return undefined;
    });
    if (job === undefined) return;
    this.#o.log(`retrain: job ${job.key} claimed, starting from ${this.#bundle}`);
    const result = await this.#runChild();
    await this.#o.store.finishJob(job.id, result).catch((e: Error) => this.#o.log(`retrain: could not record job ${job.key}: ${e.message}`));
    if (result.published === true && typeof result.bundle_dir === 'string' && typeof result.tar === 'string' && typeof result.index === 'string') {
      this.#bundle = result.bundle_dir;
      this.#o.onPublished({ version: Number(result.version), bundleDir: result.bundle_dir, tar: result.tar, index: result.index });
    } else {
      this.#o.log(`retrain: job ${job.key} not published: ${String(result.reason ?? result.error ?? 'no reason given')}`);
    }
  }

  #runChild(): Promise<Record<string, unknown>> {
    const o = this.#o;
    const args = [o.elma ?? process.argv[1]!, 'cloud', 'retrain', '--store', o.storeSpec, '--bundle', this.#bundle, '--dev', o.dev, '--replay', o.replay,
      '--key', o.releaseKey, '--out', o.publishDir, '--json', ...(o.backend === undefined ? [] : ['--backend', o.backend])];
    return new Promise((resolve) => {
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      this.#child = child;
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString('utf8'); });
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString('utf8');
        // Progress lines of the child, passed on (the last line of each chunk).
        const lines = err.split('\n');
        err = lines.pop()!;
        for (const l of lines) if (l.trim() !== '') o.log(`retrain: ${l.trim()}`);
      });
      child.on('close', (code, signal) => {
        this.#child = undefined;
        try {
          const report = JSON.parse(out.trim().split('\n').pop() ?? '') as Record<string, unknown>;
          resolve(report);
        } catch {
          resolve({ published: false, error: `elma cloud retrain exited ${signal ?? code} without a report${err.trim() === '' ? '' : `: ${err.trim().slice(0, 300)}`}` });
        }
      });
    });
  }

  /** Stop scheduling; a retrain in progress is ended (its job stays claimed and unfinished). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#child?.kill('SIGTERM');
    await this.#running;
  }
}
