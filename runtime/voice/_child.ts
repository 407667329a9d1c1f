/**
 * One child process run to its end with input on stdin and its output collected (bounded), for the
 * speech tools (espeak-ng, pocketsphinx_continuous, arecord). A tool that is missing is told apart
 * (`missing`), so the caller can say what to install; a tool that runs past `timeoutMs` is killed.
 */
import { spawn } from 'node:child_process';

export interface ChildResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The program was not found (ENOENT) or could not be started (EACCES). */
  readonly missing: boolean;
  readonly timedOut: boolean;
  readonly ms: number;
}

const MAX_OUTPUT = 8 << 20;

export function runChild(command: string, args: readonly string[], opts: { input?: Uint8Array | string; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ChildResult> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    let missing = false;
    let timedOut = false;
    const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, opts.timeoutMs);
    const onAbort = (): void => { child.kill('SIGTERM'); };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (b: Buffer) => { if (outLen < MAX_OUTPUT) { out.push(b); outLen += b.length; } });
    child.stderr.on('data', (b: Buffer) => { if (errLen < MAX_OUTPUT) { err.push(b); errLen += b.length; } });
    child.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'ENOENT' || e.code === 'EACCES') missing = true; });
    // A child that exits before reading all of its input closes the pipe: EPIPE is its answer, not ours.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
    child.on('close', (code, signal) => {
      if (timer !== undefined) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({
        code, signal, missing, timedOut, ms: performance.now() - t0,
        stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}
