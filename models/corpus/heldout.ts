/**
 * The held-out split of the corpus: a document is held out when the FNV-1a hash of
 * "<source>/<document id>", finished with MurmurHash3's fmix32 (FNV alone leaves the high bits
 * nearly unchanged between names that differ in their last characters, "chapter_1" … "chapter_135":
 * none of Moby-Dick's 138 chapters fell under 5% without it), falls in the first `fraction` of the
 * 32-bit range. Stable as sources grow
 * or change (a document's side depends on its own name only), the same on every machine, and whole
 * documents go one way, so held-out text (e.g. whole State of the Union addresses) is never seen in
 * training or by the vocabulary.
 */

/** FNV-1a, 32 bits, over the UTF-16 code units of `s` (Fowler, Noll, Vo). */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** MurmurHash3's 32-bit finaliser: every input bit affects every output bit. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function isHeldOut(source: string, id: string, fraction: number): boolean {
  return fmix32(fnv1a32(`${source}/${id}`)) < fraction * 2 ** 32;
}
