/**
 * CBOR through cbor-x against the RFC 7049/8949 Appendix A examples, and the message schema: every
 * type round-trips, and each kind of malformed message is refused naming the field.
 */
import test from 'ava';
import path from 'node:path';
import { readJson } from '../_fixtures.ts';
import { VECTORS, hex, toHex } from './_crypto.ts';
import { decodeCbor, encodeCbor } from '../../transport/cbor.ts';
import { decodeMessage, encodeMessage, type Message } from '../../transport/schema.ts';
import { encodeForFrames, Reassembler, PART_DATA_MAX } from '../../transport/fragments.ts';
import { MAX_FRAME_PLAINTEXT } from '../../transport/constants.ts';
import { SchemaError } from '../../transport/errors.ts';
import { isNativeAccelerationEnabled } from 'cbor-x/decode';

interface CborExample { hex: string; roundtrip: boolean; decoded?: unknown; diagnostic?: string }
const examples = readJson<CborExample[]>(path.join(VECTORS, 'cbor', 'appendix_a.json'));

/** JSON cannot hold these; the diagnostic notation names them. */
const DIAGNOSTIC: Record<string, unknown> = { Infinity: Infinity, '-Infinity': -Infinity, NaN: NaN, undefined };

/** Our decoder's view of a decoded value, comparable with the JSON `decoded` field. */
function plain(v: unknown): unknown {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Uint8Array) return toHex(v);
  return v;
}

test('CBOR is decoded by cbor-x in pure JavaScript (no native extractor parses untrusted bytes)', (t) => {
  t.false(isNativeAccelerationEnabled);
});

test('cbor-x decodes the RFC Appendix A examples it supports, and refuses the rest', (t) => {
  t.is(examples.length, 82);
  let decoded = 0;
  const refused: string[] = [];
  for (const e of examples) {
    let v: unknown;
    try {
      v = decodeCbor(hex(e.hex));
    } catch (err) {
      t.true(err instanceof SchemaError);
      refused.push(e.hex);
      continue;
    }
    if ('decoded' in e) {
      const want = e.decoded;
      if (typeof want === 'number' && !Number.isSafeInteger(want) && Number.isInteger(want)) {
        // Beyond 2^53 JSON has lost the value; the decoder gives a number or a bigint of the same magnitude.
        t.is(Number(v), want, e.hex);
      } else {
        t.deepEqual(plain(v), want, e.hex);
      }
      decoded++;
    } else if (e.diagnostic !== undefined && e.diagnostic in DIAGNOSTIC) {
      t.is(Object.is(v, DIAGNOSTIC[e.diagnostic]) || (Number.isNaN(v) && Number.isNaN(DIAGNOSTIC[e.diagnostic])), true, e.hex);
      decoded++;
    }
  }
  // Unassigned simple values and indefinite-length strings: never produced by ELMA, refused as invalid.
  t.deepEqual(refused, ['f0', 'f818', 'f8ff', '5f42010243030405ff', '7f657374726561646d696e67ff']);
  t.true(decoded >= 60, `${decoded} decoded`);
});

test('what ELMA encodes is RFC preferred serialization: every round-trip example with such values re-encodes identically', (t) => {
  let n = 0;
  for (const e of examples) {
    if (!e.roundtrip || !('decoded' in e)) continue;
    const v = decodeCbor(hex(e.hex));
    // ELMA sends integers, text, byte strings, booleans, null, arrays and text-keyed maps.
    const simple = (x: unknown): boolean => x === null || typeof x === 'boolean' || typeof x === 'string' || x instanceof Uint8Array
      || (typeof x === 'number' && Number.isSafeInteger(x) && Math.abs(x) <= 0xffffffff)
      || (Array.isArray(x) && x.every(simple)) || (x instanceof Map && [...x].every(([k, y]) => typeof k === 'string' && simple(y)));
    if (!simple(v) || /^f9|^fa|^fb/.test(e.hex)) continue;
    t.is(toHex(encodeCbor(v)), e.hex);
    n++;
  }
  t.true(n >= 30, `${n} re-encoded`);
});

const SAMPLES: Message[] = [
  { t: 'ask', id: 1, context: 'Normandy is in France.', question: 'Where is Normandy?' },
  { t: 'answer', id: 2 ** 53 - 1, text: 'France', start: 15, end: 21, score: 0.75, layer: 12 },
  { t: 'answer', id: 3, text: '', start: -1, end: -1, score: 0, layer: 6 },
  {
    t: 'offer', id: 4, model: 'albert-squad2', version: 7, expires: '2027-01-31T00:00:00.000Z', size: 48_000_000, sha256: new Uint8Array(32).fill(9),
    chunk_size: 1 << 20, chunks: new Uint8Array(46 * 32).fill(3), key_id: '0123456789abcdef', signature: new Uint8Array(64).fill(5),
  },
  { t: 'chunk-req', id: 5, version: 7, offset: 1 << 20, length: 65536 },
  { t: 'chunk', id: 5, version: 7, offset: 1 << 20, data: new Uint8Array(1000).fill(1) },
  { t: 'report', id: 6, kind: 'health', body: { ok: true, layers: 6, slot: 'B', entropy: 0.25 } },
  { t: 'ack', id: 6 }, { t: 'ping', id: 8 }, { t: 'pong', id: 8 }, { t: 'rekey', id: 0 },
  { t: 'error', id: 1, code: 'handler-failed', message: 'model not loaded' },
  { t: 'part', id: 9, seq: 0, last: false, data: Uint8Array.of(1, 2) },
  {
    t: 'offload', id: 10, context: 'The Normans were in Normandy.', question: 'Where?', model: 'elma-default', version: 2,
    exit_layer: 6, exit_entropy: 0.42, exit_text: 'Normandy', hidden_layer: 6, seq: 2, hidden: new Uint8Array(2 * 2 * 4), input_ids: new Uint8Array(8), attention_mask: Uint8Array.of(1, 1),
  },
  {
    t: 'offload', id: 11, context: 'c', question: 'q', model: 'm', version: 1, exit_layer: 3, exit_entropy: 1, exit_text: '',
    hidden_layer: 0, seq: 0, hidden: new Uint8Array(0), input_ids: new Uint8Array(0), attention_mask: new Uint8Array(0),
  },
  { t: 'busy', id: 12, retry_after_ms: 250 },
];

test('every message type round-trips through CBOR', (t) => {
  for (const m of SAMPLES) t.deepEqual(plain(decodeMessage(encodeMessage(m))), plain(m), m.t);
  // A 53-bit id goes out as a CBOR integer (major type 0), not a float.
  t.regex(toHex(encodeMessage(SAMPLES[1]!)), /6269641b001fffffffffffff/);
});

const bad = (entries: [unknown, unknown][]): Uint8Array => encodeCbor(new Map(entries));
const base: [unknown, unknown][] = [['t', 'ask'], ['v', 1], ['id', 1], ['context', 'c'], ['question', 'q']];

test('malformed messages are refused, naming the field', (t) => {
  const cases: [Uint8Array, RegExp][] = [
    [encodeCbor('ask'), /^message: must be a CBOR map$/],
    [bad([['v', 1], ['id', 1]]), /^message\.t: must be a text string/],
    [bad([['t', 'shutdown'], ['v', 1], ['id', 1]]), /^message\.t: unknown message type "shutdown"$/],
    [bad(base.filter(([k]) => k !== 'v')), /^ask\.v: unsupported schema version undefined/],
    [bad(base.map(([k, v]) => [k, k === 'v' ? 2 : v])), /^ask\.v: unsupported schema version 2/],
    [bad(base.filter(([k]) => k !== 'question')), /^ask\.question: is missing$/],
    [bad(base.map(([k, v]) => [k, k === 'id' ? -1 : v])), /^ask\.id: must be an unsigned integer/],
    [bad(base.map(([k, v]) => [k, k === 'id' ? 2 ** 60 : v])), /^ask\.id: must be an unsigned integer below 2\^53/],
    [bad(base.map(([k, v]) => [k, k === 'id' ? 1.5 : v])), /^ask\.id: must be an unsigned integer/],
    [bad(base.map(([k, v]) => [k, k === 'question' ? 5 : v])), /^ask\.question: must be a text string$/],
    [bad(base.map(([k, v]) => [k, k === 'question' ? 'x'.repeat(5000) : v])), /^ask\.question: longer than 4096 characters$/],
    [bad([...base, ['admin', true]]), /^ask: unknown field "admin"$/],
    [bad([...base, [1, true]]), /^ask: unknown field of key type number$/],
    [bad([['t', 'chunk-req'], ['v', 1], ['id', 1], ['version', 1], ['offset', 0], ['length', 1 << 30]]), /^chunk-req\.length: exceeds 131072$/],
    [bad([['t', 'offer'], ['v', 1], ['id', 1], ['model', 'm'], ['version', 1], ['expires', 'x'], ['size', 1], ['sha256', new Uint8Array(31)]]), /^offer\.sha256: must be 32 bytes, got 31$/],
    [bad([['t', 'offer'], ['v', 1], ['id', 1], ['model', 'm'], ['version', 1], ['expires', 'x'], ['size', 1], ['sha256', new Uint8Array(32)]]), /^offer\.chunk_size: is missing$/],
    [bad([['t', 'report'], ['v', 1], ['id', 1], ['kind', 'k'], ['body', new Map<string, unknown>([['a', [1]]])]]), /^report\.body: value of "a" must be/],
    [Uint8Array.of(0xa1, 0x61), /^message: invalid CBOR$/],
    [Uint8Array.of(...encodeCbor(new Map<string, unknown>([['t', 'ping'], ['v', 1], ['id', 1]])), 0), /^message: invalid CBOR$/],
    [new Uint8Array(60000).fill(0x81), /^message: invalid CBOR$/],
  ];
  for (const [bytes, re] of cases) {
    const e = t.throws(() => decodeMessage(bytes), { instanceOf: SchemaError });
    t.regex(e?.message ?? '', re);
  }
  t.throws(() => encodeMessage({ t: 'ask', id: 1, context: 'c', question: 7 as unknown as string }), { message: 'ask.question: must be a text string' });
});

test('a "__proto__" key is only a key: maps decode to Map, the flat body has no prototype', (t) => {
  const m = decodeMessage(bad([['t', 'report'], ['v', 1], ['id', 1], ['kind', 'k'], ['body', new Map([['__proto__', 1], ['polluted', 2]])]]));
  t.is(m.t, 'report');
  if (m.t === 'report') {
    t.is(Object.getPrototypeOf(m.body), null);
    t.is(m.body.__proto__, 1);
  }
  t.is(({} as Record<string, unknown>).polluted, undefined);
});

test('parts: a large message is cut to frame size and joined back; gaps and interleaving are refused', (t) => {
  const data = new Uint8Array(300_000).map((_, i) => i & 0xff);
  const m: Message = { t: 'chunk', id: 42, version: 1, offset: 0, data: data.subarray(0, 131072) };
  const big: Message = { t: 'ask', id: 43, context: 'x'.repeat(190_000), question: 'q' };
  for (const msg of [m, big]) {
    const pieces = encodeForFrames(msg);
    t.true(pieces.length >= 2);
    for (const p of pieces) t.true(p.length <= MAX_FRAME_PLAINTEXT);
    const r = new Reassembler(1 << 20);
    const parts = pieces.map(decodeMessage);
    for (const p of parts.slice(0, -1)) t.is(r.add(p as Extract<Message, { t: 'part' }>), undefined);
    t.deepEqual(plain(r.add(parts.at(-1) as Extract<Message, { t: 'part' }>)), plain(msg));
    t.is(r.buffered, 0);
  }
  const worst = encodeMessage({ t: 'part', id: 2 ** 53 - 1, seq: 2 ** 53 - 1, last: false, data: new Uint8Array(PART_DATA_MAX) });
  t.true(worst.length <= MAX_FRAME_PLAINTEXT, `worst-case part is ${worst.length} bytes`);
  const part = (id: number, seq: number, last = false) => ({ t: 'part' as const, id, seq, last, data: Uint8Array.of(1) });
  const r = new Reassembler(3);
  r.add(part(1, 0));
  t.throws(() => r.add(part(1, 2)), { message: 'part.seq: expected part 1 of message 1, got 2' });
  const r2 = new Reassembler(3);
  r2.add(part(1, 0));
  t.throws(() => r2.add(part(2, 1)), { message: 'part.id: part of message 2 while message 1 is incomplete' });
  const r3 = new Reassembler(2);
  r3.add(part(1, 0)); r3.add(part(1, 1));
  t.throws(() => r3.add(part(1, 2)), { message: 'part: message 1 exceeds 2 bytes' });
  const nested = encodeMessage({ t: 'part', id: 5, seq: 0, last: true, data: Uint8Array.of(1) });
  t.throws(() => new Reassembler(100).add({ t: 'part', id: 5, seq: 0, last: true, data: nested }), { message: 'part: a part may not contain a part' });
});
