/**
 * Node's `process` on elma-qjs, what the device program reads and calls: env, pid, platform,
 * arch, argv, cwd(), exitCode, exit(), kill(), nextTick(), stdout/stderr.write, and signal
 * listeners (process.on('SIGTERM', ...)), which the host delivers from its event loop through a
 * self-pipe (build/qjs/signals.c): never inside the signal handler.
 */
import * as host from 'elma:host';
import { EventEmitter } from './events.ts';
import { decodeUtf8Lossy } from './text-codec.ts';

const SIGNALS = new Set(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGUSR2']);

class Writable {
  readonly #write: (text: string) => void;
  readonly isTTY: boolean;

  constructor(write: (text: string) => void, fd: number) {
    this.#write = write;
    this.isTTY = host.isatty(fd);
  }

  write(chunk: string | Uint8Array): boolean {
    this.#write(typeof chunk === 'string' ? chunk : (host.decodeUtf8(chunk) ?? decodeUtf8Lossy(chunk)));
    return true;
  }
}

class QjsProcess extends EventEmitter {
  readonly env: Record<string, string | undefined> = host.env();
  readonly pid = host.pid();
  readonly platform = host.platform;
  readonly arch = host.arch;
  /** The script's path is not known to it; argv[1] is the bundle, as under Node. */
  readonly argv = ['elma-qjs', 'elma-qjs-edge.js', ...host.args];
  readonly stdout = new Writable(host.writeStdout, 1);
  readonly stderr = new Writable(host.writeStderr, 2);
  readonly versions = { quickjs: '2021-03-27' };
  #exitCode: number | undefined;

  get exitCode(): number | undefined {
    return this.#exitCode;
  }

  set exitCode(code: number | undefined) {
    this.#exitCode = code;
    host.setExitCode(code ?? 0);
  }

  cwd(): string {
    return host.cwd();
  }

  exit(code?: number): never {
    return host.exit(code ?? this.#exitCode ?? 0);
  }

  kill(pid: number, signal: string = 'SIGTERM'): true {
    host.kill(pid, signal);
    return true;
  }

  nextTick(fn: (...args: unknown[]) => void, ...args: unknown[]): void {
    void Promise.resolve().then(() => fn(...args));
  }

  protected override listenerAdded(event: string | symbol): void {
    if (typeof event === 'string' && SIGNALS.has(event) && this.listenerCount(event) === 1) {
      host.signal(event, (name: string) => { this.emit(name, name); });
    }
  }

  protected override listenerRemoved(event: string | symbol): void {
    // The last listener gone: the signal's default action (terminate) again, as in Node.
    if (typeof event === 'string' && SIGNALS.has(event) && this.listenerCount(event) === 0) host.signal(event, null);
  }
}

export const process = new QjsProcess();
