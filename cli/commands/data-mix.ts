/**
 * `elma data mix --in a.json --in b.json --out mixed.json`: SQuAD 2.0 files interleaved article by
 * article in proportion to their sizes (cloud/training/mix-squad.ts).
 */
import { readFileSync } from 'node:fs';
import { mixSquad, squadArticles } from '../../cloud/training/mix-squad.ts';
import { DataError } from '../../runtime/data/errors.ts';
import { writeOutput } from '../../runtime/data/write-output.ts';
import { requireString, UsageError } from '../command.ts';
import type { DataSubcommand } from './data.ts';

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DataError(file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DataError(file, `is not JSON (${(e as Error).message})`);
  }
}

export const dataMix: DataSubcommand = {
  name: 'mix',
  summary: 'SQuAD files interleaved article by article in proportion to their sizes',
  help: `elma data mix --in <a.json> --in <b.json> [--in ...] --out <file.json>

Interleaves the articles of two or more SQuAD 2.0 files in proportion to their sizes, each file's
articles in their own order, so that every stretch of the result holds each input in about its
share (e.g. a new generator's questions with replay of the model's original data). Question ids
must be unique across the inputs. Deterministic.

  --in <file>           a SQuAD 2.0 JSON file (two or more)
  --out <file.json>     where to write the mixed set`,
  options: { in: { type: 'string', multiple: true } },
  async run(args, io) {
    const files = (args.values['in'] as string[] | undefined) ?? [];
    if (files.length < 2) throw new UsageError(`--in takes two files or more, got ${files.length}`);
    const out = requireString(args, 'out');
    const inputs = files.map((f) => squadArticles(readJson(f), f));
    const mixed = mixSquad(inputs);
    writeOutput(out, JSON.stringify(mixed));
    const counts = inputs.map((f) => `${f.source}: ${f.articles.length}`).join(', ');
    io.stderr(`${mixed.data.length} articles (${counts}) → ${out}\n`);
    return 0;
  },
};
