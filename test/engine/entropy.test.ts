import test from 'ava';
import { spanEntropy, classificationEntropy } from '../../engine/exit/entropy.ts';

/** Entropy by explicit enumeration of the candidate answers, the definition written out. */
function bruteForce(start: number[], end: number[], context: number[], maxLen: number): number {
  const scores = [start[0]! + end[0]!];
  for (let i = 0; i < start.length; i++) for (let j = i; j < Math.min(start.length, i + maxLen); j++) {
    if (context[i] && context[j]) scores.push(start[i]! + end[j]!);
  }
  const z = scores.reduce((a, s) => a + Math.exp(s), 0);
  const h = -scores.reduce((a, s) => a + (Math.exp(s) / z) * Math.log(Math.exp(s) / z), 0);
  return h / Math.log(scores.length);
}

test('span entropy equals the enumerated definition on random logits', (t) => {
  let seed = 7;
  const rnd = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
  for (let trial = 0; trial < 50; trial++) {
    const n = 5 + Math.floor(rnd() * 30);
    const start = Array.from({ length: n }, () => (rnd() - 0.5) * 8);
    const end = Array.from({ length: n }, () => (rnd() - 0.5) * 8);
    const context = Array.from({ length: n }, (_, i) => (i > 2 && rnd() > 0.1 ? 1 : 0));
    const maxLen = 1 + Math.floor(rnd() * 6);
    const got = spanEntropy({ start, end, offset: 0, seq: n, context, maxAnswerLength: maxLen });
    t.true(Math.abs(got - bruteForce(start, end, context, maxLen)) < 1e-9);
  }
});

test('span entropy: uniform scores give 1, one dominant span gives ~0, no candidates give 0', (t) => {
  const n = 10;
  const zeros = new Array(n).fill(0);
  const ctx = zeros.map((_, i) => (i >= 3 ? 1 : 0));
  t.true(Math.abs(spanEntropy({ start: zeros, end: zeros, offset: 0, seq: n, context: ctx, maxAnswerLength: 30 }) - 1) < 1e-12);
  const s = zeros.slice(); s[5] = 60;
  const e = zeros.slice(); e[6] = 60;
  t.true(spanEntropy({ start: s, end: e, offset: 0, seq: n, context: ctx, maxAnswerLength: 30 }) < 1e-20 + 1e-12);
  t.is(spanEntropy({ start: zeros, end: zeros, offset: 0, seq: n, context: new Array(n).fill(0), maxAnswerLength: 30 }), 0);
});

test('span entropy reads the row at its offset', (t) => {
  const a = [0, 1, 2, 3, 0, 0, 0, 0];
  const b = [5, 1, 0, 2, 9, 9, 9, 9];
  const ctx = [0, 1, 1, 1, 0, 1, 1, 1];
  const solo = spanEntropy({ start: a.slice(4), end: b.slice(4), offset: 0, seq: 4, context: ctx.slice(4), maxAnswerLength: 3 });
  t.is(spanEntropy({ start: a, end: b, offset: 4, seq: 4, context: ctx, maxAnswerLength: 3 }), solo);
});

test('classification entropy is normalised softmax entropy', (t) => {
  t.true(Math.abs(classificationEntropy([0, 0, 0], 0, 3) - 1) < 1e-12);
  t.true(classificationEntropy([100, 0, 0], 0, 3) < 1e-12);
  const p = [0.7, 0.2, 0.1];
  const want = -p.reduce((a, x) => a + x * Math.log(x), 0) / Math.log(3);
  t.true(Math.abs(classificationEntropy(p.map(Math.log), 0, 3) - want) < 1e-12);
});
