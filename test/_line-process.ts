/**
 * A child process whose stdout and stderr are collected line by line, and waited on by what it
 * prints: `until(pred)` is checked on each new line and at exit (no polling, no sleeps). The
 * end-to-end tests run every program this way: `elma` commands (test/transport/_procs.ts's Proc)
 * and the device program on elma-qjs (test/build/_qjs-device.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface LineProcessOptions {
  /** Written to stdin, which is then closed; without it stdin stays open for write()/end(). */
  readonly stdin?: string;
  /** Added to this process's environment (fault injection: ELMA_CRASH_AT). */
  readonly env?: Record<string, string>;
  readonly cwd?: string;
}

export class LineProcess {
  readonly child: ChildProcess;
  readonly out: string[] = [];
  readonly err: string[] = [];
  /**
   * The exit code (null when killed by a signal), once the process has exited and its stdout and
   * stderr are closed (the 'close' event, not 'exit': after 'exit' the last output may still be on
   * its way, and a test reading `out` then could miss it).
   */
  readonly exited: Promise<number | null>;
  #closed = false;
  readonly #waiters = new Set<() => void>();

  constructor(file: string, args: readonly string[], o: LineProcessOptions = {}) {
    this.child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...o.env }, ...(o.cwd !== undefined ? { cwd: o.cwd } : {}) });
    const lines = (into: string[]) => {
      let buf = '';
      return (chunk: Buffer): void => {
        buf += chunk.toString('utf8');
        let nl: number;
        let added = false;
        while ((nl = buf.indexOf('\n')) >= 0) {
          into.push(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
          added = true;
        }
        if (added) this.#wake();
      };
    };
    this.child.stdout!.on('data', lines(this.out));
    this.child.stderr!.on('data', lines(this.err));
    // A process that exits before reading all of its input: EPIPE on our side is not the test's failure.
    this.child.stdin!.on('error', () => undefined);
    this.exited = new Promise((resolve) => this.child.on('close', (code) => { this.#closed = true; resolve(code); this.#wake(); }));
    if (o.stdin !== undefined) this.child.stdin!.end(o.stdin);
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }

  write(text: string): void {
    this.child.stdin!.write(text);
  }

  end(text?: string): void {
    this.child.stdin!.end(text);
  }

  /**
   * Wait until `pred` holds, or fail after `ms` (or once the process has exited without it). `pred`
   * is checked now, on each new line of output and at exit: no polling, so it must depend on this
   * process's output only (state changed by anything else does not wake it).
   */
  until(pred: () => boolean, ms: number, what: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = (): void => { clearTimeout(timer); this.#waiters.delete(check); };
      const check = (): void => {
        let held: boolean;
        try {
          held = pred();
        } catch (e) {
          done();
          reject(e as Error);
          return;
        }
        if (held) { done(); resolve(); return; }
        if (this.#closed) {
          done();
          reject(new Error(`process exited (${this.child.exitCode ?? this.child.signalCode}) before ${what}\nstdout:\n${this.out.join('\n')}\nstderr:\n${this.err.join('\n')}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${ms} ms waiting for ${what}\nstdout:\n${this.out.join('\n')}\nstderr:\n${this.err.join('\n')}`));
      }, ms);
      this.#waiters.add(check);
      check();
    });
  }

  count(re: RegExp, stream: 'out' | 'err' = 'err'): number {
    return this[stream].filter((l) => re.test(l)).length;
  }

  /** The JSON lines on stdout. */
  json(): Record<string, unknown>[] {
    return this.out.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}
