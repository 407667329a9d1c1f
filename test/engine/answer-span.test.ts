/**
 * Answers as people read them (engine/squad/answer-span.ts, issue 15): whole words, no trailing
 * punctuation unless it belongs to the answer (SQuAD's own answers keep "U.S." and "Inc."), no
 * unmatched brackets or quotes; and extraction applies it only when asked (the HF path is exact).
 */
import test from 'ava';
import { wholeWordSpan } from '../../engine/squad/answer-span.ts';
import { extractAnswer } from '../../engine/squad/answers.ts';

const C = 'He was born in 1858. The initial plan, "Operation X", went to the U.S. Army and Acme Inc. in (May) 1901; it failed!';

function tidy(piece: string, from = 0): string {
  const i = C.indexOf(piece, from);
  if (i < 0) throw new Error(`no "${piece}" in the context`);
  const [s, e] = wholeWordSpan(C, [i, i + piece.length]);
  return C.slice(s, e);
}

test('spans become whole words without the sentence\'s punctuation', (t) => {
  const cases: [string, string][] = [
    ['1858.', '1858'], ['itial', 'initial'], ['nitial pl', 'initial plan'], ['initial plan,', 'initial plan'],
    ['"Operation X",', '"Operation X"'], ['Operation X",', 'Operation X'], ['U.S.', 'U.S.'], ['U.S. Army', 'U.S. Army'],
    ['Acme Inc.', 'Acme Inc.'], ['(May)', '(May)'], ['May) 1901;', 'May) 1901'], [' 1901; ', '1901'], ['failed!', 'failed'], ['ent to', 'went to'],
  ];
  for (const [piece, want] of cases) t.is(tidy(piece), want, JSON.stringify(piece));
  t.deepEqual(wholeWordSpan(C, [19, 20]), [19, 19], 'a span of punctuation alone is empty');
  t.deepEqual(wholeWordSpan(C, [5, 5]), [5, 5]);
  t.is(wholeWordSpan('Zürich’s lake', [1, 4]).join(), '0,6', 'letters of any script are word characters');
});

test('extraction: wholeWords tidies every candidate and never answers HF\'s "empty"; the default stays HF\'s', (t) => {
  const context = 'The treaty was signed in 1858. It ended the war.';
  const at = (ch: number): number => ch; // one "token" per character: offsets are the characters themselves
  const offsets = [null, ...Array.from(context, (_, i) => [at(i), at(i) + 1] as [number, number])];
  const n = offsets.length;
  const start = new Float32Array(n).fill(-10);
  const end = new Float32Array(n).fill(-10);
  start[1 + context.indexOf('858')] = 5; // the model starts inside "1858"
  end[1 + context.indexOf('.')] = 5; // and ends on the period
  start[0] = -20;
  end[0] = -20;
  const feats = [{ offsets, start, end }];
  const hf = extractAnswer(context, feats, { versionTwoWithNegative: true });
  t.is(hf.text, '858.');
  const people = extractAnswer(context, feats, { versionTwoWithNegative: true, wholeWords: true });
  t.is(people.text, '1858');
  t.deepEqual(people.nbest[0]!.offsets, [25, 29]);
  t.is(people.nbest[0]!.score, hf.nbest[0]!.score, 'the ranking and scores are unchanged');
  // No span candidate at all (every position outside the context): HF's placeholder, or no answer.
  const none = [{ offsets: offsets.map(() => null), start, end }];
  t.is(extractAnswer(context, none, {}).text, 'empty');
  t.is(extractAnswer(context, none, { wholeWords: true }).text, '');
  t.is(extractAnswer(context, none, { versionTwoWithNegative: true, wholeWords: true }).text, '');
});
