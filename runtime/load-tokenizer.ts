/**
 * Loading a bundle's tokenizer from disk (Node side): the file the manifest names, else
 * `<dir>/tokenizer.json` when present, else `<dir>/spiece.model` (ARCHITECTURE.md, "Bundle").
 * Every failure is a TokenizerError that names the directory or file, never a raw stack trace.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AlbertTokenizer } from '../engine/tokenizer/albert-tokenizer.ts';
import { TokenizerError } from '../engine/tokenizer/errors.ts';

function read(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TokenizerError(file, code === 'ENOENT' ? 'no such file' : `cannot be read: ${(e as Error).message}`);
  }
}

/** One tokenizer file: `*.json` is a Hugging Face tokenizer.json, anything else a SentencePiece model. */
export function loadTokenizerFile(file: string): AlbertTokenizer {
  const bytes = read(file);
  if (!file.endsWith('.json')) return AlbertTokenizer.fromSentencePieceModel(new Uint8Array(bytes), file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new TokenizerError(file, `is not valid JSON: ${(e as Error).message}`);
  }
  return AlbertTokenizer.fromTokenizerJson(parsed, file);
}

/**
 * The tokenizer of bundle (or Hugging Face model) directory `dir`: `file` when given (e.g. the
 * manifest's `tokenizer`), else tokenizer.json, else spiece.model.
 */
export function loadTokenizer(dir: string, file?: string): AlbertTokenizer {
  if (file !== undefined) return loadTokenizerFile(file);
  for (const name of ['tokenizer.json', 'spiece.model']) {
    const f = path.join(dir, name);
    if (existsSync(f)) return loadTokenizerFile(f);
  }
  throw new TokenizerError(dir, existsSync(dir) ? 'has neither tokenizer.json nor spiece.model' : 'no such directory');
}
