/**
 * Extended grapheme cluster boundaries (Unicode UAX #29 §3.1.1, rules GB3–GB13), which HF's
 * Precompiled normalizer iterates with unicode-segmentation's `graphemes(true)`
 * (tokenizers normalizers/precompiled.rs). Written out rather than taken from Intl.Segmenter so
 * the core runs on QuickJS and gives the same clusters on every runtime. Not implemented: GB9c
 * (Indic conjunct linkers), whose linkers are combining marks that StripAccents removes first.
 */

// Grapheme_Cluster_Break values (UAX #29 table 2).
const OTHER = 0, CR = 1, LF = 2, CONTROL = 3, EXTEND = 4, ZWJ = 5, RI = 6, PREPEND = 7;
const SPACING_MARK = 8, L = 9, V = 10, T = 11, LV = 12, LVT = 13;

const EXTEND_RE = /[\p{Grapheme_Extend}\p{Emoji_Modifier}]/u;
const CONTROL_RE = /[\p{Cc}\p{Zl}\p{Zp}\p{Cf}]/u;
const SPACING_RE = /\p{Mc}/u;
const PICTOGRAPHIC_RE = /\p{Extended_Pictographic}/u;

// Prepended_Concatenation_Mark and Indic prefixed vowels (GraphemeBreakProperty.txt, Prepend).
const PREPEND_RANGES = [0x600, 0x605, 0x6dd, 0x6dd, 0x70f, 0x70f, 0x890, 0x891, 0x8e2, 0x8e2, 0xd4e, 0xd4e,
  0x110bd, 0x110bd, 0x110cd, 0x110cd, 0x111c2, 0x111c3, 0x1193f, 0x1193f, 0x11941, 0x11941, 0x11a3a, 0x11a3a,
  0x11a84, 0x11a89, 0x11d46, 0x11d46, 0x11f02, 0x11f02];
// Spacing marks that UAX #29 table 2 leaves out of SpacingMark.
const NOT_SPACING_RANGES = [0x102b, 0x102c, 0x1038, 0x1038, 0x1062, 0x1064, 0x1067, 0x106d, 0x1083, 0x1083,
  0x1087, 0x108c, 0x108f, 0x108f, 0x109a, 0x109c, 0x1a61, 0x1a61, 0x1a63, 0x1a64, 0xaa7b, 0xaa7b, 0xaa7d, 0xaa7d,
  0x11720, 0x11721];

function inRanges(cp: number, ranges: readonly number[]): boolean {
  for (let i = 0; i < ranges.length; i += 2) if (cp >= (ranges[i] as number) && cp <= (ranges[i + 1] as number)) return true;
  return false;
}

const CACHE = new Map<number, number>();

function classify(cp: number): number {
  if (cp >= 0x1100 && cp <= 0x115f) return L;
  if (cp >= 0xa960 && cp <= 0xa97c) return L;
  if ((cp >= 0x1160 && cp <= 0x11a7) || (cp >= 0xd7b0 && cp <= 0xd7c6)) return V;
  if ((cp >= 0x11a8 && cp <= 0x11ff) || (cp >= 0xd7cb && cp <= 0xd7fb)) return T;
  if (cp >= 0xac00 && cp <= 0xd7a3) return (cp - 0xac00) % 28 === 0 ? LV : LVT;
  if (cp >= 0x1f1e6 && cp <= 0x1f1ff) return RI;
  if (cp === 0x200d) return ZWJ;
  if (inRanges(cp, PREPEND_RANGES)) return PREPEND;
  const s = String.fromCodePoint(cp);
  if (EXTEND_RE.test(s)) return EXTEND; // before Control: ZWNJ and the tag characters are Cf but Extend
  if (CONTROL_RE.test(s)) return CONTROL;
  if (cp === 0xe33 || cp === 0xeb3 || (SPACING_RE.test(s) && !inRanges(cp, NOT_SPACING_RANGES))) return SPACING_MARK;
  return OTHER;
}

function gcb(cp: number): number {
  if (cp < 0x7f) return cp === 0x0d ? CR : cp === 0x0a ? LF : cp < 0x20 ? CONTROL : OTHER;
  let g = CACHE.get(cp);
  if (g === undefined) {
    g = classify(cp);
    CACHE.set(cp, g);
  }
  return g;
}

const PICT_CACHE = new Map<number, boolean>();

function isPictographic(cp: number): boolean {
  if (cp < 0xa9) return false;
  let r = PICT_CACHE.get(cp);
  if (r === undefined) {
    r = PICTOGRAPHIC_RE.test(String.fromCodePoint(cp));
    PICT_CACHE.set(cp, r);
  }
  return r;
}

/** Whether UAX #29 keeps `prev` and `cur` in one cluster (no break between them). */
function joins(prev: number, cur: number, curPict: boolean, emojiZwj: boolean, riRun: number): boolean {
  if (prev === CR) return cur === LF; // GB3, GB4
  if (prev === LF || prev === CONTROL) return false; // GB4
  if (cur === CONTROL || cur === CR || cur === LF) return false; // GB5
  if (prev === L && (cur === L || cur === V || cur === LV || cur === LVT)) return true; // GB6
  if ((prev === LV || prev === V) && (cur === V || cur === T)) return true; // GB7
  if ((prev === LVT || prev === T) && cur === T) return true; // GB8
  if (cur === EXTEND || cur === ZWJ || cur === SPACING_MARK) return true; // GB9, GB9a
  if (prev === PREPEND) return true; // GB9b
  if (prev === ZWJ && emojiZwj && curPict) return true; // GB11
  if (prev === RI && cur === RI) return riRun % 2 === 1; // GB12, GB13
  return false; // GB999
}

/**
 * The end index (exclusive) of each extended grapheme cluster of `cps[from, to)`, in order.
 */
export function graphemeEnds(cps: readonly number[], from = 0, to = cps.length): number[] {
  const ends: number[] = [];
  if (from >= to) return ends;
  let prev = gcb(cps[from] as number);
  // GB11 state: 1 after ExtPict Extend*, 2 after ExtPict Extend* ZWJ.
  let emoji = isPictographic(cps[from] as number) ? 1 : 0;
  let riRun = prev === RI ? 1 : 0;
  for (let i = from + 1; i < to; i++) {
    const cp = cps[i] as number;
    const cur = gcb(cp);
    const pict = cur === OTHER && isPictographic(cp);
    if (!joins(prev, cur, pict, emoji === 2, riRun)) ends.push(i);
    emoji = pict ? 1 : emoji === 1 && cur === EXTEND ? 1 : emoji === 1 && cur === ZWJ ? 2 : 0;
    riRun = cur === RI ? riRun + 1 : 0;
    prev = cur;
  }
  ends.push(to);
  return ends;
}
