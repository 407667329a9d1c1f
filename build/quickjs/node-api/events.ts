/**
 * Node's EventEmitter, the part node:net's sockets and servers and `process` need on elma-qjs:
 * on/addListener, once, off/removeListener, emit, listenerCount, removeAllListeners. As in Node,
 * listeners run in the order added, a listener removed during an emit still runs for that emit,
 * and an 'error' emitted with no listener is thrown.
 */
type Listener = (...args: never[]) => void;

export class EventEmitter {
  readonly #listeners = new Map<string | symbol, { fn: Listener; once: boolean }[]>();

  on(event: string | symbol, fn: Listener): this {
    const list = this.#listeners.get(event);
    if (list === undefined) this.#listeners.set(event, [{ fn, once: false }]);
    else list.push({ fn, once: false });
    this.listenerAdded(event);
    return this;
  }

  addListener(event: string | symbol, fn: Listener): this {
    return this.on(event, fn);
  }

  once(event: string | symbol, fn: Listener): this {
    this.on(event, fn);
    const list = this.#listeners.get(event)!;
    list[list.length - 1]!.once = true;
    return this;
  }

  off(event: string | symbol, fn: Listener): this {
    const list = this.#listeners.get(event);
    if (list === undefined) return this;
    // The most recently added registration goes first, as Node's removeListener.
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i]!.fn === fn) {
        list.splice(i, 1);
        break;
      }
    }
    if (list.length === 0) this.#listeners.delete(event);
    this.listenerRemoved(event);
    return this;
  }

  removeListener(event: string | symbol, fn: Listener): this {
    return this.off(event, fn);
  }

  removeAllListeners(event?: string | symbol): this {
    const events = event === undefined ? [...this.#listeners.keys()] : [event];
    for (const e of events) {
      this.#listeners.delete(e);
      this.listenerRemoved(e);
    }
    return this;
  }

  listenerCount(event: string | symbol): number {
    return this.#listeners.get(event)?.length ?? 0;
  }

  emit(event: string | symbol, ...args: unknown[]): boolean {
    const list = this.#listeners.get(event);
    if (list === undefined || list.length === 0) {
      if (event === 'error') throw args[0] instanceof Error ? args[0] : new Error(`Unhandled error. (${String(args[0])})`);
      return false;
    }
    for (const l of [...list]) {
      if (l.once) this.off(event, l.fn);
      (l.fn as (...a: unknown[]) => void).apply(this, args);
    }
    return true;
  }

  /** For subclasses that act on the first listener of an event (process: signal handlers). */
  protected listenerAdded(_event: string | symbol): void {}
  protected listenerRemoved(_event: string | symbol): void {}
}
