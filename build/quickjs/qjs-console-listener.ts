/**
 * runtime/voice/console-listener.ts for the device program on elma-qjs (qjs-edge-bundle.ts puts
 * this file in its place). Spoken questions need PocketSphinx, espeak-ng and arecord as child
 * processes (runtime/voice/_child.ts), and elma-qjs starts no processes: the console's `listen`
 * says so in one line and points to what works (`ask`, or the Node device program). Everything
 * else of the console is the same code as under Node. The class has its Node twin's public
 * members (checked by the type below), so the console cannot call one this file lacks.
 */
import type * as NodeListener from '../../runtime/voice/console-listener.ts';

export const RECORD_SECONDS: typeof NodeListener.RECORD_SECONDS = 5;
export const LISTEN_HELP: string = '  listen                 spoken questions: not on elma-qjs (they need PocketSphinx as a child process; the Node device program has them)';

export type Say = NodeListener.Say;
export type Ask = NodeListener.Ask;

export const LISTEN_UNAVAILABLE = 'listen: spoken questions are not available on elma-qjs (PocketSphinx runs as a child process, which elma-qjs cannot start); type the question: ask <question>';

type PublicOf<T> = { [K in keyof T]: T[K] };

export class ConsoleListener implements PublicOf<NodeListener.ConsoleListener> {
  readonly #say: Say;

  constructor(say: Say, _ask: Ask) {
    this.#say = say;
  }

  /** No transcript ever waits for confirmation here. */
  get pending(): boolean {
    return false;
  }

  confirm(_line: string): Promise<void> {
    return Promise.resolve();
  }

  listen(_rest: string, _context: string): Promise<void> {
    this.#say(LISTEN_UNAVAILABLE);
    return Promise.resolve();
  }

  close(): void {}
}
