import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { HF, SQUAD_NORMANS, readJson } from '../_fixtures.ts';
import { elma, scratch } from '../_cli.ts';

const dir = scratch();
const bundle = path.join(dir, 'bundle');
const squad = readJson<{ data: { paragraphs: { context: string; qas: unknown[] }[] }[] }>(SQUAD_NORMANS);
const para = squad.data[0]!.paragraphs[0]!;

test.before(async () => {
  const r = await elma(['import-hf', `${HF}/albert_tiny_qa`, '--out', bundle]);
  if (r.code !== 0) throw new Error(r.stderr);
});

async function ask(...extra: string[]): Promise<Record<string, unknown>> {
  const r = await elma(['ask', '--bundle', bundle, '--context', para.context, '--question', 'In what country is Normandy located?', '--json', ...extra]);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

test('ask reports answer, exit layer, entropy, offload and latency', async (t) => {
  const a = await ask();
  // The fixture model is tiny and untrained for this question, but deterministic: its answer (the
  // same on js, native and onnx) is pinned, with its probability and entropy. The span starts inside
  // "Normanni": the answer takes the whole word (engine/squad/answer-span.ts).
  t.is(a.answer, 'Normanni) were the people who in the 10th');
  t.true(para.context.includes(a.answer as string));
  t.true(Math.abs((a.probability as number) - 0.0617977) < 1e-5, `probability ${String(a.probability)}`);
  t.is(a.exit_layer, 6); // the imported bundle's thresholds are 0: no early exit
  t.false(a.confident);
  t.true(Math.abs((a.entropy as number) - 0.9936747) < 1e-5, `entropy ${String(a.entropy)}`);
  t.true((a.latency_ms as number) > 0);
  t.true((a.features as number) >= 1);
});

test('ask honours --threshold and --depth-limit', async (t) => {
  const early = await ask('--threshold', '1');
  t.is(early.exit_layer, 1);
  t.true(early.confident);
  t.is(early.answer, 'emerged initially in the'); // layer 1's exit head (its span starts inside "emerged")
  const limited = await ask('--depth-limit', '3');
  t.is(limited.exit_layer, 3);
  t.true(limited.offload);
  t.is(limited.answer, 'initially in the'); // layer 3's exit head
  const r = await elma(['ask', '--bundle', bundle, '--context', 'x', '--question', 'y', '--depth-limit', '9']);
  t.is(r.code, 2);
  t.regex(r.stderr, /--depth-limit 9 exceeds the model's 6 layers/);
});

test('ask on a long context splits it into windows; an over-long question is a clear error', async (t) => {
  const long = squad.data[0]!.paragraphs.slice(0, 6).map((p) => p.context).join(' ');
  const r = await elma(['ask', '--bundle', bundle, '--context', long, '--question', 'Who was the duke?', '--json']);
  t.is(r.code, 0, r.stderr);
  t.true((JSON.parse(r.stdout) as { features: number }).features > 3);
  const q = Array.from({ length: 200 }, () => 'normans').join(' ');
  const bad = await elma(['ask', '--bundle', bundle, '--context', para.context, '--question', q]);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /question|max/i);
  t.notRegex(bad.stderr, /\n\s+at /);
});

test('demo answers a SQuAD file and its printed EM/F1 equal eval-squad on its predictions', async (t) => {
  const small = { version: 'v2.0', data: [{ title: 'Normans', paragraphs: squad.data[0]!.paragraphs.slice(0, 3) }] };
  const data = path.join(dir, 'small.json');
  writeFileSync(data, JSON.stringify(small));
  const out = path.join(dir, 'demo');
  const r = await elma(['demo-local', '--data', data, '--out', out, '--threshold', '0.965', '--default', path.join(dir, 'none')]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /exits per layer \(features\): L1:\d+ {2}L2:\d+/);
  t.regex(r.stdout, /latency per question: mean [\d.]+ ms/);
  for (const [name, section] of [['full', 0], ['early-exit', 1]] as const) {
    const pred = path.join(out, `predictions-${name}.json`);
    t.true(existsSync(pred));
    const ev = await elma(['eval-squad', data, pred]);
    t.is(ev.code, 0, ev.stderr);
    const exact = (JSON.parse(ev.stdout) as { exact: number }).exact;
    const printed = [...r.stdout.matchAll(/ {2}EM ([\d.]+) {2}F1/g)].map((m) => Number(m[1]))[section];
    t.is(printed, Number(exact.toFixed(2)));
  }
  const q = (squad.data[0]!.paragraphs.slice(0, 3) as { qas: unknown[] }[]).reduce((a, p) => a + p.qas.length, 0);
  t.regex(r.stdout, new RegExp(`${q} questions`));
  t.regex(r.stdout, /no trained model at .*none: `npm run train:default` makes one/);
});

test('demo part two runs a trained bundle on fresh synthetic questions with the device policy', async (t) => {
  const small = { version: 'v2.0', data: [{ title: 'Normans', paragraphs: squad.data[0]!.paragraphs.slice(0, 1) }] };
  const data = path.join(dir, 'one.json');
  writeFileSync(data, JSON.stringify(small));
  const r = await elma(['demo-local', '--data', data, '--out', path.join(dir, 'demo2'), '--default', bundle, '--depth-limit', '3', '--synth-n', '6']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /Default model albert_tiny_qa v1 .* on 6 fresh synthetic questions \(seed 3\)/);
  t.regex(r.stdout, /device \+ offload \(simulated locally\): +EM [\d.]+ {2}F1 [\d.]+ +offload rate [\d.]+% \(offloaded answers: this machine's full model, no link\)/);
});

test('the built program runs: help, and a clean one-line error for a missing bundle', (t) => {
  const bin = path.resolve('bin/elma.js');
  const help = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
  t.regex(help, /Commands:/);
  const r = spawnSync(process.execPath, [bin, 'ask', '--bundle', path.join(dir, 'nope'), '--context', 'a', '--question', 'b'], { encoding: 'utf8' });
  t.is(r.status, 1);
  t.regex(r.stderr, /^elma ask: .*nope: no such bundle directory\n$/);
  t.true(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node'));
});
