/**
 * The bundle manifest (ARCHITECTURE.md, "Bundle"): what a model bundle is, checked field by field.
 *
 * A bundle is one directory: `manifest.json`, `weights.safetensors`, the tokenizer
 * (`tokenizer.json` and/or `spiece.model`) and later a detached signature over the canonical
 * manifest bytes (signature.ts). This file is platform-neutral: it validates and serialises, it reads
 * no files.
 *
 * `expires` and `target` are optional here, so unsigned development bundles (import-hf, train) stay
 * valid; verify.ts requires them of a signed release (docs/bundles.md).
 */
import { BundleError } from '../errors.ts';
import { parseAlbertConfig, type AlbertConfig } from '../../engine/albert/config.ts';
import { isTarget, type BundleTarget } from './target.ts';

export const MANIFEST_FILE = 'manifest.json';
export const WEIGHTS_FILE = 'weights.safetensors';
export const BUNDLE_FORMAT = 'elma-bundle';
export const BUNDLE_FORMAT_VERSION = 1;
/**
 * The runtime version this code is; bundles may require a newer one. 0.2.0 reads fp16 and int8
 * weights (issue 19; models/weights/weights-format.ts QUANTIZED_MIN_RUNTIME), which 0.1.0 cannot.
 */
export const RUNTIME_VERSION = '0.2.0';
/** The first runtime, which reads fp32 bundles: a bundle trained in fp32 asks no more, so a device of any release runs it. */
export const FP32_MIN_RUNTIME = '0.1.0';

export interface FileEntry {
  readonly sha256: string;
  readonly size: number;
}

export interface ExitConfig {
  /** thresholds[l - 1]: exit after layer l when the normalised answer entropy is below it. */
  readonly thresholds: readonly number[];
  /** Layers the device runs before it offloads (the lite model). */
  readonly depth_limit: number;
  /** How the thresholds were chosen (e.g. "imported: no calibration", or a calibration record). */
  readonly calibration?: unknown;
}

/** SQuAD feature and answer-extraction settings the model was trained/evaluated with (HF run_qa.py names). */
export interface QaSettings {
  readonly max_seq_length: number;
  readonly doc_stride: number;
  readonly max_answer_length: number;
  readonly n_best_size: number;
  readonly null_score_diff_threshold: number;
}

export interface GoldenQuestion {
  readonly context: string;
  readonly question: string;
  /** The expected answer text; "" for "no answer". */
  readonly answer: string;
}

export interface Manifest {
  readonly format: typeof BUNDLE_FORMAT;
  readonly format_version: number;
  readonly model_id: string;
  /** Monotonic model version (OTA refuses anything not greater than what is installed). */
  readonly version: number;
  readonly created: string;
  readonly min_runtime_version: string;
  /** Hugging Face config.json keys of the ALBERT architecture. */
  readonly architecture: Record<string, unknown>;
  readonly exits: ExitConfig;
  readonly qa: QaSettings;
  readonly weights: string;
  /** The tokenizer file the runtime loads (tokenizer.json preferred, else spiece.model). */
  readonly tokenizer: string;
  readonly files: Readonly<Record<string, FileEntry>>;
  readonly golden: readonly GoldenQuestion[];
  readonly source?: unknown;
  /** ISO 8601 UTC instant after which the bundle is refused (TUF "freeze" attacks); set by `bundle pack`. */
  readonly expires?: string;
  /** Architecture and backend the bundle runs on (target.ts); set by `bundle pack`. */
  readonly target?: BundleTarget;
  /**
   * How `weights` stores the large matrices: "fp32", "fp16" or "int8" (models/weights/weights-format.ts);
   * absent means fp32 (every bundle before issue 19). Any lower-case name parses, so that a future
   * format is refused by the release policy ("weights-format") and the loader, not as malformed.
   */
  readonly weights_format?: string;
}

export const DEFAULT_QA: QaSettings = {
  max_seq_length: 384, doc_stride: 128, max_answer_length: 30, n_best_size: 20, null_score_diff_threshold: 0,
};

function isObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/** Compare dotted versions numerically: -1, 0, 1. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number), pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/**
 * An ISO 8601 UTC instant as Date.prototype.toISOString writes it (seconds, optional milliseconds, `Z`),
 * and a real one: Date.parse rolls 2027-02-30 over into March, so the text must survive a round trip.
 */
export function isIsoInstant(x: unknown): x is string {
  if (typeof x !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/.test(x)) return false;
  const ms = Date.parse(x);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 19) === x.slice(0, 19);
}

/**
 * Validate a decoded manifest; `source` names the file in errors. Returns it typed, with its config
 * parsed. `runtime` is the runtime version to check min_runtime_version against; null skips that
 * check (a publisher packing for devices newer than itself, or a verifier that reports it separately).
 */
export function parseManifest(json: unknown, source = MANIFEST_FILE, runtime: string | null = RUNTIME_VERSION): { manifest: Manifest; config: AlbertConfig } {
  const fail = (field: string, problem: string): never => { throw new BundleError(`${source}: ${field}`, problem); };
  if (!isObject(json)) fail('(top level)', 'is not a JSON object');
  const m = json as Record<string, unknown>;
  if (m.format !== BUNDLE_FORMAT) fail('format', `is ${JSON.stringify(m.format)}, not "${BUNDLE_FORMAT}"`);
  if (m.format_version !== BUNDLE_FORMAT_VERSION) fail('format_version', `is ${JSON.stringify(m.format_version)}; this runtime reads version ${BUNDLE_FORMAT_VERSION}`);
  if (typeof m.model_id !== 'string' || m.model_id === '') fail('model_id', 'is missing or empty');
  if (!Number.isSafeInteger(m.version) || (m.version as number) < 0) fail('version', `must be a non-negative integer, got ${JSON.stringify(m.version)}`);
  if (typeof m.created !== 'string') fail('created', 'is missing');
  if (typeof m.min_runtime_version !== 'string' || !/^\d+(\.\d+)*$/.test(m.min_runtime_version)) fail('min_runtime_version', 'must be a dotted version like "0.1.0"');
  if (runtime !== null && compareVersions(m.min_runtime_version as string, runtime) > 0) {
    fail('min_runtime_version', `needs runtime ${String(m.min_runtime_version)}, this is ${runtime}`);
  }
  if (m.expires !== undefined && !isIsoInstant(m.expires)) fail('expires', `must be an ISO 8601 UTC time like "2027-01-31T00:00:00.000Z", got ${JSON.stringify(m.expires)}`);
  if (m.target !== undefined && !isTarget(m.target)) fail('target', `must be {arch, backend} lower-case names, got ${JSON.stringify(m.target)}`);
  if (m.weights_format !== undefined && (typeof m.weights_format !== 'string' || !/^[a-z0-9_]{1,32}$/.test(m.weights_format))) {
    fail('weights_format', `must be a lower-case format name such as "fp32", "fp16" or "int8", got ${JSON.stringify(m.weights_format)}`);
  }
  if (!isObject(m.architecture)) fail('architecture', 'is missing or not an object');
  const config = parseAlbertConfig(m.architecture, `${source}: architecture`);
  if (!isObject(m.exits)) fail('exits', 'is missing or not an object');
  const ex = m.exits as Record<string, unknown>;
  if (!Array.isArray(ex.thresholds) || ex.thresholds.length !== config.numHiddenLayers || !ex.thresholds.every((t) => typeof t === 'number' && Number.isFinite(t))) {
    fail('exits.thresholds', `must be ${config.numHiddenLayers} finite numbers (one per layer)`);
  }
  if (!Number.isSafeInteger(ex.depth_limit) || (ex.depth_limit as number) < 1 || (ex.depth_limit as number) > config.numHiddenLayers) {
    fail('exits.depth_limit', `must be an integer 1..${config.numHiddenLayers}, got ${JSON.stringify(ex.depth_limit)}`);
  }
  if (!isObject(m.qa)) fail('qa', 'is missing or not an object');
  const qa = m.qa as Record<string, unknown>;
  for (const k of ['max_seq_length', 'doc_stride', 'max_answer_length', 'n_best_size'] as const) {
    if (!Number.isSafeInteger(qa[k]) || (qa[k] as number) < 1) fail(`qa.${k}`, `must be a positive integer, got ${JSON.stringify(qa[k])}`);
  }
  if (typeof qa.null_score_diff_threshold !== 'number') fail('qa.null_score_diff_threshold', 'must be a number');
  if ((qa.max_seq_length as number) > config.maxPositionEmbeddings) {
    fail('qa.max_seq_length', `${String(qa.max_seq_length)} exceeds max_position_embeddings ${config.maxPositionEmbeddings}`);
  }
  if ((qa.doc_stride as number) >= (qa.max_seq_length as number)) fail('qa.doc_stride', 'must be smaller than max_seq_length');
  if (!isObject(m.files)) fail('files', 'is missing or not an object');
  for (const [name, e] of Object.entries(m.files as Record<string, unknown>)) {
    if (name.includes('/') || name.includes('\\') || name === '..' || name === '.' || name === MANIFEST_FILE) fail(`files.${name}`, 'is not a plain file name of the bundle');
    if (!isObject(e) || typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256) || !Number.isSafeInteger(e.size) || (e.size as number) < 0) {
      fail(`files.${name}`, 'must be {sha256: 64 hex digits, size: bytes}');
    }
  }
  for (const k of ['weights', 'tokenizer'] as const) {
    if (typeof m[k] !== 'string' || !Object.prototype.hasOwnProperty.call(m.files, m[k] as string)) fail(k, `must name a file listed in files, got ${JSON.stringify(m[k])}`);
  }
  if (!Array.isArray(m.golden)) fail('golden', 'must be a list');
  (m.golden as unknown[]).forEach((g, i) => {
    if (!isObject(g) || typeof g.context !== 'string' || typeof g.question !== 'string' || typeof g.answer !== 'string') {
      fail(`golden[${i}]`, 'must be {context, question, answer} strings');
    }
  });
  return { manifest: json as unknown as Manifest, config };
}

/** Canonical bytes of a manifest (keys sorted, no whitespace): what a signature covers. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new RangeError('canonical JSON has no non-finite numbers');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj).filter((k) => obj[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}
