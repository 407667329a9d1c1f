/**
 * Dynamic batching, after Triton's dynamic batcher (max_queue_delay_microseconds and
 * max_batch_size; a bounded queue with default_timeout): requests that arrive while the model is
 * busy, or within `maxQueueDelayMs` of the first one waiting, are run as one batch of at most
 * `maxBatchRows` rows (a question's SQuAD windows are its rows, never split across batches).
 *
 * Backpressure: the queue holds at most `maxQueueRows` rows; a request that does not fit is
 * refused at once with BusyError and a retry-after estimated from the measured time per row, so
 * memory stays bounded under any load. Every request has a deadline; one still queued when it
 * passes is refused (BusyError) rather than run late for a device that has given up.
 */
import { ElmaError } from '../../engine/errors.ts';
import { BATCH_SIZE_BOUNDS, FixedHistogram } from './histogram.ts';

export class BusyError extends ElmaError {
  readonly retryAfterMs: number;
  constructor(where: string, why: string, retryAfterMs: number) {
    super(where, why);
    this.retryAfterMs = retryAfterMs;
  }
}

export interface BatcherOptions {
  /** Longest a request waits for others to join its batch (ms); 0 runs whatever is queued at once. */
  readonly maxQueueDelayMs: number;
  /** Most rows (SQuAD windows) in one batch. */
  readonly maxBatchRows: number;
  /** Most rows waiting; beyond it requests are refused as busy. */
  readonly maxQueueRows: number;
  /** A request not started within this many ms of its arrival is refused as busy. */
  readonly deadlineMs: number;
  readonly now?: () => number;
}

/** Defaults measured on the 2-core development VM (docs/cloud.md, BENCHMARKS.md): the CPU model is
 *  compute-bound, batches of 4 windows were fastest per question (9.4 ms vs 11.0 alone, 11.5 at 16). */
export const DEFAULT_BATCHER: BatcherOptions = { maxQueueDelayMs: 2, maxBatchRows: 4, maxQueueRows: 1024, deadlineMs: 10_000 };

interface Waiting<I, O> {
  readonly item: I;
  readonly rows: number;
  readonly arrived: number;
  readonly deadline: number;
  readonly resolve: (o: O) => void;
  readonly reject: (e: Error) => void;
}

export interface BatcherStats {
  batches: number;
  rows: number;
  refused: number;
  expired: number;
  /** Rows of the largest batch run. */
  largest: number;
}

export class DynamicBatcher<I, O> {
  readonly #run: (items: I[]) => O[] | Promise<O[]>;
  readonly #rowsOf: (item: I) => number;
  readonly #o: BatcherOptions;
  readonly #now: () => number;
  readonly #queue: Waiting<I, O>[] = [];
  #queuedRows = 0;
  #running = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Exponential moving average of ms per row, for retry-after estimates. */
  #msPerRow = 5;
  readonly stats: BatcherStats = { batches: 0, rows: 0, refused: 0, expired: 0, largest: 0 };
  /** Sizes (rows) of the batches run, for /metrics. */
  readonly batchSizes = new FixedHistogram(BATCH_SIZE_BOUNDS);

  constructor(run: (items: I[]) => O[] | Promise<O[]>, rowsOf: (item: I) => number, o: BatcherOptions = DEFAULT_BATCHER) {
    for (const k of ['maxBatchRows', 'maxQueueRows', 'deadlineMs'] as const) {
      if (!Number.isSafeInteger(o[k]) || o[k] < 1) throw new RangeError(`batcher ${k} must be a positive integer, got ${o[k]}`);
    }
    if (!(o.maxQueueDelayMs >= 0)) throw new RangeError(`batcher maxQueueDelayMs must be ≥ 0, got ${o.maxQueueDelayMs}`);
    this.#run = run;
    this.#rowsOf = rowsOf;
    this.#o = o;
    this.#now = o.now ?? (() => performance.now());
  }

  get queuedRows(): number {
    return this.#queuedRows;
  }

  submit(item: I): Promise<O> {
    const rows = this.#rowsOf(item);
    if (this.#queuedRows + rows > this.#o.maxQueueRows && this.#queuedRows > 0) {
      this.stats.refused++;
      return Promise.reject(new BusyError('cloud', `queue full (${this.#queuedRows} rows waiting)`, this.#retryAfter()));
    }
    return new Promise<O>((resolve, reject) => {
      const now = this.#now();
      this.#queue.push({ item, rows, arrived: now, deadline: now + this.#o.deadlineMs, resolve, reject });
      this.#queuedRows += rows;
      this.#schedule();
    });
  }

  #retryAfter(): number {
    return Math.max(50, Math.min(30_000, Math.round(this.#queuedRows * this.#msPerRow)));
  }

  #schedule(): void {
    if (this.#running || this.#queue.length === 0) return;
    if (this.#queuedRows >= this.#o.maxBatchRows || this.#o.maxQueueDelayMs === 0) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      setImmediate(() => void this.#dispatch());
      return;
    }
    // The delay counts from the oldest waiting request's arrival (Triton's max_queue_delay).
    const wait = Math.max(0, this.#queue[0]!.arrived + this.#o.maxQueueDelayMs - this.#now());
    if (this.#timer === undefined) this.#timer = setTimeout(() => { this.#timer = undefined; void this.#dispatch(); }, wait);
  }

  async #dispatch(): Promise<void> {
    if (this.#running || this.#queue.length === 0) return;
    this.#running = true;
    const now = this.#now();
    const batch: Waiting<I, O>[] = [];
    let rows = 0;
    while (this.#queue.length > 0) {
      const w = this.#queue[0]!;
      if (w.deadline < now) {
        this.#queue.shift();
        this.#queuedRows -= w.rows;
        this.stats.expired++;
        w.reject(new BusyError('cloud', `not started within ${this.#o.deadlineMs} ms`, this.#retryAfter()));
        continue;
      }
      if (batch.length > 0 && rows + w.rows > this.#o.maxBatchRows) break;
      this.#queue.shift();
      this.#queuedRows -= w.rows;
      batch.push(w);
      rows += w.rows;
    }
    if (batch.length > 0) {
      const t0 = this.#now();
      try {
        const out = await this.#run(batch.map((w) => w.item));
        batch.forEach((w, i) => w.resolve(out[i]!));
      } catch (e) {
        for (const w of batch) w.reject(e as Error);
      }
      const ms = this.#now() - t0;
      this.#msPerRow = 0.8 * this.#msPerRow + 0.2 * (ms / rows);
      this.stats.batches++;
      this.stats.rows += rows;
      this.stats.largest = Math.max(this.stats.largest, rows);
      this.batchSizes.observe(rows);
    }
    this.#running = false;
    // Let the event loop read sockets (new requests, keepalives) before the next batch.
    if (this.#queue.length > 0) setImmediate(() => this.#schedule());
  }
}
