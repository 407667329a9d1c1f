/**
 * The common word sequences of PocketSphinx's generic English model (en-us.lm.bin: 72,547
 * unigrams, 2,051,547 bigrams, 1,669,625 trigrams), as expected counts in a corpus of a given
 * size: the biased model mixes them in so that a question worded in ordinary English ("who is in
 * charge of", "when did … take place", "come into the world") has its word order modelled, not
 * only its words. Only the n-grams whose expected count reaches a minimum are kept, the frequent
 * ones: a few tens of thousands, which pocketsphinx loads in milliseconds.
 *
 * The file is sphinxbase's trie format (lm_trie.c, lm_trie_quant.c, lm_trie_query.c,
 * ngram_model_trie.c of cmusphinx's sphinxbase 5prealpha, the port of KenLM's trie,
 * Heafield, "KenLM: Faster and Smaller Language Model Queries", WMT 2011): after the header,
 * order and counts come an int32 quantisation type and, for 16-bit quantisation, the value tables
 * (for each middle order a probability table and a back-off table, then the longest order's
 * probability table, 2^16 float32 each); the unigrams, counts[0] + 1 records of {float32 prob,
 * float32 backoff, uint32 next}; the bigram ("middle") array, each entry bit-packed little-endian
 * as [word index][back-off code (16 bits)][probability code (16 bits)][next]; the trigram
 * ("longest") array, each [word index][probability code (16 bits)]; then the words. The trie is
 * keyed backwards, as KenLM's is: the bigrams under unigram b (from b.next to the next unigram's
 * next) are "a b" with a stored, and the trigrams under that entry are "c a b" with c stored.
 * Probabilities and back-offs are logarithms to base 1.0001 (sphinxbase's logmath).
 */
import { readFileSync } from 'node:fs';
import { RecogniserError } from './errors.ts';
import { requiredBits } from './generic-unigrams.ts';

const HEADER = 'Trie Language Model';
const QUANT_16 = 1;
/** log10 of sphinxbase's logmath base, 1.0001: a stored value v is 10^(v · LOG10_BASE). */
const LOG10_BASE = Math.log10(1.0001);

export interface GenericNgram {
  readonly words: readonly string[];
  /** The n-gram's probability under the generic model (its expected count in a corpus of N words is N times this). */
  readonly probability: number;
}

export interface GenericNgrams {
  readonly unigrams: readonly GenericNgram[];
  readonly bigrams: readonly GenericNgram[];
  readonly trigrams: readonly GenericNgram[];
}

/** An unsigned field of `length` ≤ 25 bits at bit `offset`, as lm_trie_bits.h's read_int25 (little-endian). */
function readBits(buf: Buffer, offset: number, length: number): number {
  const byte = Math.floor(offset / 8);
  const word = buf[byte]! | (buf[byte + 1]! << 8) | (buf[byte + 2]! << 16) | (buf[byte + 3]! << 24);
  return ((word >>> (offset % 8)) & ((1 << length) - 1)) >>> 0;
}

/** The whole trie, decoded: the parts a pass over all n-grams needs. */
interface Trie {
  readonly words: string[];
  readonly uniProb: Float64Array;
  readonly uniNext: Uint32Array;
  /** Per bigram entry: its stored (first) word, log probability, and where its trigrams begin. */
  readonly biWord: Uint32Array;
  readonly biProb: Float64Array;
  readonly biNext: Uint32Array;
  readonly triWord: Uint32Array;
  readonly triProb: Float64Array;
}

function readTrie(path: string): Trie {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new RecogniserError(path, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const bad = (why: string): RecogniserError => new RecogniserError(path, `is not a trigram model in sphinxbase's trie format (${why})`);
  if (buf.subarray(0, HEADER.length).toString('latin1') !== HEADER) throw bad('no "Trie Language Model" header');
  let at = HEADER.length;
  const order = buf[at++]!;
  if (order !== 3) throw bad(`order ${order}, this reader takes trigram models`);
  const counts = [0, 1, 2].map((i) => buf.readUInt32LE(at + 4 * i));
  at += 12;
  const quant = buf.readInt32LE(at);
  at += 4;
  if (quant !== QUANT_16) throw bad(`quantisation type ${quant}, this reader takes 16-bit quantisation (1)`);
  const table = (k: number): Float32Array => new Float32Array(buf.buffer.slice(buf.byteOffset + at + k * 65536 * 4, buf.byteOffset + at + (k + 1) * 65536 * 4));
  const midProbTable = table(0);
  const longProbTable = table(2);
  at += 3 * 65536 * 4;
  const [n1, n2, n3] = counts as [number, number, number];
  const uniProb = new Float64Array(n1);
  const uniNext = new Uint32Array(n1 + 1);
  for (let i = 0; i <= n1; i++) {
    if (i < n1) uniProb[i] = buf.readFloatLE(at + 12 * i);
    uniNext[i] = buf.readUInt32LE(at + 12 * i + 8);
  }
  at += (n1 + 1) * 12;
  const wordBits = requiredBits(n1);
  const nextBits = requiredBits(n3);
  const midBits = wordBits + 32 + nextBits;
  const midBytes = Math.floor(((1 + n2) * midBits + 7) / 8) + 8;
  const longBits = wordBits + 16;
  const longBytes = Math.floor(((1 + n3) * longBits + 7) / 8) + 8;
  if (at + midBytes + longBytes + 4 > buf.length) throw bad('shorter than its counts say');
  const mid = buf.subarray(at, at + midBytes);
  const long = buf.subarray(at + midBytes, at + midBytes + longBytes);
  const wordsAt = at + midBytes + longBytes;
  const k = buf.readInt32LE(wordsAt);
  if (wordsAt + 4 + k !== buf.length) throw bad(`the word list does not end the file (${wordsAt + 4 + k} ≠ ${buf.length} bytes)`);
  const words = buf.subarray(wordsAt + 4, wordsAt + 4 + k).toString('latin1').split('\u0000').slice(0, n1);
  if (words.length !== n1) throw bad(`${words.length} words for ${n1} unigrams`);
  // The arrays are sized by the header's counts, which may exceed the n-grams written (the last
  // unigram's pointer ends the bigrams, the last bigram's the trigrams): read what the pointers reach.
  const bigramsWritten = uniNext[n1]!;
  if (bigramsWritten > n2) throw bad(`its unigrams point past the ${n2} bigrams`);
  const biWord = new Uint32Array(bigramsWritten);
  const biProb = new Float64Array(bigramsWritten);
  const biNext = new Uint32Array(bigramsWritten + 1);
  for (let i = 0; i <= bigramsWritten; i++) {
    const o = i * midBits;
    if (i < bigramsWritten) {
      biWord[i] = readBits(mid, o, wordBits);
      // The 32 quantised bits hold (probability code << 16) | back-off code: the back-off comes first in bit order.
      biProb[i] = midProbTable[readBits(mid, o + wordBits + 16, 16)]!;
    }
    biNext[i] = readBits(mid, o + wordBits + 32, nextBits);
  }
  const trigramsWritten = biNext[bigramsWritten]!;
  if (trigramsWritten > n3) throw bad(`its bigrams point past the ${n3} trigrams`);
  const triWord = new Uint32Array(trigramsWritten);
  const triProb = new Float64Array(trigramsWritten);
  for (let i = 0; i < trigramsWritten; i++) {
    triWord[i] = readBits(long, i * longBits, wordBits);
    triProb[i] = longProbTable[readBits(long, i * longBits + wordBits, 16)]!;
  }
  return { words, uniProb, uniNext, biWord, biProb, biNext, triWord, triProb };
}

const cache = new Map<string, GenericNgrams>();

/**
 * The generic model's n-grams whose probability is at least `minProbability`: p(w); p(a b) =
 * p(a) · p(b | a); p(c a b) = p(c) · p(a | c) · p(b | c a), with the model's own conditional
 * probabilities. A sentence start <s> is as frequent as a sentence end (p(</s>)). Read once per
 * process for each threshold (about a second: the 27 MB file and 3.7 million n-grams).
 */
export function readGenericNgrams(path: string, minProbability: number): GenericNgrams {
  const key = `${path}\0${minProbability}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  if (!(minProbability > 0 && minProbability < 1)) throw new RangeError(`readGenericNgrams: minProbability must be in (0, 1), got ${minProbability}`);
  const t = readTrie(path);
  const p = (logValue: number): number => 10 ** (logValue * LOG10_BASE);
  const end = t.words.indexOf('</s>');
  const start = t.words.indexOf('<s>');
  // <s> has no probability of its own (-99 in ARPA): it starts as many sentences as </s> ends.
  const uni = (w: number): number => (w === start && end >= 0 ? p(t.uniProb[end]!) : p(t.uniProb[w]!));
  const unigrams: GenericNgram[] = [];
  const bigrams: GenericNgram[] = [];
  const trigrams: GenericNgram[] = [];
  /** The bigram entry "a b" (under b, storing a), or -1. Entries under b are sorted by a. */
  const bigramEntry = (a: number, b: number): number => {
    let lo = t.uniNext[b]!;
    let hi = t.uniNext[b + 1]! - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const w = t.biWord[mid]!;
      if (w === a) return mid;
      if (w < a) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  };
  for (let b = 0; b < t.words.length; b++) {
    if (b !== start && uni(b) >= minProbability) unigrams.push({ words: [t.words[b]!], probability: uni(b) });
    for (let i = t.uniNext[b]!; i < t.uniNext[b + 1]!; i++) {
      const a = t.biWord[i]!;
      const pab = uni(a) * p(t.biProb[i]!);
      if (pab >= minProbability) bigrams.push({ words: [t.words[a]!, t.words[b]!], probability: pab });
      for (let j = t.biNext[i]!; j < t.biNext[i + 1]!; j++) {
        const c = t.triWord[j]!;
        // p(c a b) ≤ p(c) · p(b | c a): skip the bigram lookup when even that is too small.
        if (uni(c) * p(t.triProb[j]!) < minProbability) continue;
        const ca = bigramEntry(c, a);
        const pca = ca < 0 ? 0 : uni(c) * p(t.biProb[ca]!);
        const pcab = pca * p(t.triProb[j]!);
        if (pcab >= minProbability) trigrams.push({ words: [t.words[c]!, t.words[a]!, t.words[b]!], probability: pcab });
      }
    }
  }
  const out = { unigrams, bigrams, trigrams };
  cache.set(key, out);
  return out;
}
