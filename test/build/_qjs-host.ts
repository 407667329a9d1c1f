/**
 * Helpers of the elma-qjs tests (qjs-host.test.ts): the questions, running the host, comparing its
 * answers with Node's field by field.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { utf8Decode } from '../../engine/utf8.ts';
import type { ExecutionContext } from 'ava';
import { synthesizeSquad } from '../../models/synth/generate.ts';
import { parseSquad } from '../../engine/squad/dataset.ts';
import type { QuestionAnswer } from '../../engine/qa/answer-questions.ts';
import type { HostFiles } from '../../build/quickjs/qjs-bundle.ts';
import { ACCENTED_CONTEXT, LONG_CONTEXT } from './_hand-written-contexts.ts';

export interface HostQuestion { readonly id: string; readonly question: string; readonly context: string }

/** 100 fresh synthetic questions (seed 41; training used seeds 1 and 2), a fifth unanswerable, and
 *  hand-written ones: a context of two windows, accents, one the text does not answer. */
export function questionSet(synthetic = 100): { questions: HostQuestion[]; unanswerable: number } {
  const examples = parseSquad(synthesizeSquad({ seed: 41, questions: synthetic }), { source: 'synthetic seed 41' });
  return {
    questions: [
      ...examples.map((e) => ({ id: e.id, question: e.question, context: e.context })),
      { id: 'hand-long-founder', context: LONG_CONTEXT, question: 'Who founded Oskarvik?' },
      { id: 'hand-long-mayor', context: LONG_CONTEXT, question: 'Who is the mayor of Oskarvik?' },
      { id: 'hand-accents', context: ACCENTED_CONTEXT, question: 'Where did Lefèvre learn to make crème brûlée?' },
      { id: 'hand-accents-unanswerable', context: ACCENTED_CONTEXT, question: 'Who bought the café in 2010?' },
    ],
    unanswerable: examples.filter((e) => e.isImpossible).length,
  };
}

/** The host's file functions on Node, for the same bundle reader (build/quickjs/qjs-bundle.ts). */
export const nodeHostFiles: HostFiles = {
  readFile: (p) => { const b = readFileSync(p); return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer; },
  readDir: (p) => readdirSync(p),
  sha256: (bytes) => createHash('sha256').update(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).digest('hex'),
  decodeUtf8: (bytes) => utf8Decode(bytes),
};

export interface HostRun { readonly code: number | null; readonly stdout: string; readonly stderr: string; readonly ms: number }

/** Run a program (elma-qjs, or qemu-aarch64 with elma-qjs as its first argument). */
export function runHost(cmd: string, args: readonly string[], timeoutMs = 10 * 60_000): HostRun {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  if (r.error !== undefined) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - t0 };
}

export function parseAnswerLines(stdout: string): QuestionAnswer[] {
  return stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as QuestionAnswer);
}

/** Fields computed in floating point; every other field must be equal. `ms` is measured, never compared. */
const APPROXIMATE = ['entropy', 'probability', 'scoreDiff'] as const;
const MEASURED = new Set(['ms']);

/**
 * Assert two runs' answers agree: every exact field equal, entropies and probabilities within `tol`,
 * score differences within `scoreDiffTol` (default `tol`): they are differences of float32 logits of
 * magnitude ~10, so kernels that sum in another order (the js backend, NEON, the small sgemm) move
 * them in the 5th decimal while the probabilities computed from them agree to 1e-6.
 * Returns the largest differences.
 */
export function compareAnswers(t: ExecutionContext, got: readonly QuestionAnswer[], want: readonly QuestionAnswer[], label: string,
  o: { tol?: number; scoreDiffTol?: number } = {}): Map<string, number> {
  const tol = o.tol ?? 1e-5;
  const limit = (k: string): number => (k === 'scoreDiff' ? o.scoreDiffTol ?? tol : tol);
  t.is(got.length, want.length, `${label}: as many answers`);
  const maxDiff = new Map<string, number>(APPROXIMATE.map((k) => [k, 0]));
  want.forEach((w, i) => {
    const g = got[i] as unknown as Record<string, unknown> | undefined;
    const n = w as unknown as Record<string, unknown>;
    if (g === undefined) return;
    t.deepEqual(Object.keys(g).sort(), Object.keys(n).sort(), `${label}: fields of ${w.id}`);
    const exact = (x: Record<string, unknown>): Record<string, unknown> =>
      Object.fromEntries(Object.entries(x).filter(([k]) => !(APPROXIMATE as readonly string[]).includes(k) && !MEASURED.has(k)));
    t.deepEqual(exact(g), exact(n), `${label}: answer to ${w.id}`);
    for (const k of APPROXIMATE) {
      const d = Math.abs((g[k] as number) - (n[k] as number));
      // NaN compares false: a NaN on one side fails as a difference would.
      t.true(d <= limit(k), `${label}: ${k} of ${w.id}: ${String(g[k])} against ${String(n[k])}`);
      if (d > maxDiff.get(k)!) maxDiff.set(k, d);
    }
  });
  return maxDiff;
}

export const formatDiffs = (m: Map<string, number>): string => [...m].map(([k, d]) => `${k} ${d.toExponential(2)}`).join(', ');
