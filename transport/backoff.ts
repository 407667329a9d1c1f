/**
 * Reconnect delays: exponential backoff with full jitter (M. Brooker, "Exponential Backoff And
 * Jitter", AWS Architecture Blog, 2015): attempt n waits uniform(0, min(cap, base · 2^n)). Jitter
 * spreads the reconnects of many devices after a server restart instead of synchronising them.
 */
import { RECONNECT_BASE, RECONNECT_CAP } from './constants.ts';

export interface BackoffOptions {
  readonly baseMs?: number;
  readonly capMs?: number;
  /** Uniform in [0, 1); injectable for tests. */
  readonly random?: () => number;
}

export class Backoff {
  readonly #base: number;
  readonly #cap: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(o: BackoffOptions = {}) {
    this.#base = o.baseMs ?? RECONNECT_BASE;
    this.#cap = o.capMs ?? RECONNECT_CAP;
    this.#random = o.random ?? Math.random;
    if (!(this.#base > 0 && this.#cap >= this.#base)) throw new RangeError(`backoff needs 0 < base ≤ cap, got ${this.#base}, ${this.#cap}`);
  }

  /** The delay before the next attempt, in ms; each call doubles the ceiling up to the cap. */
  next(): number {
    const ceiling = Math.min(this.#cap, this.#base * 2 ** Math.min(this.#attempt, 30));
    this.#attempt++;
    return Math.floor(this.#random() * ceiling);
  }

  /** After a successful connection: start again from the base. */
  reset(): void {
    this.#attempt = 0;
  }

  get attempt(): number {
    return this.#attempt;
  }
}
