/**
 * Length-prefixed framing (ARCHITECTURE.md "Wire"): a 2-byte big-endian length, then that many
 * bytes of one Noise message. The decoder checks each length prefix against the bounds of the
 * current phase as soon as the two bytes arrive, so a peer cannot make it wait for, or buffer,
 * more than one frame of the allowed size.
 */
import { FRAME_HEADER_LEN, MAX_FRAME_LEN } from './constants.ts';
import { FrameError } from './errors.ts';

/** Prefix `body` with its 2-byte big-endian length. */
export function encodeFrame(body: Uint8Array): Uint8Array {
  if (body.length > MAX_FRAME_LEN) throw new RangeError(`frame body of ${body.length} bytes exceeds ${MAX_FRAME_LEN}`);
  const out = new Uint8Array(FRAME_HEADER_LEN + body.length);
  out[0] = body.length >>> 8;
  out[1] = body.length & 0xff;
  out.set(body, FRAME_HEADER_LEN);
  return out;
}

export class FrameDecoder {
  /** Received chunks not yet examined (empty again once next() has returned undefined). */
  #pending: Uint8Array[] = [];
  #pendingSize = 0;
  /** The frame being assembled: its header bytes, then its body, allocated at the checked length. */
  readonly #header = new Uint8Array(FRAME_HEADER_LEN);
  #headerFill = 0;
  #body: Uint8Array | undefined;
  #bodyFill = 0;
  #min = 0;
  #max = MAX_FRAME_LEN;

  /** The lengths a frame body may have from now on (e.g. exactly 108 for an IK initiation). */
  setBounds(min: number, max: number): void {
    if (!(min >= 0 && min <= max && max <= MAX_FRAME_LEN)) throw new RangeError(`bad frame bounds ${min}..${max}`);
    this.#min = min;
    this.#max = max;
  }

  /** Bytes held: after next() has drained, at most one frame of the allowed size and its header. */
  get buffered(): number {
    return this.#pendingSize + this.#headerFill + (this.#body?.length ?? 0);
  }

  /** Append received bytes (not copied). Call next() until it returns undefined before pushing more. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#pending.push(chunk);
    this.#pendingSize += chunk.length;
  }

  /** The next complete frame body, or undefined when more bytes are needed. Throws FrameError on
   *  a length prefix outside the bounds; the decoder must not be used after that. */
  next(): Uint8Array | undefined {
    while (this.#pending.length > 0) {
      let chunk = this.#pending[0]!;
      if (this.#body === undefined) {
        while (this.#headerFill < FRAME_HEADER_LEN && chunk.length > 0) {
          this.#header[this.#headerFill++] = chunk[0]!;
          chunk = chunk.subarray(1);
        }
        if (this.#headerFill < FRAME_HEADER_LEN) {
          this.#shift(chunk);
          continue;
        }
        const len = (this.#header[0]! << 8) | this.#header[1]!;
        if (len < this.#min || len > this.#max) {
          this.#pending = [];
          this.#pendingSize = 0;
          this.#headerFill = 0;
          throw new FrameError('', this.#min === this.#max
            ? `frame length ${len}, expected exactly ${this.#min}`
            : `frame length ${len} outside ${this.#min}..${this.#max}`);
        }
        this.#headerFill = 0;
        if (chunk.length >= len) { // the common case: the whole body is in this chunk, no copy
          this.#shift(chunk.subarray(len));
          return chunk.subarray(0, len);
        }
        this.#body = new Uint8Array(len);
        this.#bodyFill = 0;
      }
      const take = Math.min(chunk.length, this.#body.length - this.#bodyFill);
      this.#body.set(chunk.subarray(0, take), this.#bodyFill);
      this.#bodyFill += take;
      this.#shift(chunk.subarray(take));
      if (this.#bodyFill === this.#body.length) {
        const out = this.#body;
        this.#body = undefined;
        return out;
      }
    }
    return undefined;
  }

  /** Replace the first pending chunk by its unconsumed rest (dropping it when empty). */
  #shift(rest: Uint8Array): void {
    const first = this.#pending[0]!;
    this.#pendingSize -= first.length - rest.length;
    if (rest.length === 0) this.#pending.shift();
    else this.#pending[0] = rest;
  }
}
