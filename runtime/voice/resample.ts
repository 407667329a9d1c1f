/**
 * Sample-rate conversion to the recogniser's 16 kHz, in TypeScript so a device needs no sox:
 * band-limited interpolation with a windowed sinc (J. O. Smith, "Digital Audio Resampling Home
 * Page", CCRMA, the method of libresample and sox's `rate`). Each output sample is the sum of the
 * input samples around its time weighted by a lowpass kernel; the kernel's cutoff is 0.95 of the
 * lower of the two Nyquist frequencies, so a downsampled signal does not alias. The kernel is a
 * sinc under a Blackman window 16 zero crossings wide (stopband about -74 dB), looked up in a table
 * of 256 points per crossing with linear interpolation.
 *
 * Streaming: `push` blocks of any size, `end` once; memory is the kernel's width plus one block.
 */

const ZERO_CROSSINGS = 16;
const TABLE_PER_CROSSING = 256;
const CUTOFF = 0.95;

/** sinc(u)·blackman(u / Z) for u = 0 .. Z in steps of 1/TABLE_PER_CROSSING (the kernel is even). */
const KERNEL = ((): Float64Array => {
  const n = ZERO_CROSSINGS * TABLE_PER_CROSSING;
  const k = new Float64Array(n + 2);
  for (let i = 0; i <= n; i++) {
    const u = i / TABLE_PER_CROSSING;
    const sinc = u === 0 ? 1 : Math.sin(Math.PI * u) / (Math.PI * u);
    // Blackman window over [-Z, Z], centred: 0.42 + 0.5 cos(πu/Z) + 0.08 cos(2πu/Z).
    const w = 0.42 + 0.5 * Math.cos((Math.PI * u) / ZERO_CROSSINGS) + 0.08 * Math.cos((2 * Math.PI * u) / ZERO_CROSSINGS);
    k[i] = sinc * w;
  }
  return k;
})();

function kernelAt(u: number): number {
  const x = Math.abs(u) * TABLE_PER_CROSSING;
  const i = Math.floor(x);
  if (i >= ZERO_CROSSINGS * TABLE_PER_CROSSING) return 0;
  const f = x - i;
  return KERNEL[i]! * (1 - f) + KERNEL[i + 1]! * f;
}

export class Resampler {
  readonly inRate: number;
  readonly outRate: number;
  /** The cutoff as a fraction of the input's Nyquist frequency (1 = the input's own). */
  readonly #fc: number;
  /** Half the kernel's width, in input samples. */
  readonly #half: number;
  #buf = new Float32Array(0);
  #len = 0;
  /** The input index of #buf[0]. */
  #base = 0;
  #inCount = 0;
  /** The next output sample's index. */
  #n = 0;

  constructor(inRate: number, outRate: number) {
    if (!(Number.isFinite(inRate) && inRate > 0 && Number.isFinite(outRate) && outRate > 0)) throw new RangeError(`sample rates must be positive, got ${inRate} → ${outRate}`);
    this.inRate = inRate;
    this.outRate = outRate;
    this.#fc = CUTOFF * Math.min(1, outRate / inRate);
    this.#half = ZERO_CROSSINGS / this.#fc;
  }

  push(x: Float32Array): Float32Array {
    this.#append(x);
    this.#inCount += x.length;
    return this.#produce(false);
  }

  /** The last output samples (the input taken as zero after its end); the output then has ⌈in·out/in_rate⌉ samples. */
  end(): Float32Array {
    return this.#produce(true);
  }

  #append(x: Float32Array): void {
    if (this.#len + x.length > this.#buf.length) {
      const grown = new Float32Array(Math.max(this.#len + x.length, this.#buf.length * 2, 1024));
      grown.set(this.#buf.subarray(0, this.#len));
      this.#buf = grown;
    }
    this.#buf.set(x, this.#len);
    this.#len += x.length;
  }

  #produce(atEnd: boolean): Float32Array {
    const total = atEnd ? Math.ceil((this.#inCount * this.outRate) / this.inRate) : Infinity;
    const out: number[] = [];
    const last = this.#base + this.#len - 1;
    for (;;) {
      if (this.#n >= total) break;
      // n·in/out computed from integers each time, so the position does not drift over a long file.
      const t = (this.#n * this.inRate) / this.outRate;
      const hi = Math.floor(t + this.#half);
      if (!atEnd && hi > last) break;
      const lo = Math.ceil(t - this.#half);
      let s = 0;
      for (let i = Math.max(lo, this.#base); i <= Math.min(hi, last); i++) s += this.#buf[i - this.#base]! * kernelAt((t - i) * this.#fc);
      out.push(s * this.#fc);
      this.#n++;
    }
    // Keep only what the next output still needs.
    const keepFrom = Math.max(this.#base, Math.ceil((this.#n * this.inRate) / this.outRate - this.#half));
    const drop = Math.min(this.#len, keepFrom - this.#base);
    if (drop > 0) {
      this.#buf.copyWithin(0, drop, this.#len);
      this.#len -= drop;
      this.#base += drop;
    }
    return Float32Array.from(out);
  }
}

/** A whole signal at another rate (tests and short clips). */
export function resample(x: Float32Array, inRate: number, outRate: number): Float32Array {
  if (inRate === outRate) return Float32Array.from(x);
  const r = new Resampler(inRate, outRate);
  const a = r.push(x);
  const b = r.end();
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
