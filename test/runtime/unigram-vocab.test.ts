/**
 * The pieces of `elma data vocab`: Unigram scores by EM over a fixed piece set (checked against
 * brute-force enumeration of every segmentation), and pieces replaced in a real spiece.model with
 * everything else kept.
 */
import { readFileSync } from 'node:fs';
import test from 'ava';
import { parseSpmModel, PIECE_CONTROL, PIECE_NORMAL } from '../../engine/tokenizer/_spm-model.ts';
import { Unigram } from '../../engine/tokenizer/unigram.ts';
import { DataError } from '../../runtime/data/errors.ts';
import { replaceSpmPieces } from '../../runtime/data/spm-pieces.ts';
import { countWords, unigramScores } from '../../runtime/data/unigram-em.ts';
import { HF } from '../_fixtures.ts';

/** Every segmentation of `word` into `pieces` (indices). */
function segmentations(word: string, pieces: readonly string[]): number[][] {
  if (word === '') return [[]];
  const out: number[][] = [];
  pieces.forEach((p, i) => {
    if (word.startsWith(p)) for (const rest of segmentations(word.slice(p.length), pieces)) out.push([i, ...rest]);
  });
  return out;
}

test('one EM iteration gives the expected counts of brute-force enumeration', (t) => {
  const pieces = ['▁', 'a', 'b', '▁a', 'ab', '▁ab', 'ba'];
  const words = new Map([['▁ab', 5], ['▁aba', 2], ['▁b', 3]]);
  const initial = Float64Array.from([0.2, 0.2, 0.15, 0.1, 0.15, 0.1, 0.1], Math.log);
  const expected = new Float64Array(pieces.length);
  for (const [w, count] of words) {
    const segs = segmentations(w, pieces);
    const probs = segs.map((s) => s.reduce((p, i) => p * Math.exp(initial[i]!), 1));
    const z = probs.reduce((a, b) => a + b, 0);
    segs.forEach((s, k) => { for (const i of s) expected[i]! += (count * probs[k]!) / z; });
  }
  const total = expected.reduce((a, b) => a + b, 0);
  const got = unigramScores(pieces, words, { iterations: 1, initial });
  pieces.forEach((p, i) => t.true(Math.abs(got[i]! - Math.log(expected[i]! / total)) < 1e-9, p));
});

test('a common word becomes one piece under Viterbi; EM raises the likelihood', (t) => {
  const texts = [...Array(50).fill('which river is it'), 'whichever rivers', 'a wh i ch'];
  const words = countWords(texts);
  t.is(words.get('▁which'), 50);
  const pieces = ['▁', 'w', 'h', 'i', 'c', 'r', 'v', 'e', 's', 't', 'a', '▁wh', 'ch', '▁which', '▁riv', 'er', '▁river', '▁is', '▁it', '▁a'];
  const loglik = (scores: Float64Array): number => {
    let ll = 0;
    for (const [w, c] of words) ll += c * Math.log(segmentations(w, pieces).reduce((z, s) => z + Math.exp(s.reduce((a, i) => a + scores[i]!, 0)), 0));
    return ll;
  };
  const one = unigramScores(pieces, words, { iterations: 1 });
  const four = unigramScores(pieces, words, { iterations: 4 });
  t.true(loglik(four) >= loglik(one) - 1e-9);
  const model = new Unigram(pieces.map((p, i) => [p, four[i]!] as const), null);
  const pieceOf = (w: string): string[] => model.tokenize([...w].map((c) => c.codePointAt(0)!)).ids.map((id) => pieces[id]!);
  t.deepEqual(pieceOf('▁which'), ['▁which']);
  t.deepEqual(pieceOf('▁river'), ['▁river']);
  t.deepEqual(pieceOf('▁whichever'), ['▁which', 'e', 'v', 'er']);
});

test('replacing the pieces of a real spiece.model keeps its normalizer and trainer spec', (t) => {
  const bytes = new Uint8Array(readFileSync(`${HF}/albert_tiny_qa/spiece.model`));
  const before = parseSpmModel(bytes, 'spiece.model');
  const pieces = [
    { piece: '<pad>', score: 0, type: PIECE_CONTROL }, { piece: '<unk>', score: 0, type: 2 },
    { piece: '▁hello', score: -1.5, type: PIECE_NORMAL }, { piece: 'é', score: -12.25, type: PIECE_NORMAL },
  ];
  const after = parseSpmModel(replaceSpmPieces(bytes, pieces, 'spiece.model'), 'out');
  t.deepEqual(after.pieces, pieces);
  t.is(after.modelType, before.modelType);
  t.is(after.normalizerName, before.normalizerName);
  t.deepEqual(after.precompiledCharsmap, before.precompiledCharsmap);
  t.is(after.unkId, before.unkId);
  t.throws(() => replaceSpmPieces(bytes.subarray(0, bytes.length - 3), pieces, 'cut.model'), { instanceOf: DataError, message: /cut\.model.*runs past the end/ });
});
