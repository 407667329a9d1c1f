/**
 * Numbers as people say them, for the recogniser's language model: a context's "1749" can be
 * heard as "seventeen forty nine" (a year), "one thousand seven hundred forty nine" (espeak-ng
 * 1.51's en-us reading) or "seventeen hundred and forty nine", and each of these must turn back
 * into "1749" in the transcript, since the model finds answers by matching the context's text.
 * English number names as in the Chicago Manual of Style §9 and Merriam-Webster's usage notes
 * (US readings drop "and"; British ones keep it after "hundred").
 */

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve',
  'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const SCALES: readonly [number, string][] = [[1e9, 'billion'], [1e6, 'million'], [1e3, 'thousand']];
const ORDINAL_OF: Record<string, string> = {
  one: 'first', two: 'second', three: 'third', five: 'fifth', eight: 'eighth', nine: 'ninth', twelve: 'twelfth',
};

/** 0..99 in words; "forty-nine" is two words here, as the dictionary has them. */
function underHundred(n: number): string[] {
  if (n < 20) return [ONES[n]!];
  const t = TENS[Math.floor(n / 10)]!;
  return n % 10 === 0 ? [t] : [t, ONES[n % 10]!];
}

/** 0..999; `and` puts the British "and" after "hundred". */
function underThousand(n: number, and: boolean): string[] {
  if (n < 100) return underHundred(n);
  const rest = n % 100;
  const head = [ONES[Math.floor(n / 100)]!, 'hundred'];
  return rest === 0 ? head : [...head, ...(and ? ['and'] : []), ...underHundred(rest)];
}

/** A non-negative integer below 10^12 as a cardinal: 1749 → one thousand seven hundred forty nine. */
export function cardinalWords(n: number, and = false): string[] {
  if (!Number.isSafeInteger(n) || n < 0 || n >= 1e12) throw new RangeError(`cardinalWords takes an integer 0 .. 10^12 - 1, got ${n}`);
  if (n === 0) return ['zero'];
  const out: string[] = [];
  let rest = n;
  for (const [scale, name] of SCALES) {
    if (rest >= scale) {
      out.push(...underThousand(Math.floor(rest / scale), and), name);
      rest %= scale;
    }
  }
  if (rest > 0) out.push(...(and && out.length > 0 && rest < 100 ? ['and'] : []), ...underThousand(rest, and));
  return out;
}

/** The readings of a year-like number 1100..2099 besides the cardinal: 1749 → seventeen forty nine, seventeen hundred (and) forty nine; 1905 → nineteen oh five. */
export function yearReadings(n: number): string[][] {
  if (!Number.isSafeInteger(n) || n < 1100 || n > 2099) return [];
  const hi = Math.floor(n / 100);
  const lo = n % 100;
  const head = underHundred(hi);
  if (n >= 2000 && n < 2010) return [];
  if (lo === 0) return [[...head, 'hundred']];
  const out = [[...head, 'hundred', ...underHundred(lo)], [...head, 'hundred', 'and', ...underHundred(lo)]];
  out.push(lo < 10 ? [...head, 'oh', ONES[lo]!] : [...head, ...underHundred(lo)]);
  return out;
}

/** An ordinal's words: 19 → nineteenth, 21 → twenty first. */
export function ordinalWords(n: number): string[] {
  const w = cardinalWords(n);
  const last = w[w.length - 1]!;
  const ord = ORDINAL_OF[last] ?? (last.endsWith('y') ? `${last.slice(0, -1)}ieth` : `${last}th`);
  return [...w.slice(0, -1), ord];
}

/**
 * Every way `token` (digits, maybe with thousands commas, or an ordinal like "19th") is likely
 * said, each as words; [] when it is not a number we read.
 */
export function spokenForms(token: string): string[][] {
  const ord = /^(\d{1,9})(st|nd|rd|th)$/i.exec(token);
  if (ord !== null) return [ordinalWords(Number(ord[1]))];
  if (!/^(\d{1,3}(,\d{3})+|\d{1,12})$/.test(token)) return [];
  const n = Number(token.replace(/,/g, ''));
  if (!Number.isSafeInteger(n)) return [];
  const forms = [cardinalWords(n), cardinalWords(n, true), ...yearReadings(n)];
  // A day of the month is said as an ordinal too ("February 19" → "february nineteenth").
  if (n >= 1 && n <= 31) forms.push(ordinalWords(n));
  const seen = new Set<string>();
  return forms.filter((f) => !seen.has(f.join(' ')) && seen.add(f.join(' ')));
}
