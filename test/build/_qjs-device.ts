/**
 * Helpers of the device-program-on-elma-qjs tests (qjs-device.test.ts): the device bundle built
 * once, the device run as a child process of elma-qjs with its output collected line by line (woken
 * on each line, as test/transport/_procs.ts's Proc: no polling), and a snapshot of what a crash
 * must never change in a slots directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { bundleQjsEdge } from '../../build/quickjs/qjs-edge-bundle.ts';

let built: Promise<string> | undefined;

/** The device program's elma-qjs bundle, written once into `dir`. */
export function edgeBundle(dir: string): Promise<string> {
  built ??= bundleQjsEdge().then(({ code }) => {
    const file = path.join(dir, 'elma-qjs-edge.js');
    writeFileSync(file, code);
    return file;
  });
  return built;
}

/** `elma-qjs <bundle> --config <edge.json> ...` as a child process, killed when the test ends. */
export class QjsDevice {
  readonly child: ChildProcess;
  readonly out: string[] = [];
  readonly err: string[] = [];
  /** The exit code (null when killed by a signal) once stdout and stderr are closed too. */
  readonly exited: Promise<number | null>;
  #closed = false;
  readonly #waiters = new Set<() => void>();

  constructor(t: ExecutionContext, host: string, bundle: string, args: readonly string[], env: Record<string, string> = {}) {
    this.child = spawn(host, [bundle, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
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
    this.child.stdin!.on('error', () => undefined);
    this.exited = new Promise((resolve) => this.child.on('close', (code) => { this.#closed = true; resolve(code); this.#wake(); }));
    t.teardown(() => { this.kill(); });
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

  /** Wait until `pred` holds (checked on each line of output); fail after `ms` or at an exit without it. */
  until(pred: () => boolean, ms: number, what: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = (): void => { clearTimeout(timer); this.#waiters.delete(check); };
      const check = (): void => {
        if (pred()) { done(); resolve(); return; }
        if (this.#closed) {
          done();
          reject(new Error(`elma-qjs exited (${this.child.exitCode ?? this.child.signalCode}) before ${what}\nstdout:\n${this.out.join('\n')}\nstderr:\n${this.err.join('\n')}`));
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

  /** The JSON lines on stdout. */
  json(): Record<string, unknown>[] {
    return this.out.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

/**
 * Every file under the slots directory with its sha256, except the device's own reports and
 * leftovers it removes at boot: a crash must leave this unchanged (slot A, B, the state records).
 */
export function slotsSnapshot(slots: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      const r = rel === '' ? name : `${rel}/${name}`;
      if (statSync(file).isDirectory()) walk(file, r);
      else out[r] = createHash('sha256').update(readFileSync(file)).digest('hex');
    }
  };
  walk(slots, '');
  return out;
}
