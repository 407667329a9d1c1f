import test from 'ava';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CliIO, ParsedArgs } from '../../cli/command.ts';
import { tokenizeCommand } from '../../cli/commands/tokenize.ts';
import { featuresCommand } from '../../cli/commands/features.ts';
import { loadTokenizer } from '../../runtime/load-tokenizer.ts';
import { TokenizerError } from '../../engine/tokenizer/errors.ts';
import { HF, readJson, SQUAD_NORMANS } from '../_fixtures.ts';

const BUNDLE = path.join(HF, 'albert_tiny_qa');

interface Run { code: number; stdout: string; stderr: string }

/** Calls a command's run() with captured output and the given stdin lines (cli/main.ts yields lines). */
async function run(cmd: typeof tokenizeCommand, values: ParsedArgs['values'], stdin: string[] = []): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (s) => { stdout += s; },
    stderr: (s) => { stderr += s; },
    stdin: async function* () { yield* stdin; },
  };
  const code = await cmd.run({ values, positionals: [] }, io);
  return { code, stdout, stderr };
}

function scratch(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'elma-tok-'));
}

interface Case { text: string; fast_ids: number[]; fast_offsets: [number, number][] }
const cases = readJson<{ cases: Case[]; pairs: { question: string; context: string; input_ids: number[] }[] }>(`${HF}/tokenizer_cases.json`);

test('elma tokenize: one JSON line per input with ids and offsets, [CLS]/[SEP] included', async (t) => {
  const some = cases.cases.filter((c) => [...c.text].length === c.text.length).slice(0, 30);
  const r = await run(tokenizeCommand, { bundle: BUNDLE }, some.map((c) => JSON.stringify({ text: c.text })));
  t.is(r.code, 0);
  t.is(r.stderr, '');
  const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { ids: number[]; offsets: number[][] });
  t.is(lines.length, some.length);
  lines.forEach((l, i) => {
    t.deepEqual(l.ids, some[i]!.fast_ids);
    t.deepEqual(l.offsets, some[i]!.fast_offsets);
  });
});

test('elma tokenize: pairs, blank lines skipped, CRLF input accepted', async (t) => {
  const p = cases.pairs[0]!;
  const r = await run(tokenizeCommand, { bundle: BUNDLE }, [JSON.stringify({ text: p.question, pair: p.context }) + '\r', '', '   ']);
  t.is(r.code, 0);
  t.deepEqual((JSON.parse(r.stdout) as { ids: number[] }).ids, p.input_ids);
});

test('elma tokenize: malformed lines are reported by line number, the rest still tokenized, exit 1', async (t) => {
  const r = await run(tokenizeCommand, { bundle: BUNDLE }, ['{"text": "a"}', 'not json', '', '{"pair": "x"}', '["text"]', '{"text": "b", "pair": 3}', '{"text": "c"}']);
  t.is(r.code, 1);
  t.is(r.stdout.trimEnd().split('\n').length, 2);
  t.regex(r.stderr, /line 2: is not valid JSON/);
  t.regex(r.stderr, /line 4: "text" is missing or not a string/);
  t.regex(r.stderr, /line 5: is not a JSON object/);
  t.regex(r.stderr, /line 6: "pair" is not a string/);
  t.regex(r.stderr, /4 malformed lines skipped/);
  t.notRegex(r.stderr, /line [137]:/);
});

test('elma tokenize: a missing --bundle is a usage error', async (t) => {
  await t.throwsAsync(run(tokenizeCommand, {}), { message: /missing required option --bundle/ });
});

test('loadTokenizer prefers tokenizer.json and falls back to spiece.model', (t) => {
  t.is(loadTokenizer(BUNDLE).source, path.join(BUNDLE, 'tokenizer.json'));
  const dir = scratch();
  copyFileSync(path.join(BUNDLE, 'spiece.model'), path.join(dir, 'spiece.model'));
  const spm = loadTokenizer(dir);
  t.is(spm.source, path.join(dir, 'spiece.model'));
  t.deepEqual(spm.encode(cases.cases[0]!.text).ids, cases.cases[0]!.fast_ids);
  // the manifest may name the file
  t.is(loadTokenizer(BUNDLE, path.join(BUNDLE, 'spiece.model')).source, path.join(BUNDLE, 'spiece.model'));
  t.throws(() => loadTokenizer(dir, path.join(dir, 'tokenizer.json')), { instanceOf: TokenizerError, message: /tokenizer\.json: no such file/ });
});

test('loadTokenizer names the directory or file at fault', (t) => {
  const empty = scratch();
  t.throws(() => loadTokenizer(empty), { instanceOf: TokenizerError, message: `${empty}: has neither tokenizer.json nor spiece.model` });
  t.throws(() => loadTokenizer(path.join(empty, 'nope')), { instanceOf: TokenizerError, message: /nope: no such directory/ });
  const bad = scratch();
  writeFileSync(path.join(bad, 'tokenizer.json'), '{"model": ');
  t.throws(() => loadTokenizer(bad), { instanceOf: TokenizerError, message: new RegExp(`^${path.join(bad, 'tokenizer.json')}: is not valid JSON`) });
  writeFileSync(path.join(bad, 'tokenizer.json'), '{"model": {"type": "WordPiece"}}');
  t.throws(() => loadTokenizer(bad), { instanceOf: TokenizerError, message: /tokenizer\.json: model\.type: is "WordPiece", not "Unigram"/ });
  const cut = scratch();
  writeFileSync(path.join(cut, 'spiece.model'), readFileSync(path.join(BUNDLE, 'spiece.model')).subarray(0, 5000));
  t.throws(() => loadTokenizer(cut), { instanceOf: TokenizerError, message: new RegExp(`^${path.join(cut, 'spiece.model')}`) });
});

test('elma features writes squad_features.json\'s layout; with --hf-early-exit it equals the fixture', async (t) => {
  const out = path.join(scratch(), 'features.json');
  const r = await run(featuresCommand, { bundle: BUNDLE, squad: SQUAD_NORMANS, out, 'max-length': '128', 'doc-stride': '32', 'hf-early-exit': true });
  t.is(r.code, 0);
  t.regex(r.stderr, /394 features from 208 questions/);
  const got = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
  const want = readJson<Record<string, unknown>>(`${HF}/squad_features.json`);
  t.deepEqual(Object.keys(got), ['max_length', 'doc_stride', 'question_lstrip', 'features']);
  t.deepEqual([got.max_length, got.doc_stride, got.question_lstrip], [128, 32, true]);
  t.deepEqual(got.features, want.features);
  const full = await run(featuresCommand, { bundle: BUNDLE, squad: SQUAD_NORMANS, out, 'max-length': '128', 'doc-stride': '32' });
  t.regex(full.stderr, /\d+ features from 208 questions/);
  t.true((JSON.parse(readFileSync(out, 'utf8')) as { features: unknown[] }).features.length > 394);
});

test('elma features: bad inputs are clear errors', async (t) => {
  const dir = scratch();
  const out = path.join(dir, 'f.json');
  const notJson = path.join(dir, 'bad.json');
  writeFileSync(notJson, '{"data": [');
  await t.throwsAsync(run(featuresCommand, { bundle: BUNDLE, squad: notJson, out }), { message: /bad\.json: is not valid JSON/ });
  await t.throwsAsync(run(featuresCommand, { bundle: BUNDLE, squad: SQUAD_NORMANS, out, 'max-length': '8', 'doc-stride': '0' }),
    { instanceOf: TokenizerError, message: /^example "[^"]+": the question is \d+ tokens long, which leaves no room/ });
  await t.throwsAsync(run(featuresCommand, { bundle: BUNDLE, squad: SQUAD_NORMANS }), { message: /missing required option --out/ });
});
