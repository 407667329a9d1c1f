/**
 * `elma tokenize --bundle <dir>`: the bundle's tokenizer as a filter, JSON lines in and out, for
 * checking ELMA's tokenization against another implementation.
 */
import { loadTokenizer } from '../../runtime/load-tokenizer.ts';
import { requireString, type Command } from '../command.ts';

/** One input line's problem, or its text and optional pair. */
function parseLine(line: string): { text: string; pair?: string } | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return 'is not valid JSON';
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'is not a JSON object';
  const o = v as Record<string, unknown>;
  if (typeof o.text !== 'string') return '"text" is missing or not a string';
  if (o.pair !== undefined && typeof o.pair !== 'string') return '"pair" is not a string';
  return o.pair === undefined ? { text: o.text } : { text: o.text, pair: o.pair };
}

export const tokenizeCommand: Command = {
  name: 'tokenize',
  summary: 'Tokenize JSON lines from stdin with a bundle\'s tokenizer (ids and offsets)',
  help: `Usage: elma tokenize --bundle <dir>

Reads one JSON object per line from standard input, {"text": "...", "pair": "..."} ("pair" is
optional), and writes one JSON line per object: {"ids": [...], "offsets": [[start, end], ...]}.
The ids include [CLS] and [SEP] (offsets [0, 0]); offsets are string indices (UTF-16 code units)
into "text", or into "pair" for the pair's tokens. Blank lines are skipped.

A malformed line is reported on stderr as "line N: <problem>" and produces no output; the other
lines are still tokenized, and the command exits with status 1 at the end.

Options:
  --bundle <dir>   directory with tokenizer.json (preferred) or spiece.model`,
  options: { bundle: { type: 'string' } },
  async run(args, io) {
    const tokenizer = loadTokenizer(requireString(args, 'bundle'));
    let lineNo = 0;
    let bad = 0;
    for await (const chunk of io.stdin()) {
      for (const raw of chunk.split('\n')) {
        lineNo++;
        const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
        if (line.trim() === '') continue;
        const input = parseLine(line);
        if (typeof input === 'string') {
          bad++;
          io.stderr(`elma tokenize: line ${lineNo}: ${input}\n`);
          continue;
        }
        const enc = tokenizer.encode(input.text, input.pair);
        io.stdout(`${JSON.stringify({ ids: enc.ids, offsets: enc.offsets })}\n`);
      }
    }
    if (bad > 0) io.stderr(`elma tokenize: ${bad} malformed line${bad === 1 ? '' : 's'} skipped\n`);
    return bad > 0 ? 1 : 0;
  },
};
