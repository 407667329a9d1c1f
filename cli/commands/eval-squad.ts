/**
 * `elma eval-squad <data.json> <pred.json>`: the official SQuAD 2.0 evaluation script
 * (evaluate-v2.0.py) as a command, with its arguments and its output byte for byte: the metric
 * dict printed as Python's `json.dumps(out_eval, indent=2)`, or written with `json.dump(out_eval, f)`
 * to --out-file (and then nothing on stdout), "Missing prediction for <qid>" lines before failing.
 * The precision-recall plots (--out-image-dir) are not made.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseSquad, type SquadExample } from '../../engine/squad/dataset.ts';
import { evaluateSquadV2, MissingPredictionsError, SquadEvalError } from '../../engine/squad/metric.ts';
import { UsageError, type CliIO, type Command, type ParsedArgs } from '../command.ts';

const HELP = `Usage: elma eval-squad <data.json> <pred.json> [--na-prob-file F] [--na-prob-thresh T] [--out-file O]

Official evaluation script for SQuAD version 2.0 (evaluate-v2.0.py): exact match and F1 of the
predictions, overall and for answerable (HasAns) and unanswerable (NoAns) questions. With a
no-answer probability file it also reports the best threshold (best_exact, best_f1).

  data.json                   SQuAD 1.1 / 2.0 data set (dev-v2.0.json format)
  pred.json                   predictions: {"<question id>": "<answer text or empty>", ...}
  -n, --na-prob-file F        {"<question id>": <probability of no answer>, ...}
  -t, --na-prob-thresh T      predict "" where the no-answer probability exceeds T (default 1.0)
  -o, --out-file O            write the metrics to O (one line) instead of printing them`;

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    throw new SquadEvalError(file, code === 'ENOENT' ? 'no such file' : `cannot be read (${String(code ?? e)})`);
  }
}

function readJson(file: string): unknown {
  const text = readText(file);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new SquadEvalError(file, `is not valid JSON (${(e as Error).message})`);
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

function skipWs(text: string, i: number): number {
  while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  return i;
}

/** End (exclusive) of the JSON string token starting at `i` (a '"'). */
function endOfString(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === '"') return j + 1;
  }
  return text.length;
}

/**
 * The members of a top-level JSON object in the order Python's json.load gives them (file order
 * of first occurrence, last value wins), with each value's source text. JSON.parse cannot be used
 * for the order: JavaScript lists integer-like keys ("10", "2") first, in numeric order, and the
 * order of tied na-probs decides find_best_thresh. `text` must already be valid JSON.
 */
export function orderedMembers(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = skipWs(text, 0);
  if (text[i] !== '{') return out;
  i = skipWs(text, i + 1);
  while (i < text.length && text[i] !== '}') {
    const keyEnd = endOfString(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipWs(text, keyEnd) + 1; // past ':'
    i = skipWs(text, i);
    const start = i;
    let depth = 0;
    while (i < text.length) {
      const c = text[i] as string;
      if (c === '"') { i = endOfString(text, i); continue; }
      if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') { if (depth === 0) break; depth--; }
      else if (c === ',' && depth === 0) break;
      i++;
    }
    out.set(key, text.slice(start, i).trim());
    if (text[i] === ',') i = skipWs(text, i + 1);
  }
  return out;
}

function readPredictions(file: string): Map<string, string> {
  const json = readJson(file);
  if (!isObject(json)) throw new SquadEvalError(file, 'is not a JSON object of question id → answer text');
  const preds = new Map<string, string>();
  for (const [qid, v] of Object.entries(json)) {
    if (typeof v !== 'string') throw new SquadEvalError(`${file}: ${JSON.stringify(qid)}`, `is ${JSON.stringify(v)}, not a string (the answer text, "" for no answer)`);
    preds.set(qid, v);
  }
  return preds;
}

interface NaProbFile {
  readonly probs: Map<string, number>;
  /** Questions whose value is written as a JSON integer: Python's json.load makes those ints. */
  readonly intQids: Set<string>;
}

function readNaProbs(file: string): NaProbFile {
  const text = readText(file);
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch (e) {
    throw new SquadEvalError(file, `is not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(json)) throw new SquadEvalError(file, 'is not a JSON object of question id → probability of no answer');
  const probs = new Map<string, number>();
  const intQids = new Set<string>();
  for (const [qid, raw] of orderedMembers(text)) {
    const v = json[qid];
    if (typeof v !== 'number') throw new SquadEvalError(`${file}: ${JSON.stringify(qid)}`, `is ${JSON.stringify(v)}, not a number`);
    probs.set(qid, v);
    if (!/[.eE]/.test(raw)) intQids.add(qid);
  }
  return { probs, intQids };
}

// argparse type=float: Python's float() of the argument (decimal literal, inf, nan; spaces around).
const PY_FLOAT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)$/i;

function parseThresh(v: string | boolean | (string | boolean)[] | undefined): number {
  if (v === undefined) return 1.0;
  const s = typeof v === 'string' ? v.trim() : '';
  if (!PY_FLOAT.test(s)) throw new UsageError(`--na-prob-thresh: invalid float value: ${JSON.stringify(v)}`);
  const body = s.replace(/^[+-]/, '').toLowerCase();
  const sign = s.startsWith('-') ? -1 : 1;
  if (body === 'nan') return NaN;
  if (body === 'inf' || body === 'infinity') return sign * Infinity;
  return Number(s);
}

/** Python repr() of a float, as json.dumps writes it: shortest round-trip digits, "1e-05", "100.0". */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // toExponential() with no argument gives the shortest digits that round-trip, as repr does.
  const [mant, expText] = Math.abs(x).toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const digits = mant.replace('.', '');
  // CPython float_repr_style 'short': scientific when the exponent is < -4 or >= 16.
  if (exp < -4 || exp >= 16) {
    const m = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/**
 * Python json.dumps of a flat dict of numbers: with `indent`, one member a line and ',' between;
 * without, ', ' and ': ' on one line (json.dump's defaults). `intKeys` are Python ints.
 */
export function pyJsonDumps(dict: Readonly<Record<string, number>>, intKeys: ReadonlySet<string>, indent?: number): string {
  const items = Object.entries(dict).map(([k, v]) => `${JSON.stringify(k)}: ${intKeys.has(k) ? String(v) : pyFloatRepr(v)}`);
  if (indent === undefined) return `{${items.join(', ')}}`;
  const pad = ' '.repeat(indent);
  return `{\n${items.map((s) => pad + s).join(',\n')}\n}`;
}

async function run(args: ParsedArgs, io: CliIO): Promise<number> {
  const [dataFile, predFile] = args.positionals;
  if (dataFile === undefined || predFile === undefined) throw new UsageError('eval-squad needs <data.json> and <pred.json>');
  const naProbFile = args.values['na-prob-file'];
  const outFile = args.values['out-file'];
  if (naProbFile !== undefined && (typeof naProbFile !== 'string' || naProbFile === '')) throw new UsageError('--na-prob-file needs a file name');
  if (outFile !== undefined && (typeof outFile !== 'string' || outFile === '')) throw new UsageError('--out-file needs a file name');
  const thresh = parseThresh(args.values['na-prob-thresh']);

  // The script reads only the texts of the answers, so answer_start is not checked.
  const examples: SquadExample[] = parseSquad(readJson(dataFile), { source: dataFile, checkAnswerStarts: false });
  const preds = readPredictions(predFile);
  const na = typeof naProbFile === 'string' ? readNaProbs(naProbFile) : undefined;
  if (na !== undefined && typeof naProbFile === 'string') {
    // apply_no_ans_threshold looks up every predicted question (KeyError in the script).
    const lacking = examples.find((ex) => preds.has(ex.id) && !na.probs.has(ex.id));
    if (lacking !== undefined) throw new SquadEvalError(naProbFile, `has no probability for question ${JSON.stringify(lacking.id)}`);
  }

  let result;
  try {
    result = evaluateSquadV2(examples, preds, na === undefined ? { naProbThresh: thresh } : { naProbs: na.probs, naProbIntQids: na.intQids, naProbThresh: thresh });
  } catch (e) {
    if (e instanceof MissingPredictionsError) {
      // get_raw_scores prints these before the script fails.
      for (const qid of e.qids) io.stdout(`Missing prediction for ${qid}\n`);
      throw new MissingPredictionsError(predFile, e.qids);
    }
    throw e;
  }
  const dict = result.eval as unknown as Readonly<Record<string, number>>;
  if (typeof outFile === 'string') {
    try {
      writeFileSync(outFile, pyJsonDumps(dict, result.intKeys));
    } catch (e) {
      throw new SquadEvalError(outFile, `cannot be written (${String((e as { code?: unknown }).code ?? e)})`);
    }
  } else {
    io.stdout(`${pyJsonDumps(dict, result.intKeys, 2)}\n`);
  }
  return 0;
}

export const evalSquadCommand: Command = {
  name: 'eval-squad',
  summary: 'score SQuAD 2.0 predictions exactly as the official evaluate-v2.0.py does',
  help: HELP,
  options: {
    'na-prob-file': { type: 'string', short: 'n' },
    'na-prob-thresh': { type: 'string', short: 't' },
    'out-file': { type: 'string', short: 'o' },
  },
  positionals: { min: 2, max: 2 },
  run,
};
