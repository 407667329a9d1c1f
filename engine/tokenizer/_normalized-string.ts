/**
 * A piece of text being normalized, with an alignment from every normalized code point back to
 * the original text: HF tokenizers' `NormalizedString` (tokenizer/normalizer.rs).
 *
 * HF keeps one (start, end) per normalized BYTE, pointing at original bytes. All bytes of one
 * normalized char always share an alignment, so one entry per code point is the same information;
 * we store it in JavaScript string indices (UTF-16 code units) of the ORIGINAL text, so offsets can
 * be used with String.prototype.slice directly. Alignments are absolute (HF's `original_shift` plus
 * its local alignment), so slicing never rebases them.
 */
import { codePoints, fromCodePoints } from './_unicode.ts';

export class NormalizedString {
  /** Normalized code points. */
  cps: number[];
  /** Original [starts[i], ends[i]) that normalized code point i comes from. */
  starts: number[];
  ends: number[];
  /** Where this piece starts in the original: HF `original_shift`, the alignment of a char inserted at 0. */
  readonly shift: number;

  constructor(cps: number[], starts: number[], ends: number[], shift: number) {
    this.cps = cps;
    this.starts = starts;
    this.ends = ends;
    this.shift = shift;
  }

  /** The original text[from, to), not yet normalized (HF `NormalizedString::from` on a split). */
  static fromOriginal(text: string, from: number, to: number): NormalizedString {
    const { cps, at } = codePoints(text, from, to);
    const ends = at.map((_, i) => (i + 1 < at.length ? (at[i + 1] as number) : to));
    return new NormalizedString(cps, at, ends, from);
  }

  get length(): number {
    return this.cps.length;
  }

  toString(): string {
    return fromCodePoints(this.cps);
  }

  /** Normalized code points [from, to) as their own piece (HF `slice(Range::Normalized)`). */
  slice(from: number, to: number): NormalizedString {
    return new NormalizedString(this.cps.slice(from, to), this.starts.slice(from, to), this.ends.slice(from, to),
      from < to ? (this.starts[from] as number) : this.shift);
  }

  /** Original [start, end) covered by normalized code points [from, to): HF `convert_offsets` (first start, last end). */
  originalRange(from: number, to: number): [number, number] {
    return [this.starts[from] as number, this.ends[to - 1] as number];
  }

  /**
   * HF `NormalizedString::transform`: replace the whole normalized text by `cps`, where
   * `changes[k]` says what new char k does to the old text: 1 = inserted (takes the alignment of the
   * old char before the read position), 0 = replaces the next old char (takes its alignment),
   * -n = replaces the next old char and removes n more. `initialOffset` old chars are skipped
   * (removed) first. The read position never passes the end for inputs the HF normalizers build.
   */
  transform(cps: number[], changes: readonly number[], initialOffset: number): void {
    const starts: number[] = new Array<number>(cps.length);
    const ends: number[] = new Array<number>(cps.length);
    const oldStarts = this.starts;
    const oldEnds = this.ends;
    const oldLen = oldStarts.length;
    let p = initialOffset;
    for (let k = 0; k < cps.length; k++) {
      const change = changes[k] as number;
      let at: number;
      if (change > 0) {
        at = p - 1; // a new char shares the alignment of the previous old one (HF: `alignments[idx - 1]`)
      } else {
        at = p;
        p += 1 - change;
      }
      if (at < 0) {
        starts[k] = this.shift; // HF: an insert at the very start is aligned to (0, 0) of this piece
        ends[k] = this.shift;
      } else {
        // HF would panic reading past the end; keep the last alignment instead.
        const a = at < oldLen ? at : oldLen - 1;
        starts[k] = a >= 0 ? (oldStarts[a] as number) : this.shift;
        ends[k] = a >= 0 ? (oldEnds[a] as number) : this.shift;
      }
    }
    this.cps = cps;
    this.starts = starts;
    this.ends = ends;
  }

  /** Keep only the code points for which `keep` is true, each with its own alignment (HF `filter`). */
  filter(keep: (cp: number) => boolean): void {
    const cps: number[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    for (let i = 0; i < this.cps.length; i++) {
      const cp = this.cps[i] as number;
      if (!keep(cp)) continue;
      cps.push(cp);
      starts.push(this.starts[i] as number);
      ends.push(this.ends[i] as number);
    }
    this.cps = cps;
    this.starts = starts;
    this.ends = ends;
  }

  /**
   * Replace each [start, end) of `matches` (non-overlapping, ascending, in code points) by
   * `content` (HF `NormalizedString::replace`: the new chars are inserted with change 1 after the
   * whole match is skipped, so all take the alignment of the match's LAST char).
   */
  replaceRanges(matches: readonly (readonly [number, number])[], content: readonly number[]): void {
    if (matches.length === 0) return;
    const cps: number[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    let i = 0;
    for (const [s, e] of matches) {
      for (; i < s; i++) {
        cps.push(this.cps[i] as number);
        starts.push(this.starts[i] as number);
        ends.push(this.ends[i] as number);
      }
      const last = e - 1;
      for (const c of content) {
        cps.push(c);
        starts.push(last >= 0 ? (this.starts[last] as number) : this.shift);
        ends.push(last >= 0 ? (this.ends[last] as number) : this.shift);
      }
      i = e;
    }
    for (; i < this.cps.length; i++) {
      cps.push(this.cps[i] as number);
      starts.push(this.starts[i] as number);
      ends.push(this.ends[i] as number);
    }
    this.cps = cps;
    this.starts = starts;
    this.ends = ends;
  }

  /**
   * HF `prepend`: the first new char replaces the first old one (its alignment), the rest and the
   * old first char are re-inserted after it with that same alignment.
   */
  prepend(prefix: readonly number[]): void {
    if (this.cps.length === 0 || prefix.length === 0) return;
    const s0 = this.starts[0] as number;
    const e0 = this.ends[0] as number;
    this.cps = [...prefix, ...this.cps];
    this.starts = [...prefix.map(() => s0), ...this.starts];
    this.ends = [...prefix.map(() => e0), ...this.ends];
  }

  /** HF `lrstrip`: drop leading/trailing code points for which `strip` is true. */
  strip(left: boolean, right: boolean, strip: (cp: number) => boolean): void {
    let a = 0;
    let b = this.cps.length;
    if (left) while (a < b && strip(this.cps[a] as number)) a++;
    if (right) while (b > a && strip(this.cps[b - 1] as number)) b--;
    if (a === 0 && b === this.cps.length) return;
    this.cps = this.cps.slice(a, b);
    this.starts = this.starts.slice(a, b);
    this.ends = this.ends.slice(a, b);
  }
}
