/**
 * The build machine's programs that making an image runs (cmake, the C compiler, readelf, tar):
 * found on PATH before anything is built, so that a missing one is one clear line up front rather
 * than a failure half-way; and run with their output captured for the error that names them.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { ImageError } from './image-error.ts';

/** The absolute path of `program` (a name looked up on PATH, or a path), or null. */
export function findProgram(program: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const candidates = program.includes('/') ? [path.resolve(program)]
    : (env.PATH ?? '').split(path.delimiter).filter((d) => d !== '').map((d) => path.join(d, program));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch { /* next */ }
  }
  return null;
}

/** findProgram, or an ImageError saying what to install. */
export function requireProgram(program: string, what: string, install: string): string {
  const p = findProgram(program);
  if (p === null) throw new ImageError(what, `${program} was not found${program.includes('/') ? '' : ' on PATH'} (${install})`);
  return p;
}

export interface RunResult { readonly out: string }

/** Run a program to completion; an ImageError with the tail of its output when it fails. */
export function runProgram(cmd: string, args: readonly string[], what: string, opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): RunResult {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.error !== undefined) throw new ImageError(what, `${cmd} could not run: ${r.error.message}`);
  if (r.status !== 0) {
    const tail = out.trim().split('\n').slice(-12).join('\n  ');
    throw new ImageError(what, `${path.basename(cmd)} ${args.slice(0, 3).join(' ')}... failed (exit ${r.status ?? r.signal}):\n  ${tail}`);
  }
  return { out };
}
