/** Running `elma` in-process with captured output, and scratch directories for CLI tests. */
import { mkdtempSync, cpSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../cli/main.ts';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function elma(argv: string[], stdinLines: string[] = []): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (t) => { stdout += t; },
    stderr: (t) => { stderr += t; },
    stdin: async function* () { yield* stdinLines; },
  });
  return { code, stdout, stderr };
}

export function scratch(prefix = 'elma-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A writable copy of a fixture directory. */
export function copyDir(src: string): string {
  const dst = path.join(scratch(), path.basename(src));
  cpSync(src, dst, { recursive: true });
  return dst;
}
