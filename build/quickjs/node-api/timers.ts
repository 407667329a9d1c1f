/**
 * Node's timers on elma-qjs: setTimeout, setInterval, setImmediate and their clears, on the event
 * loop's timers (build/qjs/event-loop.c). A Timeout has ref()/unref()/hasRef()/refresh() as in
 * Node: an unref'd timer does not keep the program alive. queueMicrotask is a promise job, which
 * the loop drains after every callback, as Node drains its microtask queue.
 */
import * as host from 'elma:host';

type Callback = (...args: unknown[]) => void;

export class Timeout {
  #id: number;
  #ref = true;
  #done = false;
  readonly #ms: number;
  readonly #run: () => void;

  constructor(fn: Callback, ms: number, args: unknown[], repeat: boolean) {
    this.#ms = Number.isFinite(ms) && ms >= 1 ? ms : 1;
    this.#run = () => {
      if (repeat) this.#arm();
      else this.#done = true;
      fn(...args);
    };
    this.#id = this.#arm();
  }

  #arm(): number {
    this.#id = host.setTimer(this.#ms, this.#run);
    if (!this.#ref) host.refTimer(this.#id, false);
    return this.#id;
  }

  ref(): this {
    this.#ref = true;
    host.refTimer(this.#id, true);
    return this;
  }

  unref(): this {
    this.#ref = false;
    host.refTimer(this.#id, false);
    return this;
  }

  hasRef(): boolean {
    return this.#ref && !this.#done;
  }

  /** Start the delay again from now. */
  refresh(): this {
    if (this.#done) return this;
    host.clearTimer(this.#id);
    this.#arm();
    return this;
  }

  close(): void {
    this.#done = true;
    host.clearTimer(this.#id);
  }

  [Symbol.toPrimitive](): number {
    return this.#id;
  }
}

export function setTimeout(fn: Callback, ms?: number, ...args: unknown[]): Timeout {
  if (typeof fn !== 'function') throw new TypeError('setTimeout: the callback must be a function');
  return new Timeout(fn, ms ?? 1, args, false);
}

export function setInterval(fn: Callback, ms?: number, ...args: unknown[]): Timeout {
  if (typeof fn !== 'function') throw new TypeError('setInterval: the callback must be a function');
  return new Timeout(fn, ms ?? 1, args, true);
}

export function clearTimeout(t: Timeout | undefined | null): void {
  if (t instanceof Timeout) t.close();
}

export const clearInterval = clearTimeout;

export function setImmediate(fn: Callback, ...args: unknown[]): Timeout {
  return new Timeout(fn, 1, args, false);
}

export const clearImmediate = clearTimeout;

export function queueMicrotask(fn: () => void): void {
  if (typeof fn !== 'function') throw new TypeError('queueMicrotask: the callback must be a function');
  void Promise.resolve().then(fn);
}
