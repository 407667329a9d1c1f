/**
 * Hugging Face import: a `save_pretrained` directory (config.json, model.safetensors or a sharded
 * model.safetensors.index.json, tokenizer.json and/or spiece.model) → an ELMA bundle directory.
 *
 * The weights are checked against the config, written under HF names with `albert.` prefixes and
 * one exit head per layer (copies of the final QA head when the model has none). A directory that
 * `elma export-hf` wrote also gives back the bundle's exits, QA settings, golden questions, model id
 * and version (config.json `elma`), so import(export(b)) answers as b does.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BundleError } from './errors.ts';
import { parseSafetensors, serializeSafetensors, type SafetensorsFile, type Tensor } from './safetensors.ts';
import { tensorSource } from './tensor-source.ts';
import { parseAlbertConfig, toHfConfig } from '../engine/albert/config.ts';
import { albertWeightsFrom, albertWeightsToTensors } from '../engine/albert/weights.ts';
import { BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, DEFAULT_QA, RUNTIME_VERSION, WEIGHTS_FILE, type GoldenQuestion, type Manifest, type QaSettings } from './bundle/manifest.ts';
import { writeBundle } from './bundle/bundle-dir.ts';
import type { HfElmaSection } from './hf-export.ts';

export interface ImportOptions {
  readonly modelId?: string;
  readonly version?: number;
  /** One threshold for every layer, or one per layer; default 0 (never exit before the depth limit). */
  readonly thresholds?: number | readonly number[];
  /** Default: all layers. */
  readonly depthLimit?: number;
  readonly qa?: Partial<QaSettings>;
  readonly golden?: readonly GoldenQuestion[];
}

function readJsonFile(file: string): unknown {
  if (!existsSync(file)) throw new BundleError(file, 'is missing');
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new BundleError(file, `is not valid JSON (${(e as Error).message})`);
  }
}

/** All tensors of model.safetensors, or of every shard named by model.safetensors.index.json. */
function readHfWeights(dir: string): SafetensorsFile {
  const single = path.join(dir, 'model.safetensors');
  if (existsSync(single)) return parseSafetensors(new Uint8Array(readFileSync(single)), single);
  const indexFile = path.join(dir, 'model.safetensors.index.json');
  if (existsSync(indexFile)) {
    const index = readJsonFile(indexFile) as { weight_map?: unknown };
    if (index.weight_map === null || typeof index.weight_map !== 'object') throw new BundleError(`${indexFile}: weight_map`, 'is missing');
    const shards = [...new Set(Object.values(index.weight_map as Record<string, unknown>))];
    const tensors = new Map<string, Tensor>();
    for (const shard of shards) {
      if (typeof shard !== 'string' || shard.includes('/')) throw new BundleError(`${indexFile}: weight_map`, `names a bad shard ${JSON.stringify(shard)}`);
      const f = path.join(dir, shard);
      if (!existsSync(f)) throw new BundleError(f, 'shard named by the index is missing');
      for (const [k, v] of parseSafetensors(new Uint8Array(readFileSync(f)), f).tensors) tensors.set(k, v);
    }
    return { tensors, metadata: {} };
  }
  if (existsSync(path.join(dir, 'pytorch_model.bin'))) {
    throw new BundleError(dir, 'has only pytorch_model.bin; ELMA reads safetensors (convert with `save_pretrained(..., safe_serialization=True)`)');
  }
  throw new BundleError(dir, 'has no model.safetensors');
}

/** config.json's `elma` object (written by export-hf), checked enough that a bad one is named, not half-used. */
function elmaSection(v: unknown, configFile: string): HfElmaSection | undefined {
  if (v === undefined) return undefined;
  const bad = (field: string, problem: string): never => { throw new BundleError(`${configFile}: elma.${field}`, problem); };
  if (v === null || typeof v !== 'object') bad('', 'must be an object (written by elma export-hf)');
  const e = v as Record<string, unknown>;
  if (typeof e.model_id !== 'string' || e.model_id === '') bad('model_id', 'must be a non-empty string');
  if (!Number.isSafeInteger(e.version)) bad('version', 'must be an integer');
  const ex = e.exits as Record<string, unknown> | undefined;
  if (ex === undefined || ex === null || typeof ex !== 'object' || !Array.isArray(ex.thresholds) || !ex.thresholds.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    bad('exits.thresholds', 'must be a list of numbers');
  }
  if (!Number.isSafeInteger(ex!.depth_limit)) bad('exits.depth_limit', 'must be an integer');
  if (e.qa === null || typeof e.qa !== 'object' || !Object.values(e.qa as object).every((x) => typeof x === 'number')) bad('qa', 'must be an object of numbers');
  if (!Array.isArray(e.golden)) bad('golden', 'must be a list');
  return e as unknown as HfElmaSection;
}

export function importHf(hfDir: string, outDir: string, opts: ImportOptions = {}): Manifest {
  if (!existsSync(hfDir)) throw new BundleError(hfDir, 'no such directory');
  const configFile = path.join(hfDir, 'config.json');
  const hfConfig = readJsonFile(configFile) as Record<string, unknown>;
  const config = parseAlbertConfig(hfConfig, configFile);
  const weightsFile = readHfWeights(hfDir);
  const weights = albertWeightsFrom(tensorSource(weightsFile, path.join(hfDir, 'model.safetensors')), config, path.join(hfDir, 'model.safetensors'));
  const files = new Map<string, Uint8Array>();
  files.set(WEIGHTS_FILE, serializeSafetensors(albertWeightsToTensors(weights, config), { format: 'pt', producer: 'elma import-hf' }));
  let tokenizer: string | undefined;
  for (const name of ['spiece.model', 'tokenizer.json']) {
    const f = path.join(hfDir, name);
    if (existsSync(f)) {
      files.set(name, new Uint8Array(readFileSync(f)));
      tokenizer = name;
    }
  }
  if (tokenizer === undefined) throw new BundleError(hfDir, 'has neither tokenizer.json nor spiece.model');
  const L = config.numHiddenLayers;
  // A directory written by `elma export-hf` carries the bundle's exits and QA settings (hf-export.ts).
  const saved = elmaSection(hfConfig.elma, configFile);
  const t = opts.thresholds ?? saved?.exits.thresholds ?? 0;
  const thresholds = typeof t === 'number' ? new Array<number>(L).fill(t) : [...t];
  if (thresholds.length !== L) throw new RangeError(`thresholds: ${thresholds.length} values for ${L} layers`);
  // Small models (max_position_embeddings < 384) get windows of their full length, overlapping by a
  // quarter, as run_qa.py's 384/128 does for base models (the fixture features use 128/32).
  const maxSeq = opts.qa?.max_seq_length ?? saved?.qa.max_seq_length ?? Math.min(DEFAULT_QA.max_seq_length, config.maxPositionEmbeddings);
  const stride = opts.qa?.doc_stride ?? saved?.qa.doc_stride ?? (maxSeq > DEFAULT_QA.doc_stride ? DEFAULT_QA.doc_stride : Math.floor(maxSeq / 4));
  const qa: QaSettings = { ...DEFAULT_QA, ...saved?.qa, ...opts.qa, max_seq_length: maxSeq, doc_stride: stride };
  return writeBundle(outDir, {
    format: BUNDLE_FORMAT,
    format_version: BUNDLE_FORMAT_VERSION,
    model_id: opts.modelId ?? saved?.model_id ?? path.basename(path.resolve(hfDir)),
    version: opts.version ?? saved?.version ?? 1,
    created: new Date().toISOString(),
    min_runtime_version: RUNTIME_VERSION,
    architecture: toHfConfig(config),
    exits: { thresholds, depth_limit: opts.depthLimit ?? saved?.exits.depth_limit ?? L, calibration: saved?.exits.calibration ?? 'none: imported from Hugging Face' },
    qa,
    weights: WEIGHTS_FILE,
    tokenizer,
    golden: opts.golden ?? saved?.golden ?? [],
    source: { kind: 'huggingface', dir: path.basename(path.resolve(hfDir)), transformers_version: hfConfig.transformers_version ?? null },
  }, files);
}
