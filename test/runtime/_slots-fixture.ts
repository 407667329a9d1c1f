/**
 * Bundles for the slot tests, built from the HF tiny fixture: imported once, given golden questions
 * (the answers the model really gives, or wrong ones), then signed with `elma bundle pack` at the
 * versions a test asks for. Plus a byte-level snapshot of a slots directory to prove "untouched".
 */
import { createHash } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HF } from '../_fixtures.ts';
import { elma, scratch } from '../_cli.ts';
import { setupQa } from '../../cli/commands/_qa-setup.ts';
import { answerQuestions } from '../../engine/qa/answer-questions.ts';

export const CONTEXT = 'The Normans gave their name to Normandy, a region in France.';
export const QUESTION = 'What region did the Normans name?';

export interface Kit {
  readonly dir: string;
  readonly key: string;
  readonly pub: string;
  /** What the tiny model answers to QUESTION about CONTEXT. */
  readonly answer: string;
  /** A signed bundle directory at `version`; `wrong`: its golden answer is one the model does not give. */
  bundle(version: number, opts?: { wrong?: boolean; tar?: boolean; extra?: string[] }): Promise<string>;
}

export async function makeKit(): Promise<Kit> {
  const dir = scratch('elma-slots-');
  const base = path.join(dir, 'base');
  const key = path.join(dir, 'signing.key');
  const imp = await elma(['import-hf', `${HF}/albert_tiny_qa`, '--out', base]);
  if (imp.code !== 0) throw new Error(imp.stderr);
  const kg = await elma(['keygen', '--out', key]);
  if (kg.code !== 0) throw new Error(kg.stderr);
  const qa = setupQa(base, { values: {}, positionals: [] });
  const answer = answerQuestions(qa.model, qa.tokenizer, [{ id: 'g', title: '', question: QUESTION, context: CONTEXT, answers: [], isImpossible: false }], qa.settings).answers[0]!.text;
  if (answer === 'Normans gave') throw new Error('the fixture answers with the "wrong" answer; pick another');
  let n = 0;
  return {
    dir, key, pub: kg.stdout.trim(), answer,
    async bundle(version, opts = {}) {
      const out = path.join(dir, `b${++n}-v${version}`);
      cpSync(base, out, { recursive: true });
      const mf = path.join(out, 'manifest.json');
      const m = JSON.parse(readFileSync(mf, 'utf8')) as Record<string, unknown>;
      m.golden = [{ context: CONTEXT, question: QUESTION, answer: opts.wrong === true ? 'Normans gave' : answer }];
      writeFileSync(mf, JSON.stringify(m, null, 2));
      const tar = `${out}.tar`;
      const r = await elma(['bundle', 'pack', out, '--key', key, '--version', String(version), ...(opts.tar === true ? ['--out', tar] : []), ...(opts.extra ?? [])]);
      if (r.code !== 0) throw new Error(r.stderr);
      return opts.tar === true ? tar : out;
    },
  };
}

/** Every file under `dir` (recursively) with its sha256: equal snapshots mean byte-identical trees. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[path.relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}
