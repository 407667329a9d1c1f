/** Bytes of an ASCII string (Noise rev34 §8: protocol names are ASCII) without TextEncoder, which
 *  QuickJS lacks. */
export function asciiBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) throw new RangeError(`not ASCII: ${JSON.stringify(s)}`);
    out[i] = c;
  }
  return out;
}
