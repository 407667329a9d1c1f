/**
 * Reading the pretraining corpus for `elma pretrain`: `--corpus` names corpus directories (elma data
 * corpus: the train/ files corpus.json lists, and its heldout/ files for evaluation), other folders
 * (their *.txt files) or text files; each document's paragraphs become sentences
 * (models/corpus/sentences.ts), which is what ALBERT's segments are built from.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseCorpus } from '../../models/corpus/document.ts';
import { splitSentences } from '../../models/corpus/sentences.ts';
import type { PretrainDocument } from '../../engine/train/pretrain-data.ts';
import { UsageError } from '../../runtime/usage-error.ts';

export interface CorpusFiles {
  readonly train: string[];
  readonly heldout: string[];
}

/** The train and held-out files the `--corpus` arguments name. */
export function corpusFiles(args: readonly string[]): CorpusFiles {
  const train: string[] = [], heldout: string[] = [];
  for (const a of args) {
    if (!existsSync(a)) throw new UsageError(`--corpus ${a}: no such file or directory`);
    if (!statSync(a).isDirectory()) { train.push(a); continue; }
    const manifest = path.join(a, 'corpus.json');
    if (existsSync(manifest)) {
      let m: { sources?: { name?: unknown }[] };
      try {
        m = JSON.parse(readFileSync(manifest, 'utf8')) as typeof m;
      } catch (e) {
        throw new UsageError(`--corpus ${manifest}: not valid JSON (${(e as Error).message})`);
      }
      const names = (m.sources ?? []).map((s) => s.name).filter((n): n is string => typeof n === 'string');
      if (names.length === 0) throw new UsageError(`--corpus ${manifest}: lists no sources`);
      for (const n of names) {
        train.push(path.join(a, 'train', `${n}.txt`));
        const h = path.join(a, 'heldout', `${n}.txt`);
        if (existsSync(h) && statSync(h).size > 0) heldout.push(h);
      }
    } else {
      const txt = readdirSync(a).filter((f) => f.endsWith('.txt')).sort().map((f) => path.join(a, f));
      if (txt.length === 0) throw new UsageError(`--corpus ${a}: a directory without corpus.json or *.txt files`);
      train.push(...txt);
    }
  }
  return { train, heldout };
}

/** Documents of corpus text files, as sentences. */
export function readPretrainDocuments(files: readonly string[]): PretrainDocument[] {
  const docs: PretrainDocument[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`--corpus ${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    for (const d of parseCorpus(text, file)) {
      const sentences = d.paragraphs.flatMap((p) => splitSentences(p));
      docs.push({ sentences, chars: sentences.reduce((a, s) => a + s.length, 0) });
    }
  }
  return docs;
}
