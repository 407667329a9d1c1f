/**
 * `npm run bench:weights [-- --bundle <fp32 dir>] [--data <squad.json> ...] [--backend b] [--json]`:
 * the weight formats of issue 19 side by side on one fp32 bundle (default models/default):
 *
 *   fp32                 the bundle as it is
 *   fp16                 `bundle pack --weights fp16`
 *   int8                 `bundle pack --weights int8` (projections and word table)
 *   int8, fp32 word table  the same with the word embedding table kept fp32: what quantising the
 *                          embeddings costs
 *
 * Sizes: the weights file, the bundle directory, the signed `.tar` a device downloads over the air
 * when it has nothing to reuse (the chunk index covers exactly these bytes; there is no compression
 * in the update path; what a device running the fp32 model fetches is bench:ota's `--only reuse`),
 * and, for information only, that archive under gzip -9. Accuracy, per data
 * file: full-model (12 layers) and early-exit EM/F1 under the bundle's own thresholds, mean layers,
 * the device policy (depth limit + offload) F1 and offload rate, and how many early-exit answers
 * equal the fp32 bundle's. Load: median of 3 loadQaBundle calls (read, hash, dequantise, backend).
 * Without --data, 500 fresh synthetic questions (seed 43) are generated.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { runCli } from '../cli/main.ts';
import { readSquadFile } from '../cli/commands/_read-squad.ts';
import { buildFeatures } from '../engine/squad/features.ts';
import { evaluatePolicy, profileExits, type PolicyResult } from '../engine/train/exit-profile.ts';
import { packDir } from '../models/bundle/node/pack-dir.ts';
import { generateSigningKey } from '../models/bundle/signing-key.ts';
import type { ConvertSelection, WeightsFormat } from '../models/weights/weights-format.ts';
import { convertBundle } from '../runtime/convert-bundle.ts';
import { loadQaBundle } from '../runtime/qa-bundle.ts';
import { machine, median, printTable } from './_report.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : undefined; };
const many = (name: string): string[] => argv.flatMap((a, i) => (a === `--${name}` && argv[i + 1] !== undefined ? [argv[i + 1]!] : []));
const json = argv.includes('--json');
const source = path.resolve(opt('bundle') ?? path.join(ROOT, 'models/default'));
const backend = opt('backend');
const progress = (s: string): void => { process.stderr.write(`${s}\n`); };

interface Variant { readonly name: string; readonly format: WeightsFormat; readonly selection?: ConvertSelection }
const VARIANTS: readonly Variant[] = [
  { name: 'fp32', format: 'fp32' },
  { name: 'fp16', format: 'fp16' },
  { name: 'int8', format: 'int8' },
  { name: 'int8, fp32 word table', format: 'int8', selection: { wordEmbeddings: false } },
];

const dirBytes = (d: string): number => readdirSync(d).reduce((n, f) => n + statSync(path.join(d, f)).size, 0);

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'elma-bench-weights-'));
  try {
    let data = many('data');
    if (data.length === 0) {
      const f = path.join(work, 'synth-43-500.json');
      const code = await runCli(['data', 'synth', '--seed', '43', '--n', '500', '--out', f], { stdout: () => undefined, stderr: () => undefined, stdin: async function* () { /* none */ } });
      if (code !== 0) throw new Error('elma data synth failed');
      data = [f];
    }
    const key = generateSigningKey((n) => new Uint8Array(randomBytes(n)));
    const sizes: { name: string; weights: number; dir: number; tar: number; gz: number; loadMs: number }[] = [];
    const results = new Map<string, Map<string, { full: PolicyResult; early: PolicyResult; device: PolicyResult }>>();
    const expires = new Date(Date.now() + 86_400_000).toISOString();
    for (const v of VARIANTS) {
      const dir = path.join(work, v.name.replace(/[^a-z0-9]+/g, '-'));
      progress(`${v.name}: converting ${source}`);
      if (v.format === 'fp32') cpSync(source, dir, { recursive: true });
      else convertBundle(source, dir, v.format, { ...(backend === undefined ? {} : { backend }), ...(v.selection === undefined ? {} : { selection: v.selection }) });
      rmSync(path.join(dir, 'signature.ed25519'), { force: true });
      const tar = `${dir}.tar`;
      packDir(dir, { version: 2, expires, target: { arch: 'any', backend: 'any' } }, key, tar);
      const loadMs = median([0, 1, 2].map(() => { const t0 = performance.now(); loadQaBundle(dir, backend === undefined ? {} : { backend }); return performance.now() - t0; }));
      sizes.push({ name: v.name, weights: statSync(path.join(dir, 'weights.safetensors')).size, dir: dirBytes(dir), tar: statSync(tar).size, gz: gzipSync(readFileSync(tar), { level: 9 }).byteLength, loadMs });
      const qa = loadQaBundle(dir, backend === undefined ? {} : { backend });
      const L = qa.model.config.numHiddenLayers;
      const per = new Map<string, { full: PolicyResult; early: PolicyResult; device: PolicyResult }>();
      for (const file of data) {
        progress(`${v.name}: evaluating ${file} on ${qa.model.backend.name}`);
        const examples = readSquadFile(file);
        const s = qa.settings;
        const features = buildFeatures(examples, qa.tokenizer, { maxLength: s.maxSeqLength, docStride: s.docStride });
        const profile = profileExits(qa.model, examples, features, { maxAnswerLength: s.maxAnswerLength, nBestSize: s.nBestSize, nullScoreDiffThreshold: s.nullScoreDiffThreshold }, 16);
        per.set(file, {
          full: evaluatePolicy(profile, new Array<number>(L).fill(0), L, false),
          early: evaluatePolicy(profile, s.policy.thresholds, L, false),
          device: evaluatePolicy(profile, s.policy.thresholds, s.policy.depthLimit, true),
        });
      }
      results.set(v.name, per);
    }
    const base = sizes[0]!;
    const sizeRows = sizes.map((x) => [x.name, x.weights, (x.weights / base.weights).toFixed(3), x.dir, x.tar, (x.tar / base.tar).toFixed(3), x.gz, (x.gz / base.tar).toFixed(3), x.loadMs.toFixed(0)]);
    const accRows: (string | number)[][] = [];
    for (const file of data) {
      const ref = results.get('fp32')!.get(file)!;
      for (const v of VARIANTS) {
        const r = results.get(v.name)!.get(file)!;
        const same = r.early.perQuestion.filter((q, i) => q.text === ref.early.perQuestion[i]!.text).length;
        accRows.push([path.basename(file), v.name, r.full.exact.toFixed(2), r.full.f1.toFixed(2), (r.full.f1 - ref.full.f1).toFixed(2),
          r.early.f1.toFixed(2), (r.early.f1 - ref.early.f1).toFixed(2), r.early.meanLayers.toFixed(2), r.device.f1.toFixed(2),
          `${(100 * r.device.offloadRate).toFixed(1)}%`, `${same}/${r.early.perQuestion.length}`]);
      }
    }
    if (json) {
      process.stdout.write(`${JSON.stringify({ machine: machine(), source, sizes, accuracy: accRows }, null, 2)}\n`);
      return;
    }
    process.stdout.write(`bench:weights — ${source}; ${machine()}\n\n`);
    process.stdout.write(`${printTable(['format', 'weights bytes', '× fp32', 'bundle dir bytes', 'OTA .tar bytes', '× fp32', '.tar gzip -9 (info)', '× fp32 .tar', 'load ms'], sizeRows)}\n\n`);
    process.stdout.write(`${printTable(['data', 'format', 'full EM', 'full F1', 'Δ F1', 'early-exit F1', 'Δ F1', 'mean layers', 'device F1', 'offload', 'same answers as fp32'], accRows)}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
