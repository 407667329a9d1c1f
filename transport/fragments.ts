/**
 * Messages larger than one frame (model chunks, long contexts): the sender encodes the message,
 * cuts the CBOR bytes into `part` messages that each fit one frame, and sends them back to back;
 * the receiver joins them in order, refusing gaps, interleaving and anything above its size limit.
 */
import { MAX_FRAME_PLAINTEXT } from './constants.ts';
import { SchemaError } from './errors.ts';
import { decodeMessage, encodeMessage, type Message, type Part } from './schema.ts';

/** Bytes a `part` adds around its data: map header, keys, type, version, id and seq up to 2^53,
 *  `last`, and the byte-string header (test/transport/schema.test.ts checks this bound). */
export const PART_OVERHEAD = 64;
export const PART_DATA_MAX = MAX_FRAME_PLAINTEXT - PART_OVERHEAD;

/** The plaintexts to send for `m`: its encoding, or its encoding cut into parts. */
export function encodeForFrames(m: Message): Uint8Array[] {
  const whole = encodeMessage(m);
  if (whole.length <= MAX_FRAME_PLAINTEXT) return [whole];
  if (m.t === 'part') throw new RangeError('a part must fit one frame');
  const out: Uint8Array[] = [];
  for (let at = 0, seq = 0; at < whole.length; at += PART_DATA_MAX, seq++) {
    const data = whole.subarray(at, Math.min(whole.length, at + PART_DATA_MAX));
    out.push(encodeMessage({ t: 'part', id: m.id, seq, last: at + PART_DATA_MAX >= whole.length, data }));
  }
  return out;
}

export class Reassembler {
  readonly #maxLen: number;
  #id = -1;
  #nextSeq = 0;
  #pieces: Uint8Array[] = [];
  #size = 0;

  /** `maxLen`: the largest message, in CBOR bytes, the peer may send (MAX_MESSAGE_LEN). */
  constructor(maxLen: number) {
    this.#maxLen = maxLen;
  }

  /** Bytes held for an incomplete message. */
  get buffered(): number {
    return this.#size;
  }

  /** Add one part; returns the whole message after the last one. Throws SchemaError on a part out
   *  of order, of another message while one is incomplete, or beyond the size limit. */
  add(p: Part): Message | undefined {
    if (this.#nextSeq === 0) this.#id = p.id;
    else if (p.id !== this.#id) throw new SchemaError('part.id', `part of message ${p.id} while message ${this.#id} is incomplete`);
    if (p.seq !== this.#nextSeq) throw new SchemaError('part.seq', `expected part ${this.#nextSeq} of message ${this.#id}, got ${p.seq}`);
    if (this.#size + p.data.length > this.#maxLen) throw new SchemaError('part', `message ${p.id} exceeds ${this.#maxLen} bytes`);
    this.#pieces.push(p.data);
    this.#size += p.data.length;
    this.#nextSeq++;
    if (!p.last) return undefined;
    const whole = new Uint8Array(this.#size);
    let at = 0;
    for (const piece of this.#pieces) {
      whole.set(piece, at);
      at += piece.length;
    }
    this.#pieces = [];
    this.#size = 0;
    this.#nextSeq = 0;
    const m = decodeMessage(whole);
    if (m.t === 'part') throw new SchemaError('part', 'a part may not contain a part');
    if (m.id !== this.#id) throw new SchemaError('part.id', `parts of message ${this.#id} carry message ${m.id}`);
    return m;
  }
}
