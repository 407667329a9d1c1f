import test from 'ava';
import { readFileSync } from 'node:fs';
import { AlbertTokenizer } from '../../engine/tokenizer/albert-tokenizer.ts';
import { TokenizerError } from '../../engine/tokenizer/errors.ts';
import { parseSquad, type SquadExample } from '../../engine/squad/dataset.ts';
import { buildFeatures, contextWindows, lstripQuestion, type SquadFeature } from '../../engine/squad/features.ts';
import { HF, readJson, SQUAD_NORMANS } from '../_fixtures.ts';

// Authority: HF run_qa.py prepare_train_features logic on transformers 5.17 + tokenizers 0.23.2
// (test/fixtures/hf-albert/gen_fixtures.py, section squad_features).
const want = readJson<{ max_length: number; doc_stride: number; features: SquadFeature[] }>(`${HF}/squad_features.json`);
const tok = AlbertTokenizer.fromTokenizerJson(readJson(`${HF}/albert_tiny_qa/tokenizer.json`));
const examples = parseSquad(JSON.parse(readFileSync(SQUAD_NORMANS, 'utf8')), { checkAnswerStarts: true });
const opts = { maxLength: want.max_length, docStride: want.doc_stride };

test('all 394 features equal Hugging Face field by field (tokenizers 0.23 early exit reproduced)', (t) => {
  t.is(examples.length, 208);
  const got = buildFeatures(examples, tok, { ...opts, tokenizersEarlyExit: true });
  t.is(got.length, 394);
  t.is(want.features.length, 394);
  got.forEach((f, i) => t.deepEqual(f, want.features[i], `feature ${i} (${f.example_id})`));
});

// Not a speed claim (timings belong in benchmarks, where load is controlled): a guard against a
// blow-up such as a search that turns quadratic. About 0.15 s on an idle 2-core machine; the bound
// is far above what any load makes of that.
test('features of the 208 questions do not blow up (well under 10 s)', (t) => {
  buildFeatures(examples, tok, opts); // warm up the caches and the JIT
  const t0 = performance.now();
  buildFeatures(examples, tok, opts);
  const ms = performance.now() - t0;
  t.log(`${ms.toFixed(0)} ms`);
  t.true(ms < 10_000, `${ms} ms`);
});

function contextTokens(f: SquadFeature): [number, number][] {
  return f.offset_mapping.filter((o): o is [number, number] => o !== null);
}

test('by default the windows cover the whole context; the first window of each question is HF\'s', (t) => {
  const got = buildFeatures(examples, tok, opts);
  t.true(got.length > 394);
  const firstWant = new Map<string, SquadFeature>();
  for (const f of want.features) if (!firstWant.has(f.example_id)) firstWant.set(f.example_id, f);
  examples.forEach((ex, i) => {
    const feats = got.filter((f) => f.example_index === i);
    t.deepEqual(feats[0], firstWant.get(ex.id), ex.id);
    const all = tok.encodeWithoutSpecials(ex.context).offsets;
    // consecutive windows share exactly doc_stride context tokens and the last reaches the end
    const last = contextTokens(feats[feats.length - 1]!);
    t.deepEqual(last[last.length - 1], all[all.length - 1], ex.id);
    for (let k = 1; k < feats.length; k++) {
      const prev = contextTokens(feats[k - 1]!);
      const cur = contextTokens(feats[k]!);
      t.deepEqual(cur.slice(0, opts.docStride), prev.slice(prev.length - opts.docStride), `${ex.id} window ${k}`);
    }
  });
});

test('start/end positions select the answer, or [CLS] when it is not in the window', (t) => {
  const got = buildFeatures(examples, tok, opts);
  let inside = 0;
  for (const f of got) {
    const ex = examples[f.example_index]!;
    const a = ex.answers[0];
    if (a === undefined || f.start_position === 0) {
      t.is(f.end_position, f.start_position);
      continue;
    }
    inside++;
    const s = f.offset_mapping[f.start_position]!;
    const e = f.offset_mapping[f.end_position]!;
    t.true(s[0] <= a.answer_start && e[1] >= a.answer_start + a.text.length, ex.id);
    t.true(ex.context.slice(s[0], e[1]).includes(a.text), ex.id);
  }
  t.true(inside > 100);
});

test('window arithmetic is HF Encoding::truncate (direction Right)', (t) => {
  t.deepEqual(contextWindows(10, 4, 1), [[0, 4], [3, 7], [6, 10]]);
  t.deepEqual(contextWindows(10, 4, 0), [[0, 4], [4, 8], [8, 10]]);
  t.deepEqual(contextWindows(5, 4, 3), [[0, 4], [1, 5]]);
  t.deepEqual(contextWindows(4, 4, 2), [[0, 4]]);
});

test('questions are left-stripped like Python str.lstrip()', (t) => {
  t.is(lstripQuestion(' \t\u00a0\u001fWho? '), 'Who? ');
  t.is(lstripQuestion('\ufeffWho?'), '\ufeffWho?');
  const ex: SquadExample = { ...examples[0]!, question: `   ${examples[0]!.question}` };
  t.deepEqual(buildFeatures([ex], tok, opts), buildFeatures([examples[0]!], tok, opts));
});

test('a question that leaves no room for the context is an error naming the example', (t) => {
  const long: SquadExample = { ...examples[0]!, id: 'q-long', question: 'Who ruled Normandy and when did they rule it? '.repeat(12) };
  const err = t.throws(() => buildFeatures([long], tok, opts), { instanceOf: TokenizerError });
  t.regex(err!.message, /^example "q-long": the question is \d+ tokens long, which leaves no room for the context in max_length 128/);
  t.throws(() => buildFeatures([examples[0]!], tok, { maxLength: 16, docStride: 32 }), { instanceOf: TokenizerError, message: /example "56ddde6b9a695914005b9628": .*(no room|doc stride 32)/ });
  t.throws(() => buildFeatures([examples[0]!], tok, { maxLength: 40, docStride: 32 }), { instanceOf: TokenizerError, message: /doc stride 32 must be smaller than the \d+ context tokens/ });
  t.throws(() => buildFeatures(examples, tok, { maxLength: 3, docStride: 0 }), { instanceOf: RangeError, message: /no room beside the 3 special tokens/ });
  t.throws(() => buildFeatures(examples, tok, { maxLength: 128.5, docStride: 0 }), { instanceOf: RangeError });
});

test('a short context gives one padded feature', (t) => {
  const ex: SquadExample = { id: 'tiny', title: '', question: 'Who?', context: 'Rollo was a Viking.', answers: [{ text: 'Rollo', answer_start: 0 }], isImpossible: false };
  const [f, ...rest] = buildFeatures([ex], tok, opts);
  t.is(rest.length, 0);
  const n = f!.attention_mask.reduce((a, b) => a + b, 0);
  t.is(f!.input_ids.length, 128);
  t.deepEqual(f!.input_ids.slice(n), new Array(128 - n).fill(tok.padId));
  t.is(f!.input_ids[n - 1], tok.sepId);
  t.deepEqual(ex.context.slice(f!.offset_mapping[f!.start_position]![0], f!.offset_mapping[f!.end_position]![1]), 'Rollo');
});
