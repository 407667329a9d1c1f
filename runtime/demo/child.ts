/**
 * The demo's programs: each `elma` command runs as its own process (the cloud, the device, the
 * operator's commands), with its output collected line by line so the demo can wait for what a
 * program says (an event, never a sleep) and end every process it started, by its pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export class ElmaChild {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly out: string[] = [];
  readonly err: string[] = [];
  readonly exited: Promise<number>;
  #waiters: (() => void)[] = [];
  #onLine: ((stream: 'out' | 'err', line: string) => void) | undefined;

  constructor(name: string, elma: string, args: readonly string[], o: { onLine?: (stream: 'out' | 'err', line: string) => void; cwd?: string } = {}) {
    this.name = name;
    this.#onLine = o.onLine;
    this.proc = spawn(process.execPath, [elma, ...args], { stdio: ['pipe', 'pipe', 'pipe'], ...(o.cwd === undefined ? {} : { cwd: o.cwd }) });
    const collect = (stream: 'out' | 'err') => {
      let buf = '';
      return (chunk: Buffer): void => {
        buf += chunk.toString('utf8');
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          this[stream].push(line);
          this.#onLine?.(stream, line);
        }
        this.#wake();
      };
    };
    this.proc.stdout!.on('data', collect('out'));
    this.proc.stderr!.on('data', collect('err'));
    this.proc.stdin!.on('error', () => {}); // a program that exits early closes its stdin under us
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => { resolve(code ?? (signal === null ? 1 : 128)); this.#wake(); }));
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  write(line: string): void {
    this.proc.stdin!.write(`${line}\n`);
  }

  /** Resolve with the first line (either stream) matching `re`, searching from line `from`; fail after `ms`. */
  async waitFor(re: RegExp, ms: number, what: string, from: { out?: number; err?: number } = {}): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.out.slice(from.out ?? 0).find((l) => re.test(l)) ?? this.err.slice(from.err ?? 0).find((l) => re.test(l));
      if (hit !== undefined) return hit;
      if (!this.running) throw new Error(`${this.name} exited before ${what}:\n${this.err.slice(-15).join('\n')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.name}: no sign of ${what} within ${Math.round(ms / 1000)} s:\n${this.err.slice(-15).join('\n')}`);
      await new Promise<void>((r) => {
        const timer = setTimeout(r, left);
        this.#waiters.push(() => { clearTimeout(timer); r(); });
      });
    }
  }

  /** Ask the program to stop (SIGTERM), then kill it if it has not within `ms`. */
  async stop(ms = 10_000): Promise<number> {
    if (this.running) {
      this.proc.kill('SIGTERM');
      const t = setTimeout(() => { if (this.running) this.proc.kill('SIGKILL'); }, ms);
      await this.exited;
      clearTimeout(t);
    }
    return this.exited;
  }
}

/** Run an `elma` command to its end; its stdout, or an error with its stderr when it fails. */
export async function runElma(elma: string, args: readonly string[], o: { okCodes?: readonly number[]; onErrLine?: (line: string) => void } = {}): Promise<{ code: number; out: string }> {
  const c = new ElmaChild(`elma ${args[0] ?? ''}`, elma, args, { onLine: (s, l) => { if (s === 'err') o.onErrLine?.(l); } });
  c.proc.stdin!.end();
  const code = await c.exited;
  if (!(o.okCodes ?? [0]).includes(code)) throw new Error(`elma ${args.slice(0, 2).join(' ')} failed (exit ${code}): ${c.err.slice(-5).join(' | ')}`);
  return { code, out: c.out.join('\n') };
}
