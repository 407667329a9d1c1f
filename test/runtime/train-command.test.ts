import test from 'ava';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HF, SQUAD_NORMANS, readJson } from '../_fixtures.ts';
import { elma, scratch } from '../_cli.ts';

const dir = scratch();
const vocab = path.join(dir, 'vocab');
mkdirSync(vocab);
copyFileSync(`${HF}/albert_tiny_qa/spiece.model`, path.join(vocab, 'spiece.model'));
const paragraphs = readJson<{ data: { paragraphs: unknown[] }[] }>(SQUAD_NORMANS).data[0]!.paragraphs;
const trainFile = path.join(dir, 'train.json'), devFile = path.join(dir, 'dev.json');
writeFileSync(trainFile, JSON.stringify({ version: 'v2.0', data: [{ title: 'N', paragraphs: paragraphs.slice(0, 6) }] }));
writeFileSync(devFile, JSON.stringify({ version: 'v2.0', data: [{ title: 'N', paragraphs: paragraphs.slice(36, 39) }] }));
const common = ['--train', trainFile, '--dev', devFile, '--vocab', vocab, '--preset', 'test', '--batch-size', '4', '--max-seq-length', '64', '--doc-stride', '16'];

test('elma train writes a bundle with calibrated thresholds, its curve and golden questions, that eval reads', async (t) => {
  const out = path.join(dir, 'bundle');
  const r = await elma(['train', ...common, '--out', out, '--epochs', '1']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /stage 1 \(backbone\) step \d+\/\d+ {2}loss/);
  t.regex(r.stderr, /calibration: full F1/);
  const m = readJson<{ exits: { thresholds: number[]; depth_limit: number; calibration: { curve: unknown[] } }; source: { kind: string; seconds: number } }>(path.join(out, 'manifest.json'));
  t.is(m.exits.thresholds.length, 4);
  t.is(m.exits.depth_limit, 4);
  t.is(m.exits.calibration.curve.length, 41);
  t.is(m.source.kind, 'trained');
  const ev = await elma(['eval', '--bundle', out, '--data', devFile, '--json']);
  t.is(ev.code, 0, ev.stderr);
  const rep = JSON.parse(ev.stdout) as { full: { f1: number }; early_exit: { mean_layers: number }; device: { offload_rate: number } };
  t.true(rep.full.f1 >= 0 && rep.full.f1 <= 100);
  t.true(rep.early_exit.mean_layers >= 1 && rep.early_exit.mean_layers <= 4);
  const plot = path.join(dir, 'plot.svg');
  t.is((await elma(['eval', '--bundle', out, '--data', devFile, '--plot', plot])).code, 0);
  t.regex(readFileSync(plot, 'utf8'), /^<svg[^>]*>[\s\S]*mean layers[\s\S]*<\/svg>\n$/);
});

test('a training run killed after a checkpoint resumes from it', async (t) => {
  const out = path.join(dir, 'resumed');
  const ckpt = path.join(dir, 'resume.ckpt.safetensors');
  const args = ['--import', 'tsx', 'runtime/cli/elma.ts', 'train', ...common, '--out', out, '--epochs', '3', '--checkpoint', ckpt, '--checkpoint-every', '5'];
  const child = spawn(process.execPath, args, { stdio: 'ignore' });
  const deadline = Date.now() + 60_000;
  while (!existsSync(ckpt) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  t.true(existsSync(ckpt), 'a checkpoint was written before the kill');
  t.false(existsSync(path.join(out, 'manifest.json')));
  const r = await elma(['train', ...common, '--out', out, '--epochs', '3', '--checkpoint', ckpt, '--checkpoint-every', '5']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /resuming stage 1 from .* at step \d+/);
  t.true(existsSync(path.join(out, 'manifest.json')));
});

test('training refuses data that is not SQuAD and an unknown preset', async (t) => {
  const bad = path.join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ hello: 1 }));
  let r = await elma(['train', ...common.slice(0, 1), bad, ...common.slice(2), '--out', path.join(dir, 'x')]);
  t.is(r.code, 1);
  t.regex(r.stderr, /bad\.json: data: is missing or not a list: not a SQuAD file/);
  r = await elma(['train', ...common, '--out', path.join(dir, 'y'), '--preset', 'huge']);
  t.is(r.code, 2);
  t.regex(r.stderr, /unknown --preset "huge"/);
});
