/**
 * `edge.json`, the device program's configuration (issue 13): every field is checked when the
 * program starts, and a bad one gives one line naming the file and the field, e.g.
 * `edge.json: depth_limit: must be an integer 1..12, got "x"`. Relative paths are taken from the
 * directory of the config file, so `elma edge init --dir d` writes a self-contained directory.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ElmaError } from '../../engine/errors.ts';

export class EdgeConfigError extends ElmaError {}

export const BACKENDS = ['auto', 'js', 'native', 'onnx'] as const;
/** What the layer's matrices run in (docs/backends.md "int8", "bf16"): int8 and bf16 on the native backend only. */
export const PRECISIONS = ['fp32', 'int8', 'bf16'] as const;
export type EdgePrecision = (typeof PRECISIONS)[number];
export const OFFLOAD_FORMS = ['text', 'hidden'] as const;
/** The most layers a bundle may have for depth_limit's first check; the model's own count is checked after boot. */
export const MAX_LAYERS = 12;
export const DEFAULT_OFFLOAD_TIMEOUT_MS = 3000;

export interface EdgeConfig {
  /** host:port of the cloud end. */
  readonly cloud: string;
  readonly host: string;
  readonly port: number;
  /** The server's public key: 64 hex digits, or a file (a link key file or the hex). */
  readonly server_key: string;
  /** This device's link key file (absolute). */
  readonly device_key: string;
  readonly slots: string;
  /** The release (bundle signing) public key: hex or a file. */
  readonly release_key: string;
  readonly backend: (typeof BACKENDS)[number];
  /** fp32 (default), int8 or bf16: the native layer's six matrices as int8 or bf16 GEMMs; an int8 bundle runs its own bytes under int8. */
  readonly precision: EdgePrecision;
  readonly depth_limit: number;
  readonly threshold_scale: number;
  readonly offload_form: (typeof OFFLOAD_FORMS)[number];
  readonly offload_timeout_ms: number;
  readonly outbox: string;
  readonly update_interval_s: number;
  readonly console: boolean;
  readonly socket: string | null;
  /** Seconds between status reports to the cloud (default 60; 0 = only on `stats`). */
  readonly status_interval_s: number;
}

const FIELDS = ['cloud', 'server_key', 'device_key', 'slots', 'release_key', 'backend', 'precision', 'depth_limit', 'threshold_scale',
  'offload_form', 'offload_timeout_ms', 'outbox', 'update_interval_s', 'console', 'socket', 'status_interval_s'] as const;
const OPTIONAL = new Set(['precision', 'offload_timeout_ms', 'status_interval_s']);

const show = (v: unknown): string => (v === undefined ? 'nothing' : JSON.stringify(v) ?? String(v));

/** Parse and check a config document; `file` names it in errors and anchors relative paths. */
export function parseEdgeConfig(doc: unknown, file: string): EdgeConfig {
  const name = file;
  const bad = (field: string, why: string): never => { throw new EdgeConfigError(`${name}: ${field}`, why); };
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new EdgeConfigError(name, 'must hold one JSON object');
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d)) {
    if (!(FIELDS as readonly string[]).includes(k)) bad(k, `unknown field (known: ${FIELDS.join(', ')})`);
  }
  for (const k of FIELDS) if (!OPTIONAL.has(k) && !Object.hasOwn(d, k)) bad(k, 'is missing');
  const base = path.dirname(path.resolve(file));
  const str = (k: string): string => {
    const v = d[k];
    if (typeof v !== 'string' || v.trim() === '') return bad(k, `must be a non-empty string, got ${show(v)}`);
    return v;
  };
  const filePath = (k: string): string => path.resolve(base, str(k));
  const keyOrFile = (k: string): string => {
    const v = str(k);
    return /^[0-9a-fA-F]{64}$/.test(v.trim()) ? v.trim() : path.resolve(base, v);
  };
  const int = (k: string, min: number, max: number, fallback?: number): number => {
    const v = d[k] ?? fallback;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
      return bad(k, `must be an integer ${min}..${max}, got ${show(d[k])}`);
    }
    return v;
  };
  const oneOf = <T extends string>(k: string, options: readonly T[], fallback?: T): T => {
    const v = d[k] ?? fallback;
    if (typeof v !== 'string' || !options.includes(v as T)) return bad(k, `must be one of ${options.map((o) => `"${o}"`).join(', ')}, got ${show(v)}`);
    return v as T;
  };
  const cloud = str('cloud');
  const m = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(cloud);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || !(port > 0 && port < 65536)) bad('cloud', `must be host:port, got ${show(cloud)}`);
  const scale = d.threshold_scale;
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale < 0 || scale > 100) bad('threshold_scale', `must be a number 0..100, got ${show(scale)}`);
  if (typeof d.console !== 'boolean') bad('console', `must be true or false, got ${show(d.console)}`);
  const sock = d.socket;
  if (sock !== null && (typeof sock !== 'string' || sock.trim() === '')) bad('socket', `must be a Unix socket path or null, got ${show(sock)}`);
  const socket = sock === null ? null : path.resolve(base, sock as string);
  // sun_path is 108 bytes on Linux (104 on the BSDs).
  if (socket !== null && Buffer.byteLength(socket) > 100) bad('socket', `path is ${Buffer.byteLength(socket)} bytes; a Unix socket path must be under 100`);
  const backend = oneOf('backend', BACKENDS);
  const precision = oneOf('precision', PRECISIONS, 'fp32');
  const refusal = precisionRefusal(backend, precision);
  if (refusal !== null) bad('precision', refusal);
  return {
    cloud, host: m![1] ?? m![2]!, port,
    server_key: keyOrFile('server_key'),
    device_key: filePath('device_key'),
    slots: filePath('slots'),
    release_key: keyOrFile('release_key'),
    backend,
    precision,
    depth_limit: int('depth_limit', 1, MAX_LAYERS),
    threshold_scale: scale as number,
    offload_form: oneOf('offload_form', OFFLOAD_FORMS),
    offload_timeout_ms: int('offload_timeout_ms', 1, 600_000, DEFAULT_OFFLOAD_TIMEOUT_MS),
    outbox: filePath('outbox'),
    update_interval_s: int('update_interval_s', 0, 30 * 24 * 3600),
    console: d.console as boolean,
    socket,
    status_interval_s: int('status_interval_s', 0, 24 * 3600, 60),
  };
}

/** Why `precision` cannot run on `backend` (int8 and bf16 are the native backend's; auto picks native), or null. */
export function precisionRefusal(backend: EdgeConfig['backend'], precision: EdgePrecision): string | null {
  if (precision === 'fp32' || backend === 'native' || backend === 'auto') return null;
  return `${precision} runs on the native backend only, not "${backend}"; set "backend" to "native" or "auto", or "precision" to "fp32"`;
}

/**
 * The config with `elma edge --precision`'s value in place of the file's (undefined: the file's),
 * checked as the file's is; the error names the option and the file's backend.
 */
export function withPrecision(c: EdgeConfig, value: unknown, file: string): EdgeConfig {
  if (value === undefined) return c;
  if (typeof value !== 'string' || !(PRECISIONS as readonly string[]).includes(value)) {
    throw new EdgeConfigError('--precision', `must be one of ${PRECISIONS.map((o) => `"${o}"`).join(', ')}, got ${show(value)}`);
  }
  const why = precisionRefusal(c.backend, value as EdgePrecision);
  if (why !== null) throw new EdgeConfigError('--precision', `${why} (in ${file})`);
  return { ...c, precision: value as EdgePrecision };
}

export function readEdgeConfig(file: string): EdgeConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new EdgeConfigError(file, err.code === 'ENOENT' ? 'no such file (elma edge init writes one)' : err.message);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new EdgeConfigError(file, `is not valid JSON (${(e as Error).message})`);
  }
  return parseEdgeConfig(doc, file);
}

/** The depth limit against the loaded model's layer count (the second half of its check). */
export function checkDepthLimit(c: EdgeConfig, file: string, layers: number): void {
  if (c.depth_limit > layers) throw new EdgeConfigError(`${file}: depth_limit`, `must be an integer 1..${layers}, got ${c.depth_limit} (the model has ${layers} layers)`);
}
