/**
 * The words of PocketSphinx's generic English model (en-us.lm.bin, 72,547 words) with their
 * unigram probabilities: the background vocabulary of the biased model, so a question may use any
 * common English word, weighted by how common it is, and not only the context's words.
 *
 * The file is sphinxbase's binary trie format (ngram_model_trie.c, lm_trie.c, lm_trie_quant.c of
 * cmusphinx/pocketsphinx, 5prealpha, little-endian): the header "Trie Language Model", the order
 * (1 byte), the n-gram counts (uint32 each); then an int32 and the quantisation tables
 * ((order − 2) · 2 + 1 tables of 2^16 float32); then counts[0] + 1 unigrams of
 * {float32 prob, float32 backoff, uint32 next}; then the bit-packed higher n-grams, whose size
 * follows from the counts (lm_trie_alloc_ngram: middle_size with 32 quantised bits, longest_size
 * with 16); then an int32 byte count and the words, NUL-terminated, in unigram order. Only the
 * unigrams and the words are read (about 1.5 MB of the 27 MB file).
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { readAt } from '../../common/node/read-fully.ts';
import { RecogniserError } from './errors.ts';

const HEADER = 'Trie Language Model';

export interface GenericUnigram {
  readonly word: string;
  /** The unigram probability's logarithm in the file's own base (only the order and differences matter). */
  readonly logProb: number;
}

/** bitarr_required_bits: the bits that hold 0..max (also used by generic-ngrams.ts's trie reader). */
export function requiredBits(max: number): number {
  let bits = 0;
  while (max >= 1) {
    bits++;
    max = Math.floor(max / 2);
  }
  return bits;
}

/** lm_trie.c base_size: (1 + entries) packed entries, rounded up to bytes, plus a uint64 of slack. */
function baseSize(entries: number, maxVocab: number, remainingBits: number): number {
  return Math.floor(((1 + entries) * (requiredBits(maxVocab) + remainingBits) + 7) / 8) + 8;
}


const cache = new Map<string, GenericUnigram[]>();

/** The model's words, most probable first; <s>, </s> and <UNK> left out. */
export function readGenericUnigrams(path: string): GenericUnigram[] {
  const hit = cache.get(path);
  if (hit !== undefined) return hit;
  const bad = (why: string): RecogniserError => new RecogniserError(path, `is not a language model in sphinxbase's trie format (${why})`);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new RecogniserError(path, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    const size = fstatSync(fd).size;
    const head = readAt(fd, HEADER.length + 1, 0);
    if (head.subarray(0, HEADER.length).toString('latin1') !== HEADER) throw bad('no "Trie Language Model" header');
    const order = head[HEADER.length]!;
    if (order < 2 || order > 6) throw bad(`order ${order}`);
    const cb = readAt(fd, 4 * order, HEADER.length + 1);
    const counts = Array.from({ length: order }, (_, i) => cb.readUInt32LE(4 * i));
    const quantBytes = 4 + ((order - 2) * 2 + 1) * 65536 * 4;
    const uniAt = HEADER.length + 1 + 4 * order + quantBytes;
    const n1 = counts[0]!;
    let ngramBytes = 0;
    for (let i = 1; i < order - 1; i++) ngramBytes += baseSize(counts[i]!, n1, 32 + requiredBits(counts[i + 1]!));
    ngramBytes += baseSize(counts[order - 1]!, n1, 16);
    const wordsAt = uniAt + (n1 + 1) * 12 + ngramBytes;
    const kb = readAt(fd, 4, wordsAt);
    if (kb.length < 4) throw bad('shorter than its counts say');
    const k = kb.readInt32LE(0);
    if (wordsAt + 4 + k !== size) throw bad(`the word list does not end the file (${wordsAt + 4 + k} ≠ ${size} bytes)`);
    const words = readAt(fd, k, wordsAt + 4).toString('latin1').split('\u0000');
    const uni = readAt(fd, n1 * 12, uniAt);
    const out: GenericUnigram[] = [];
    for (let i = 0; i < n1; i++) {
      const word = words[i];
      if (word === undefined || word === '' || word.startsWith('<')) continue;
      out.push({ word, logProb: uni.readFloatLE(12 * i) });
    }
    out.sort((a, b) => b.logProb - a.logProb);
    cache.set(path, out);
    return out;
  } finally {
    closeSync(fd);
  }
}
