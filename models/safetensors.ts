/**
 * safetensors reader and writer (https://github.com/huggingface/safetensors, "Format").
 *
 *   8 bytes  little-endian u64 N = header size
 *   N bytes  UTF-8 JSON: { name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: {str: str} }
 *   rest     the byte buffer; offsets are relative to its start
 *
 * The reader rejects everything the reference implementation rejects (header too large or past
 * the end, invalid JSON, unknown dtype, offsets out of bounds, overlapping or leaving holes, a
 * byte length that does not match the shape) and names the file and tensor at fault. It works on
 * bytes only, so it runs on QuickJS; files are read by the caller.
 */
import { SafetensorsError } from './errors.ts';
import { utf8Bytes, utf8Decode } from '../engine/utf8.ts';
import { halfToFloat } from '../engine/fp16.ts';

/** Hard limit on the JSON header (the reference implementation uses 100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

export type Dtype = 'F32' | 'F16' | 'BF16' | 'F64' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const DTYPE_BYTES: Readonly<Record<Dtype, number>> = {
  F64: 8, I64: 8, F32: 4, I32: 4, F16: 2, BF16: 2, I16: 2, I8: 1, U8: 1, BOOL: 1,
};

export type TensorData = Float32Array | Float64Array | Int32Array | BigInt64Array | Int16Array | Int8Array | Uint8Array | Uint16Array;

export interface Tensor {
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  /** F16 and BF16 are returned as raw Uint16Array bits; use `toFloat32` to widen them. */
  readonly data: TensorData;
}

export interface SafetensorsFile {
  readonly tensors: Map<string, Tensor>;
  readonly metadata: Record<string, string>;
}

function isDtype(x: unknown): x is Dtype {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_BYTES, x);
}

export function dtypeBytes(dtype: Dtype): number {
  return DTYPE_BYTES[dtype];
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function view(dtype: Dtype, bytes: Uint8Array): TensorData {
  // Typed arrays need aligned offsets; copy when the file's layout does not give us one.
  const size = DTYPE_BYTES[dtype];
  const b = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  const n = b.byteLength / size;
  switch (dtype) {
    case 'F32': return new Float32Array(b.buffer, b.byteOffset, n);
    case 'F64': return new Float64Array(b.buffer, b.byteOffset, n);
    case 'I32': return new Int32Array(b.buffer, b.byteOffset, n);
    case 'I64': return new BigInt64Array(b.buffer, b.byteOffset, n);
    case 'I16': return new Int16Array(b.buffer, b.byteOffset, n);
    case 'F16': case 'BF16': return new Uint16Array(b.buffer, b.byteOffset, n);
    case 'I8': return new Int8Array(b.buffer, b.byteOffset, n);
    case 'U8': case 'BOOL': return new Uint8Array(b.buffer, b.byteOffset, n);
  }
}

/**
 * Parse a safetensors file held in memory. `source` names the file in error messages.
 * Tensor data are views into `bytes` where alignment allows (no copy).
 */
export function parseSafetensors(bytes: Uint8Array, source = 'safetensors'): SafetensorsFile {
  if (bytes.byteLength < 8) {
    throw new SafetensorsError(source, `file is ${bytes.byteLength} bytes, shorter than the 8-byte header length`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = dv.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(source, `header length ${n64} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const n = Number(n64);
  if (8 + n > bytes.byteLength) {
    throw new SafetensorsError(source, `header length ${n} runs past the end of the file (${bytes.byteLength} bytes): truncated?`);
  }
  let header: unknown;
  const text = utf8Decode(bytes, 8, 8 + n); // not TextDecoder: QuickJS has none
  if (text === null) throw new SafetensorsError(source, 'header is not valid UTF-8 JSON (invalid UTF-8)');
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(source, `header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new SafetensorsError(source, 'header is not a JSON object');
  }
  const dataStart = 8 + n;
  const dataLen = bytes.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: Dtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
        throw new SafetensorsError(`${source}: __metadata__`, 'must be an object of strings');
      }
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new SafetensorsError(`${source}: __metadata__.${k}`, 'must be a string');
        metadata[k] = v;
      }
      continue;
    }
    const where = `${source}: tensor "${name}"`;
    if (raw === null || typeof raw !== 'object') throw new SafetensorsError(where, 'entry is not an object');
    const { dtype, shape, data_offsets: offs } = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!isDtype(dtype)) throw new SafetensorsError(where, `unknown dtype ${JSON.stringify(dtype)}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SafetensorsError(where, `shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
    }
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw new SafetensorsError(where, `data_offsets ${JSON.stringify(offs)} is not [begin, end]`);
    }
    const [begin, end] = offs as [number, number];
    if (begin > end || end > dataLen) {
      throw new SafetensorsError(where, `data_offsets [${begin}, ${end}] out of bounds of the ${dataLen}-byte data buffer`);
    }
    const want = numel(shape as number[]) * DTYPE_BYTES[dtype];
    if (end - begin !== want) {
      throw new SafetensorsError(where, `holds ${end - begin} bytes but dtype ${dtype} shape [${shape.join(', ')}] needs ${want}`);
    }
    entries.push({ name, dtype, shape: shape as number[], begin, end });
  }
  // The buffer must be covered exactly, without overlap or holes (format spec, "Safety").
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of sorted) {
    if (e.begin !== cursor) {
      throw new SafetensorsError(`${source}: tensor "${e.name}"`,
        e.begin < cursor ? `overlaps the previous tensor (starts at ${e.begin}, previous ends at ${cursor})` : `leaves a hole at bytes ${cursor}..${e.begin}`);
    }
    cursor = e.end;
  }
  if (cursor !== dataLen) {
    throw new SafetensorsError(source, `data buffer has ${dataLen - cursor} trailing bytes not owned by any tensor`);
  }
  const tensors = new Map<string, Tensor>();
  for (const e of entries) {
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: view(e.dtype, bytes.subarray(dataStart + e.begin, dataStart + e.end)) });
  }
  return { tensors, metadata };
}

function dtypeOf(data: TensorData): Dtype {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof Int32Array) return 'I32';
  if (data instanceof BigInt64Array) return 'I64';
  if (data instanceof Int16Array) return 'I16';
  if (data instanceof Int8Array) return 'I8';
  if (data instanceof Uint8Array) return 'U8';
  throw new TypeError('Uint16Array data needs an explicit dtype (F16 or BF16)');
}

export interface TensorInput {
  readonly shape: readonly number[];
  readonly data: TensorData;
  readonly dtype?: Dtype;
}

/**
 * Serialize tensors. Like the reference writer, the header is padded with spaces to a multiple of
 * 8 bytes and tensors are laid out by descending alignment, then by name, so every view is aligned.
 */
export function serializeSafetensors(tensors: ReadonlyMap<string, TensorInput> | Record<string, TensorInput>,
  metadata?: Record<string, string>): Uint8Array {
  const list = (tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors)) as [string, TensorInput][];
  const items = list.map(([name, t]) => {
    const dtype = t.dtype ?? dtypeOf(t.data);
    if (t.data.byteLength !== numel(t.shape) * DTYPE_BYTES[dtype]) {
      throw new RangeError(`tensor "${name}": ${t.data.byteLength} bytes do not match dtype ${dtype} shape [${t.shape.join(', ')}]`);
    }
    return { name, dtype, t };
  });
  items.sort((a, b) => DTYPE_BYTES[b.dtype] - DTYPE_BYTES[a.dtype] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header.__metadata__ = metadata;
  let offset = 0;
  for (const { name, dtype, t } of items) {
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = utf8Bytes(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.fill(0x20, 8, 8 + padded);
  out.set(json, 8);
  json = new Uint8Array(0);
  let pos = 8 + padded;
  for (const { t } of items) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    pos += t.data.byteLength;
  }
  return out;
}

/** Widen any float tensor to float32 (F16/BF16 bit patterns included); integers are rejected. */
export function toFloat32(t: Tensor, where: string): Float32Array {
  switch (t.dtype) {
    case 'F32': return t.data as Float32Array;
    case 'F64': return Float32Array.from(t.data as Float64Array);
    case 'BF16': {
      const src = t.data as Uint16Array;
      const u = new Uint32Array(src.length);
      for (let i = 0; i < src.length; i++) u[i] = (src[i] as number) << 16;
      return new Float32Array(u.buffer);
    }
    case 'F16': {
      const src = t.data as Uint16Array;
      const out = new Float32Array(src.length);
      for (let i = 0; i < src.length; i++) out[i] = halfToFloat(src[i] as number);
      return out;
    }
    default:
      throw new SafetensorsError(where, `dtype ${t.dtype} where a float tensor is expected`);
  }
}

