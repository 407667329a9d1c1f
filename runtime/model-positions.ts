/**
 * How long an input a model directory's ALBERT takes (max_position_embeddings) and the feature
 * length it answers with: from a bundle's manifest.json (its architecture and qa settings), else a
 * Hugging Face config.json. Commands that build features from a directory use it so that their
 * defaults follow the model and a length past its positions is refused before any work is done
 * (features past max_position_embeddings cannot run, and a file of them can be hundreds of MB).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readManifest } from '../models/bundle/bundle-dir.ts';
import { DEFAULT_QA, MANIFEST_FILE } from '../models/bundle/manifest.ts';
import { parseAlbertConfig } from '../engine/albert/config.ts';
import { ModelConfigError } from '../engine/errors.ts';

export interface ModelPositions {
  /** max_position_embeddings: the longest feature, special tokens included. */
  readonly maxPositions: number;
  /** The bundle's qa.max_seq_length and qa.doc_stride; for a Hugging Face directory, what elma import-hf would choose. */
  readonly maxSeqLength: number;
  readonly docStride: number;
  /** The file they were read from, for messages. */
  readonly source: string;
}

/** The positions of the model in `dir`, or undefined when it holds neither manifest.json nor config.json (a bare tokenizer). */
export function modelPositions(dir: string): ModelPositions | undefined {
  const manifestFile = path.join(dir, MANIFEST_FILE);
  if (existsSync(manifestFile)) {
    const { manifest, config } = readManifest(dir);
    return { maxPositions: config.maxPositionEmbeddings, maxSeqLength: manifest.qa.max_seq_length, docStride: manifest.qa.doc_stride, source: manifestFile };
  }
  const configFile = path.join(dir, 'config.json');
  if (!existsSync(configFile)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(configFile, 'utf8'));
  } catch (e) {
    throw new ModelConfigError(configFile, `is not valid JSON (${(e as Error).message})`);
  }
  const maxPositions = parseAlbertConfig(json, configFile).maxPositionEmbeddings;
  const maxSeqLength = Math.min(DEFAULT_QA.max_seq_length, maxPositions);
  return { maxPositions, maxSeqLength, docStride: defaultDocStride(maxSeqLength), source: configFile };
}

/** run_qa.py's 128 for features longer than that, else a quarter of the feature (as models/hf-import.ts chooses). */
export function defaultDocStride(maxSeqLength: number): number {
  return maxSeqLength > DEFAULT_QA.doc_stride ? DEFAULT_QA.doc_stride : Math.floor(maxSeqLength / 4);
}
