/**
 * A fixed-bucket histogram for the node's metrics (GET /metrics): batch sizes and answer times.
 * Counts are kept per bucket and reported cumulatively with a final +Inf bucket, as Prometheus'
 * histogram type is defined (exposition format 0.0.4: `_bucket{le}`, `_sum`, `_count`).
 */
import type { Histogram } from '../admin/fleet-admin.ts';

export class FixedHistogram {
  readonly #bounds: readonly number[];
  readonly #counts: number[];
  #sum = 0;
  #count = 0;

  /** `bounds`: increasing upper bounds (without +Inf). */
  constructor(bounds: readonly number[]) {
    bounds.forEach((b, i) => {
      if (!Number.isFinite(b) || (i > 0 && b <= bounds[i - 1]!)) throw new RangeError(`histogram bounds must increase and be finite, got ${bounds.join(', ')}`);
    });
    this.#bounds = bounds;
    this.#counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(v: number): void {
    let i = 0;
    while (i < this.#bounds.length && v > this.#bounds[i]!) i++;
    this.#counts[i]!++;
    this.#sum += v;
    this.#count++;
  }

  snapshot(): Histogram {
    let running = 0;
    const buckets = [...this.#bounds, Infinity].map((le, i): [number, number] => [le, (running += this.#counts[i]!)]);
    return { buckets, sum: this.#sum, count: this.#count };
  }
}

/** Batch sizes in SQuAD windows. */
export const BATCH_SIZE_BOUNDS = [1, 2, 4, 8, 16, 32, 64];
/** Seconds from an offload's arrival to its answer. */
export const ANSWER_SECONDS_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
