/**
 * TAI64N timestamps (tai64.html: an 8-byte big-endian TAI64 label, then 4 bytes of nanoseconds), the
 * first handshake payload of WireGuard §5.1 and of ELMA: the responder refuses an initiation whose
 * timestamp is not strictly greater than the last one it accepted from that key, so a recorded
 * initiation cannot be replayed.
 */
import { TAI64N_LEN, TAI64_BASE } from './constants.ts';

const NS_PER_S = 1_000_000_000n;

/** The TAI64N encoding of a time given as nanoseconds since the Unix epoch. */
export function tai64nFromUnixNs(ns: bigint): Uint8Array {
  if (ns < 0n) throw new RangeError('time before the Unix epoch');
  const out = new Uint8Array(TAI64N_LEN);
  const v = new DataView(out.buffer);
  v.setBigUint64(0, TAI64_BASE + ns / NS_PER_S);
  v.setUint32(8, Number(ns % NS_PER_S));
  return out;
}

/** Nanoseconds since the Unix epoch of a TAI64N value (inverse of tai64nFromUnixNs). */
export function tai64nToUnixNs(t: Uint8Array): bigint {
  if (t.length !== TAI64N_LEN) throw new RangeError(`TAI64N is ${TAI64N_LEN} bytes, got ${t.length}`);
  const v = new DataView(t.buffer, t.byteOffset, t.byteLength);
  return (v.getBigUint64(0) - TAI64_BASE) * NS_PER_S + BigInt(v.getUint32(8));
}

/** Byte order is time order for TAI64N (both fields big-endian): < 0, 0 or > 0 like a comparator. */
export function compareTai64n(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < TAI64N_LEN; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Strictly increasing TAI64N stamps from a wall clock, even when the clock stands still (several
 * handshakes in one millisecond) or steps back (NTP, a device without a battery-backed clock):
 * each stamp is max(wall clock, previous + 1 ns). `floor` carries the last stamp across restarts.
 */
export class Tai64nClock {
  readonly #wallMs: () => number;
  #last: bigint;

  constructor(wallMs: () => number, floor?: Uint8Array) {
    this.#wallMs = wallMs;
    this.#last = floor === undefined ? -1n : tai64nToUnixNs(floor);
  }

  next(): Uint8Array {
    const now = BigInt(Math.floor(this.#wallMs())) * 1_000_000n;
    this.#last = now > this.#last ? now : this.#last + 1n;
    return tai64nFromUnixNs(this.#last);
  }
}
