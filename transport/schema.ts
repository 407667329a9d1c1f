/**
 * The message schema of the link: every message is one CBOR map (RFC 8949 §3.1 major type 5) with
 * text keys — `t` the message type, `v` the schema version, `id` the request id — and the fields of
 * its type below. Decoding validates everything: unknown types, unknown or missing fields, wrong
 * types, out-of-range numbers, oversized strings all give a SchemaError naming the field.
 *
 * Request ids are unsigned integers below 2^53. A reply carries the id of its request; `ping`,
 * `rekey` and `part` ids are the sender's own sequence numbers.
 */
import { MAX_CHUNK_LEN, MAX_FRAME_PLAINTEXT, MAX_MESSAGE_LEN, MAX_OFFLOAD_HIDDEN, SCHEMA_VERSION } from './constants.ts';
import { SchemaError } from './errors.ts';
import { decodeCbor, encodeCbor } from './cbor.ts';

/** A question for the cloud (device → server); answered by `answer` or `error`. */
export interface Ask { t: 'ask'; id: number; context: string; question: string }
/**
 * A question the device could not answer confidently within its depth limit (device → cloud),
 * with the device's own best exit (stored by the cloud as a hard example). Two forms:
 * - text (`hidden_layer` 0, `seq` 0, empty byte fields): the cloud tokenizes and runs every layer;
 * - hidden state (`hidden_layer` k ≥ 1): the device's hidden state after layer k of bundle
 *   `model`/`version`, fp16 little-endian [features, seq, hidden], each feature's token ids (int32
 *   LE) and attention mask (one byte per token), cut to the longest feature; the cloud continues
 *   from layer k + 1 (SPINN, SplitEE). The context and question travel in both forms: the cloud
 *   keeps them and maps the span back to characters with its own tokenization, which must give
 *   the same token ids.
 * Answered by `answer`, `busy`, or `error` (code `unknown-model-version` when the cloud does not
 * hold that bundle version: the device then sends the text form).
 */
export interface Offload {
  t: 'offload'; id: number; context: string; question: string; model: string; version: number;
  exit_layer: number; exit_entropy: number; exit_text: string;
  hidden_layer: number; seq: number; hidden: Uint8Array; input_ids: Uint8Array; attention_mask: Uint8Array;
}
/** The cloud's queue is full (backpressure): nothing was done; send the request again after
 *  `retry_after_ms`. The device answers locally meanwhile and keeps the request in its outbox. */
export interface Busy { t: 'busy'; id: number; retry_after_ms: number }
/** The cloud's answer to an `ask`: a span of the context (start/end in characters, −1 for "no answer"). */
export interface Answer { t: 'answer'; id: number; text: string; start: number; end: number; score: number; layer: number }
/** A model update on offer (server → device): the bundle `.tar`'s signed chunk index (model id,
 *  version, expiry, size, SHA-256, chunk size, one SHA-256 per chunk, the release key's id and its
 *  Ed25519 signature; models/bundle/chunk-index.ts, docs/ota.md "Download"). */
export interface Offer {
  t: 'offer'; id: number; model: string; version: number; expires: string; size: number; sha256: Uint8Array;
  chunk_size: number; chunks: Uint8Array; key_id: string; signature: Uint8Array;
}
/** A request for `length` bytes of bundle `version` from `offset` (device → server); answered by `chunk`. */
export interface ChunkRequest { t: 'chunk-req'; id: number; version: number; offset: number; length: number }
/** Bytes of a bundle (server → device), possibly split across frames by `part`. */
export interface Chunk { t: 'chunk'; id: number; version: number; offset: number; data: Uint8Array }
/** A device report (hard example counts, health, slots): flat key → number, text or boolean. */
export interface Report { t: 'report'; id: number; kind: string; body: Record<string, number | string | boolean> }
/** The reply to a request that has nothing else to return (a `report`, an `offer`). */
export interface Ack { t: 'ack'; id: number }
/** Keepalive (WireGuard §6.5 analogue): a `ping` is answered by a `pong` with the same id. */
export interface Ping { t: 'ping'; id: number }
export interface Pong { t: 'pong'; id: number }
/** The sender switches its sending key with Noise Rekey() right after this message (Noise rev34 §11.3). */
export interface Rekey { t: 'rekey'; id: number }
/** A failed request (`id` of the request), or a protocol error before a close (`id` 0). */
export interface ErrorMessage { t: 'error'; id: number; code: string; message: string }
/** One piece of a message too large for one frame: pieces of message `id` arrive in order from seq 0. */
export interface Part { t: 'part'; id: number; seq: number; last: boolean; data: Uint8Array }

export type Message = Ask | Offload | Busy | Answer | Offer | ChunkRequest | Chunk | Report | Ack | Ping | Pong | Rekey | ErrorMessage | Part;
export type MessageType = Message['t'];

/** Messages a device sends that the server must answer (each counts against MAX_INFLIGHT). */
export type Request = Ask | Offload | ChunkRequest | Report;
export type Reply = Answer | Busy | Chunk | Ack | ErrorMessage;
export const REQUEST_TYPES: ReadonlySet<MessageType> = new Set(['ask', 'offload', 'chunk-req', 'report']);
export const REPLY_TYPES: ReadonlySet<MessageType> = new Set(['answer', 'busy', 'chunk', 'ack', 'error']);

// ---- field kinds -------------------------------------------------------------------------------

type Field =
  | { kind: 'text'; max: number }
  | { kind: 'uint'; max?: number }
  | { kind: 'int' }
  | { kind: 'float' }
  | { kind: 'bool' }
  | { kind: 'bytes'; max: number; exact?: number }
  | { kind: 'flat'; maxEntries: number; maxKey: number; maxText: number };

const text = (max: number): Field => ({ kind: 'text', max });
const uint = (max?: number): Field => (max === undefined ? { kind: 'uint' } : { kind: 'uint', max });
const bytes = (max: number, exact?: number): Field => (exact === undefined ? { kind: 'bytes', max } : { kind: 'bytes', max, exact });

/** Field specs of every type, besides the common `t`, `v` and `id`. All fields are required. */
const SCHEMA: { readonly [K in MessageType]: Readonly<Record<Exclude<keyof Extract<Message, { t: K }>, 't' | 'id'>, Field>> } = {
  ask: { context: text(200_000), question: text(4_096) },
  offload: {
    context: text(200_000), question: text(4_096), model: text(256), version: uint(),
    exit_layer: uint(1024), exit_entropy: { kind: 'float' }, exit_text: text(200_000),
    hidden_layer: uint(1024), seq: uint(8192), hidden: bytes(MAX_OFFLOAD_HIDDEN), input_ids: bytes(MAX_OFFLOAD_HIDDEN / 4), attention_mask: bytes(MAX_OFFLOAD_HIDDEN / 16),
  },
  busy: { retry_after_ms: uint(3_600_000) },
  answer: { text: text(200_000), start: { kind: 'int' }, end: { kind: 'int' }, score: { kind: 'float' }, layer: uint(1024) },
  offer: {
    model: text(256), version: uint(), expires: text(64), size: uint(), sha256: bytes(32, 32),
    chunk_size: uint(), chunks: bytes(MAX_MESSAGE_LEN - 4096), key_id: text(16), signature: bytes(64, 64),
  },
  'chunk-req': { version: uint(), offset: uint(), length: uint(MAX_CHUNK_LEN) },
  chunk: { version: uint(), offset: uint(), data: bytes(MAX_CHUNK_LEN) },
  report: { kind: text(64), body: { kind: 'flat', maxEntries: 256, maxKey: 64, maxText: 1024 } },
  ack: {},
  ping: {},
  pong: {},
  rekey: {},
  error: { code: text(64), message: text(1024) },
  part: { seq: uint(), last: { kind: 'bool' }, data: bytes(MAX_FRAME_PLAINTEXT) },
};

export function isMessageType(t: unknown): t is MessageType {
  return typeof t === 'string' && Object.hasOwn(SCHEMA, t);
}

// ---- validation --------------------------------------------------------------------------------

function checkField(type: string, name: string, f: Field, v: unknown): unknown {
  const where = `${type}.${name}`;
  const bad = (why: string): never => { throw new SchemaError(where, why); };
  switch (f.kind) {
    case 'text':
      if (typeof v !== 'string') return bad('must be a text string');
      if (v.length > f.max) bad(`longer than ${f.max} characters`);
      return v;
    case 'uint':
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) return bad('must be an unsigned integer below 2^53');
      if (f.max !== undefined && v > f.max) bad(`exceeds ${f.max}`);
      return v;
    case 'int':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) return bad('must be an integer');
      return v;
    case 'float':
      if (typeof v !== 'number' || !Number.isFinite(v)) return bad('must be a finite number');
      return v;
    case 'bool':
      if (typeof v !== 'boolean') return bad('must be a boolean');
      return v;
    case 'bytes':
      if (!(v instanceof Uint8Array)) return bad('must be a byte string');
      if (f.exact !== undefined && v.length !== f.exact) bad(`must be ${f.exact} bytes, got ${v.length}`);
      if (v.length > f.max) bad(`longer than ${f.max} bytes`);
      return v;
    case 'flat': {
      const entries = v instanceof Map ? [...v.entries()] : isPlainObject(v) ? Object.entries(v) : bad('must be a map');
      if (entries.length > f.maxEntries) bad(`more than ${f.maxEntries} entries`);
      const out: Record<string, number | string | boolean> = Object.create(null) as Record<string, number | string | boolean>;
      for (const [k, x] of entries) {
        if (typeof k !== 'string' || k.length === 0 || k.length > f.maxKey) bad(`keys must be text of 1..${f.maxKey} characters`);
        if (typeof x === 'number' ? !Number.isFinite(x) : typeof x === 'string' ? x.length > f.maxText : typeof x !== 'boolean') {
          bad(`value of "${k}" must be a finite number, a text up to ${f.maxText} characters or a boolean`);
        }
        out[k] = x as number | string | boolean;
      }
      return out;
    }
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Validate a decoded CBOR value (a Map) as a message; returns a fresh, typed object. */
export function validateMessage(value: unknown): Message {
  if (!(value instanceof Map)) throw new SchemaError('message', 'must be a CBOR map');
  const map = value as Map<unknown, unknown>;
  const t = map.get('t');
  if (typeof t !== 'string') throw new SchemaError('message.t', 'must be a text string naming the type');
  if (!isMessageType(t)) throw new SchemaError('message.t', `unknown message type "${t.slice(0, 32)}"`);
  const v = map.get('v');
  if (v !== SCHEMA_VERSION) throw new SchemaError(`${t}.v`, `unsupported schema version ${JSON.stringify(v) ?? typeof v} (this end speaks ${SCHEMA_VERSION})`);
  const fields = SCHEMA[t] as Readonly<Record<string, Field>>;
  const out: Record<string, unknown> = { t, id: checkField(t, 'id', { kind: 'uint' }, map.get('id')) };
  for (const [name, f] of Object.entries(fields)) {
    if (!map.has(name)) throw new SchemaError(`${t}.${name}`, 'is missing');
    out[name] = checkField(t, name, f, map.get(name));
  }
  for (const k of map.keys()) {
    if (k !== 't' && k !== 'v' && k !== 'id' && !(typeof k === 'string' && Object.hasOwn(fields, k))) {
      throw new SchemaError(t, `unknown field ${typeof k === 'string' ? `"${k.slice(0, 32)}"` : `of key type ${typeof k}`}`);
    }
  }
  return out as unknown as Message;
}

/** CBOR bytes → a validated message (SchemaError on anything else). */
export function decodeMessage(bytes: Uint8Array): Message {
  return validateMessage(decodeCbor(bytes, 'message'));
}

/** A validated message → CBOR bytes. Validation runs on the way out too, so a local bug never puts
 *  on the wire what the peer would refuse. Integers beyond 32 bits go out as CBOR integers. */
export function encodeMessage(m: Message): Uint8Array {
  const fields = SCHEMA[m.t] as Readonly<Record<string, Field>>;
  const src = m as unknown as Record<string, unknown>;
  const wire = new Map<string, unknown>([['t', m.t], ['v', SCHEMA_VERSION], ['id', wideInt(checkField(m.t, 'id', { kind: 'uint' }, m.id))]]);
  for (const [name, f] of Object.entries(fields)) {
    const v = checkField(m.t, name, f, src[name]);
    wire.set(name, f.kind === 'uint' || f.kind === 'int' ? wideInt(v) : f.kind === 'flat' ? new Map(Object.entries(v as object)) : v);
  }
  for (const k of Object.keys(src)) if (k !== 't' && k !== 'id' && !Object.hasOwn(fields, k)) throw new SchemaError(m.t, `unknown field "${k}"`);
  return encodeCbor(wire);
}

/** cbor-x writes numbers outside ±2^32 as float64; RFC 8949 §4.2.1 wants integers, so widen them. */
function wideInt(v: unknown): unknown {
  return typeof v === 'number' && (v > 0xffffffff || v < -0x100000000) ? BigInt(v) : v;
}
