import test from 'ava';
import { calibrate, thresholdCurve } from '../../../engine/train/calibrate.ts';
import { bestNullThreshold } from '../../../engine/train/null-threshold.ts';
import { evaluatePolicy, type ExitProfile, type FeatureProfile } from '../../../engine/train/exit-profile.ts';
import type { SquadExample } from '../../../engine/squad/dataset.ts';

// Contexts "w0 w1 w2 w3"; the gold answer of question i is word i % 4. Exit 1 is right, and sure
// of it, on even questions; on odd ones it is wrong and unsure. Exits 2 and 3 are always right.
const context = 'w0 w1 w2 w3';
const offsets: ([number, number] | null)[] = [null, [0, 2], [3, 5], [6, 8], [9, 11]];
function logitsFor(word: number): { start: Float32Array; end: Float32Array } {
  const s = new Float32Array(5).fill(-5);
  s[word + 1] = 5;
  return { start: s, end: s.slice() };
}
const examples: SquadExample[] = [];
const features: FeatureProfile[] = [];
for (let i = 0; i < 20; i++) {
  const gold = i % 4;
  examples.push({ id: `q${i}`, title: '', question: '?', context, answers: [{ text: `w${gold}`, answer_start: gold * 3 }], isImpossible: false });
  const right = logitsFor(gold), wrong = logitsFor((gold + 1) % 4);
  const e1 = i % 2 === 0 ? right : wrong;
  features.push({
    exampleIndex: i, offsets, entropy: Float64Array.of(i % 2 === 0 ? 0.1 : 0.6, 0.05, 0.01),
    start: [e1.start, right.start, right.start], end: [e1.end, right.end, right.end],
  });
}
const profile: ExitProfile = { layers: 3, examples, features, byExample: features.map((_, i) => [i]), answer: { maxAnswerLength: 30, nBestSize: 20 } };

test('policies are evaluated from the profile: exit layers, offloading, F1', (t) => {
  const full = evaluatePolicy(profile, [0, 0, 0], 3, false);
  t.is(full.f1, 100);
  t.is(full.meanLayers, 3);
  const eager = evaluatePolicy(profile, [1, 1, 1], 3, false);
  t.is(eager.f1, 50);
  t.deepEqual(eager.exitCounts, [20, 0, 0]);
  const limited = evaluatePolicy(profile, [0.3, 0, 0], 1, true);
  t.is(limited.offloadRate, 0.5); // odd questions are unsure at the limit and go to the full model
  t.is(limited.f1, 100);
  t.is(evaluatePolicy(profile, [0.3, 0, 0], 1, false).f1, 50);
});

test('calibration picks the thresholds that keep F1 and save the most layers, with its curve', (t) => {
  const c = calibrate(profile, { maxF1Drop: 1 });
  t.is(c.target.fullF1, 100);
  t.is(c.chosen.f1, 100);
  t.true(c.thresholds[0]! > 0.1 && c.thresholds[0]! <= 0.6, `τ1 = ${c.thresholds[0]}`);
  t.is(c.chosen.meanLayers, 1.5);
  const curve = thresholdCurve(profile, 11);
  t.is(curve.length, 11);
  t.is(curve[0]!.meanLayers, 3);
  t.is(curve[10]!.meanLayers, 1);
  t.true(curve.every((p, i) => i === 0 || p.meanLayers <= curve[i - 1]!.meanLayers));
});

test('a device target (depth limit + offload) constrains the same thresholds further', (t) => {
  // Question 1 is wrong at exit 1 with a middling entropy: a 5-point early-exit budget lets it
  // exit wrong (τ1 up to 0.6), a 0-point device budget at limit 1 must offload it (τ1 ≤ 0.4).
  const fs = features.map((f, i) => (i === 1 ? { ...f, entropy: Float64Array.of(0.4, 0.05, 0.01) } : f));
  const p: ExitProfile = { ...profile, features: fs };
  const loose = calibrate(p, { maxF1Drop: 5 });
  t.true(loose.thresholds[0]! > 0.4, `τ1 = ${loose.thresholds[0]}`);
  t.is(loose.device, undefined);
  const both = calibrate(p, { maxF1Drop: 5, device: { depthLimit: 1, maxF1Drop: 0 } });
  t.true(both.thresholds[0]! > 0.1 && both.thresholds[0]! <= 0.4, `τ1 = ${both.thresholds[0]}`);
  t.deepEqual(both.target.device, { depthLimit: 1, maxF1Drop: 0 });
  t.is(both.device!.f1, 100);
  t.is(both.device!.offloadRate, 0.5);
  t.is(both.chosen.f1, 100);
});

test('the F1 budget goes where it saves the most layers, not to the first layer', (t) => {
  // Question 0 is wrong and fairly sure at exit 1 (saving 2 layers if it leaves there); questions
  // 1–11 are sure at exit 2, question 11 wrongly (saving 11 layers). The budget is one wrong answer.
  const ex: SquadExample[] = [], fs: FeatureProfile[] = [];
  for (let i = 0; i < 20; i++) {
    const gold = i % 4;
    ex.push({ id: `q${i}`, title: '', question: '?', context, answers: [{ text: `w${gold}`, answer_start: gold * 3 }], isImpossible: false });
    const right = logitsFor(gold), wrong = logitsFor((gold + 1) % 4);
    const e1 = wrong, e2 = i === 11 ? wrong : right; // exit 1 is always wrong, sure only on question 0
    fs.push({
      exampleIndex: i, offsets, entropy: Float64Array.of(i === 0 ? 0.3 : 0.9, i >= 1 && i <= 11 ? 0.5 : 0.9, 0.01),
      start: [e1.start, e2.start, right.start], end: [e1.end, e2.end, right.end],
    });
  }
  const p: ExitProfile = { layers: 3, examples: ex, features: fs, byExample: fs.map((_, i) => [i]), answer: { maxAnswerLength: 30, nBestSize: 20 } };
  const c = calibrate(p, { maxF1Drop: 5 });
  t.true(c.thresholds[0]! <= 0.3, `τ1 = ${c.thresholds[0]}`);
  t.true(c.thresholds[1]! > 0.5, `τ2 = ${c.thresholds[1]}`);
  t.is(c.chosen.f1, 95);
  t.true(c.chosen.meanLayers < 2.1, `mean layers ${c.chosen.meanLayers}`);
});

test('the null-answer threshold is the one with the best F1 (the official script\'s best_f1 sweep)', (t) => {
  // Question i has the span w(i % 4) at score 10 and the null answer at 10 + diffs[i], so its
  // score difference is diffs[i]; questions 0–5 are answerable, 6–9 not.
  const ex: SquadExample[] = [], fs: FeatureProfile[] = [];
  const diffs = [-4, -2, 1, 2, 3, 5, 0.5, 4, 6, 7];
  diffs.forEach((d, i) => {
    const unanswerable = i >= 6;
    ex.push({ id: `q${i}`, title: '', question: '?', context, answers: unanswerable ? [] : [{ text: `w${i % 4}`, answer_start: (i % 4) * 3 }], isImpossible: unanswerable });
    const s = new Float32Array(5).fill(-20);
    s[(i % 4) + 1] = 5;
    s[0] = (10 + d) / 2; // null score = start[0] + end[0]
    fs.push({ exampleIndex: i, offsets, entropy: Float64Array.of(0.5), start: [s], end: [s.slice()] });
  });
  const p: ExitProfile = { layers: 1, examples: ex, features: fs, byExample: fs.map((_, i) => [i]), answer: { maxAnswerLength: 30, nBestSize: 20 } };
  const r = bestNullThreshold(p);
  // At 0: answerable 0,1 right, 2–5 wrongly null; unanswerable 6 wrongly answered, 7–9 right → 6 of 10.
  t.is(r.f1AtZero, 60);
  // Best: 8 of 10, at 3 (question 5 null, question 6 answered) or at 5 (questions 6 and 7
  // answered); the sweep gives the first.
  t.is(r.threshold, 3);
  t.is(r.f1, 80);
  t.is(evaluatePolicy({ ...p, answer: { ...p.answer, nullScoreDiffThreshold: r.threshold } }, [0], 1, false).f1, 80);
});
