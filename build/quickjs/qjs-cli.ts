/**
 * The QA core's command on elma-qjs, the entry of its bundle (qjs-core-bundle.ts):
 *
 *   elma-qjs elma-qjs-core.js --bundle <dir> --questions <file.json> [--threads N]
 *
 * Verifies the bundle against its manifest (qjs-bundle.ts), opens its model on ELMA's C kernels
 * (qjs-kernels-backend.ts over "elma:kernels") and answers each question under the bundle's own exit
 * policy (qjs-answerer.ts), printing one JSON line per answer as it is answered: answerQuestions'
 * QuestionAnswer (id, text, span, probability, scoreDiff, layer, entropy, confident, features, ms).
 * The questions file is a JSON array of {id, question, context}, or a SQuAD file ({"data": [...]}).
 * Bad input is one line on stderr, "elma-qjs: <what>: <problem>", and exit status 2 for a usage
 * error, 1 for anything else (docs/qjs-runtime.md).
 */
import * as host from 'elma:host';
import * as kernels from 'elma:kernels';
import { parseSquad, type SquadExample } from '../../engine/squad/dataset.ts';
import { readVerifiedBundle } from './qjs-bundle.ts';
import { openQjsAnswerer } from './qjs-answerer.ts';
import { createQjsNativeBackend } from './qjs-kernels-backend.ts';

const USAGE = 'usage: elma-qjs <core.js> --bundle <dir> --questions <file.json> [--threads N]';

/** A command-line mistake: exit status 2, as the host's own usage errors. */
class UsageError extends Error {}

interface Options { bundle: string; questions: string; threads: number }

function parseOptions(args: readonly string[]): Options {
  let bundle: string | undefined, questions: string | undefined, threads = 0;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = (): string => {
      const v = args[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value; ${USAGE}`);
      return v;
    };
    if (a === '--bundle') bundle = value();
    else if (a === '--questions') questions = value();
    else if (a === '--threads') {
      const v = value();
      threads = Number(v);
      if (!/^\d+$/.test(v) || threads > 256) throw new UsageError(`--threads: "${v}" is not a thread count 0..256 (0: one per CPU)`);
    } else if (a === '--help' || a === '-h') {
      host.writeStdout(`${USAGE}\n`);
      host.exit(0);
    } else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}; ${USAGE}`);
    else throw new UsageError(`unexpected argument "${a}"; ${USAGE}`);
  }
  if (bundle === undefined) throw new UsageError(`--bundle <dir> is required; ${USAGE}`);
  if (questions === undefined) throw new UsageError(`--questions <file.json> is required; ${USAGE}`);
  return { bundle, questions, threads };
}

function question(x: unknown, i: number, file: string): SquadExample {
  const q = x as { id?: unknown; question?: unknown; context?: unknown } | null;
  if (q === null || typeof q !== 'object' || typeof q.id !== 'string' || typeof q.question !== 'string' || typeof q.context !== 'string') {
    throw new TypeError(`${file}: [${i}] must be {id, question, context} with string values`);
  }
  return { id: q.id, title: '', question: q.question, context: q.context, answers: [], isImpossible: false };
}

function readQuestions(file: string): SquadExample[] {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(host.readFile(file));
  } catch (e) {
    throw new Error(`--questions ${(e as Error).message}`);
  }
  const text = host.decodeUtf8(bytes);
  if (text === null) throw new TypeError(`${file}: is not valid UTF-8`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TypeError(`${file}: is not valid JSON (${(e as Error).message})`);
  }
  const list = Array.isArray(json) ? json.map((q, i) => question(q, i, file)) : parseSquad(json, { source: file });
  if (list.length === 0) throw new RangeError(`${file}: has no questions`);
  return list;
}

function main(): void {
  const o = parseOptions(host.args);
  kernels.setThreads(o.threads);
  const backend = createQjsNativeBackend(kernels);
  const bundle = readVerifiedBundle(o.bundle, host);
  const questions = readQuestions(o.questions);
  const answerer = openQjsAnswerer(bundle, backend, host.now);
  for (const q of questions) host.writeStdout(`${JSON.stringify(answerer.answer([q])[0])}\n`);
}

try {
  main();
} catch (e) {
  const message = e instanceof Error ? e.message : String(e);
  host.writeStderr(`elma-qjs: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  host.exit(e instanceof UsageError ? 2 : 1);
}
