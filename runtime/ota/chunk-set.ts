/**
 * Which chunks of an archive are on disk and verified (docs/ota.md "Chunks, progress and resume"):
 * a bitmap, because chunks no longer arrive as a prefix. Those a device already holds in its
 * slots are written first, wherever they lie (reuse-slots.ts), and the rest are fetched after
 * them. Persisted in the download's progress record as hex, bit i of byte ⌊i/8⌋ (least significant
 * bit first) for chunk i. Platform-neutral: no Node imports.
 */
export class ChunkSet {
  readonly size: number;
  readonly #bits: Uint8Array;

  constructor(size: number, bits?: Uint8Array) {
    this.size = size;
    this.#bits = bits ?? new Uint8Array(Math.ceil(size / 8));
  }

  /** A set of `size` chunks from its hex form; null when the text is not exactly that (a damaged record). */
  static fromHex(hex: unknown, size: number): ChunkSet | null {
    const bytes = Math.ceil(size / 8);
    if (typeof hex !== 'string' || hex.length !== 2 * bytes || !/^[0-9a-f]*$/.test(hex)) return null;
    const bits = new Uint8Array(bytes);
    for (let i = 0; i < bytes; i++) bits[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    // Bits past the last chunk would count chunks that do not exist.
    if (size % 8 !== 0 && (bits[bytes - 1]! >> (size % 8)) !== 0) return null;
    return new ChunkSet(size, bits);
  }

  /** Chunks 0..n−1 (a progress record of the earlier, prefix-only format). */
  static prefix(n: number, size: number): ChunkSet {
    const s = new ChunkSet(size);
    for (let i = 0; i < Math.min(n, size); i++) s.add(i);
    return s;
  }

  has(i: number): boolean {
    return (this.#bits[i >> 3]! & (1 << (i & 7))) !== 0;
  }

  add(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new RangeError(`chunk ${i} is not in 0..${this.size - 1}`);
    this.#bits[i >> 3]! |= 1 << (i & 7);
  }

  get count(): number {
    let n = 0;
    for (let i = 0; i < this.size; i++) if (this.has(i)) n++;
    return n;
  }

  /** The chunks not in the set, in ascending order. */
  missing(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.size; i++) if (!this.has(i)) out.push(i);
    return out;
  }

  /** The first chunk not in the set (size when all are). */
  firstMissing(): number {
    for (let i = 0; i < this.size; i++) if (!this.has(i)) return i;
    return this.size;
  }

  toHex(): string {
    let s = '';
    for (const b of this.#bits) s += b.toString(16).padStart(2, '0');
    return s;
  }
}
