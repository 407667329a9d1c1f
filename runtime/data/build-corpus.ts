/**
 * Builds the pretraining corpus directory: for each source, in a fixed order, its documents
 * de-duplicated against everything before them, split into train/<source>.txt and
 * heldout/<source>.txt (models/corpus/heldout.ts), plus corpus.json with the sizes, origins and
 * licences. Same sources, same bytes.
 */
import path from 'node:path';
import type { CorpusDocument } from '../../models/corpus/document.ts';
import { formatCorpus } from '../../models/corpus/document.ts';
import { dedupeParagraphs } from '../../models/corpus/dedupe.ts';
import { isHeldOut } from '../../models/corpus/heldout.ts';
import { countWords } from '../../models/corpus/prose.ts';
import type { CorpusSource } from './corpus-sources.ts';
import { ensureDir } from './spm-train.ts';
import { writeOutput } from './write-output.ts';

export const CORPUS_FORMAT = 'elma-corpus-1';

export interface SplitStats {
  readonly documents: number;
  readonly paragraphs: number;
  readonly words: number;
  readonly bytes: number;
}

export interface SourceReport {
  readonly name: string;
  readonly origin: string;
  readonly licence: string;
  readonly duplicate_paragraphs_dropped: number;
  readonly train: SplitStats;
  readonly heldout: SplitStats;
  /** The held-out documents' ids, for sources with few documents (addresses, chapters). */
  readonly heldout_ids?: string[];
}

function stats(docs: readonly CorpusDocument[], text: string): SplitStats {
  let paragraphs = 0, words = 0;
  for (const d of docs) {
    paragraphs += d.paragraphs.length;
    for (const p of d.paragraphs) words += countWords(p);
  }
  return { documents: docs.length, paragraphs, words, bytes: Buffer.byteLength(text) };
}

export interface BuiltSource {
  readonly source: CorpusSource;
  readonly documents: readonly CorpusDocument[];
}

/** Writes the corpus into `out` and returns corpus.json's content. */
export function writeCorpus(out: string, sources: readonly BuiltSource[], heldoutFraction: number): { format: string; heldout_fraction: number; sources: SourceReport[] } {
  ensureDir(path.join(out, 'train'));
  ensureDir(path.join(out, 'heldout'));
  const seen = new Set<string>();
  const reports: SourceReport[] = [];
  for (const { source, documents } of sources) {
    const { documents: kept, droppedParagraphs } = dedupeParagraphs(documents, seen);
    const train = kept.filter((d) => !isHeldOut(source.name, d.id, heldoutFraction));
    const held = kept.filter((d) => isHeldOut(source.name, d.id, heldoutFraction));
    const trainText = formatCorpus(train), heldText = formatCorpus(held);
    writeOutput(path.join(out, 'train', `${source.name}.txt`), trainText);
    writeOutput(path.join(out, 'heldout', `${source.name}.txt`), heldText);
    reports.push({
      name: source.name, origin: source.origin, licence: source.licence, duplicate_paragraphs_dropped: droppedParagraphs,
      train: stats(train, trainText), heldout: stats(held, heldText),
      ...(kept.length <= 1000 ? { heldout_ids: held.map((d) => d.id) } : {}),
    });
  }
  const manifest = { format: CORPUS_FORMAT, heldout_fraction: heldoutFraction, sources: reports };
  writeOutput(path.join(out, 'corpus.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
