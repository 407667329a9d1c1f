import test from 'ava';
import { readFileSync } from 'node:fs';
import { PrecompiledCharsmap } from '../../engine/tokenizer/precompiled-charsmap.ts';
import { TokenizerError } from '../../engine/tokenizer/errors.ts';
import { graphemeEnds } from '../../engine/tokenizer/_graphemes.ts';
import { base64Decode } from '../../engine/tokenizer/_base64.ts';
import { HF, readJson } from '../_fixtures.ts';

const json = readJson<{ normalizer: { normalizers: { precompiled_charsmap?: string }[] } }>(`${HF}/albert_tiny_qa/tokenizer.json`);
const b64 = json.normalizer.normalizers[5]!.precompiled_charsmap!;
const bytes = base64Decode(b64)!;
const cm = PrecompiledCharsmap.fromBase64(b64);
const cps = (s: string): number[] => [...s].map((c) => c.codePointAt(0)!);
const map = (s: string): string | null => cm.transform(cps(s), 0, cps(s).length);

test('the tokenizer.json charsmap is the one in spiece.model (normalizer_spec.precompiled_charsmap)', (t) => {
  const spm = new Uint8Array(readFileSync(`${HF}/albert_tiny_qa/spiece.model`));
  // the charsmap's bytes appear verbatim in the protobuf
  const at = Buffer.from(spm).indexOf(Buffer.from(bytes));
  t.true(at > 0);
  t.is(bytes.length, 237561);
});

test('known SentencePiece nmt_nfkc mappings', (t) => {
  t.is(map('Ａ'), 'A');
  t.is(map('①'), '1');
  t.is(map('ﬁ'), 'fi');
  t.is(map('™'), 'TM');
  t.is(map('㍿'), '株式会社');
  t.is(map('\u2581'), ' ');
  t.is(map('\u200b'), ' ');
  t.is(map('\u0001'), '');
  t.is(map('a'), null);
  t.is(map('é'), null);
  // sequences are keys too
  t.is(map('e\u0301'), 'é');
  t.is(map('A\u0300'), 'À');
});

test('the SHORTEST matching key wins and stands for the whole input (HF spm_precompiled transform)', (t) => {
  t.is(map('A\u0300x'), 'À');
  t.is(map('A\u0302\u0300'), 'Â'); // A + U+0302 is the shortest key: U+0300 is dropped, not 'Ầ'
  t.is(map('Ａ\u0300'), 'A'); // Ａ alone is a key: the mark is not looked at
  t.is(map('\u0000A'), null); // the walk stops at NUL
});

test('every single code point it maps goes to its NFKC form, except nmt_nfkc\'s controls and spaces', (t) => {
  let mapped = 0;
  const exceptions: string[] = [];
  for (let cp = 0; cp < 0x30000; cp++) {
    if (cp >= 0xd800 && cp < 0xe000) continue;
    const r = cm.transformCodePoint(cp);
    if (r === null) continue;
    mapped++;
    const s = String.fromCodePoint(cp);
    if (r === s.normalize('NFKC')) continue;
    exceptions.push(cp.toString(16));
    // sentencepiece builder.cc (nmt_nfkc): control characters are removed, space-like ones become U+0020
    t.true((r === '' && /\p{Cc}/u.test(s)) || (r === ' ' && /[\s\p{Cf}\p{Cc}\u2581\ufffd]/u.test(s)), `U+${cp.toString(16)} → ${JSON.stringify(r)}`);
  }
  t.is(mapped, 4850);
  t.is(exceptions.length, 44);
});

const corrupt: [string, Uint8Array, RegExp][] = [
  ['shorter than its header', new Uint8Array([1, 2]), /shorter than its 4-byte trie size header/],
  ['a trie size that is not a multiple of 4', new Uint8Array([6, 0, 0, 0, 0, 0, 0, 0, 0, 0]), /not a positive multiple of 4/],
  ['a trie running past the end', bytes.subarray(0, 1000), /runs past the end of the 1000-byte charsmap/],
  ['a unit pointing outside the array', (() => {
    const b = new Uint8Array([8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    b[4 + 1] = 0xff; b[4 + 2] = 0xff; // root offset far outside 2 units
    return b;
  })(), /trie unit 0 points outside the 2-unit double array/],
  ['replacement strings that are not UTF-8', (() => {
    const b = new Uint8Array(4 + 256 * 4 + 2);
    b[1] = 4; // trie size 1024: 256 zero units
    b[b.length - 2] = 0xff;
    return b;
  })(), /not valid UTF-8/],
];
for (const [name, input, re] of corrupt) {
  test(`rejects a charsmap with ${name}`, (t) => {
    const err = t.throws(() => PrecompiledCharsmap.fromBytes(input, 'normalizer.precompiled_charsmap'), { instanceOf: TokenizerError });
    t.regex(err!.message, /^normalizer\.precompiled_charsmap: /);
    t.regex(err!.message, re);
  });
}

test('rejects invalid base64', (t) => {
  t.throws(() => PrecompiledCharsmap.fromBase64('AAA*', 'cm'), { instanceOf: TokenizerError, message: 'cm: is not valid base64' });
  t.deepEqual(Array.from(base64Decode('AAE=')!), [0, 1]);
  t.deepEqual(Array.from(base64Decode('AAEC/w==')!), [0, 1, 2, 255]);
  t.deepEqual(Array.from(base64Decode('AAEC/w')!), [0, 1, 2, 255]);
  t.is(base64Decode('A'), null);
});

// Grapheme clusters decide which sequences HF's Precompiled normalizer looks up whole; ELMA's own
// UAX #29 segmenter (QuickJS has no Intl.Segmenter) must agree with the runtime's ICU one.
function icuEnds(s: string): number[] {
  const seg = new Intl.Segmenter('en', { granularity: 'grapheme' });
  const ends: number[] = [];
  let n = 0;
  for (const g of seg.segment(s)) {
    n += [...g.segment].length;
    ends.push(n);
  }
  return ends;
}

test('grapheme clusters equal Intl.Segmenter on the fixture texts', (t) => {
  const cases = readJson<{ cases: { text: string }[] }>(`${HF}/tokenizer_cases.json`).cases;
  for (const { text } of cases) t.deepEqual(graphemeEnds(cps(text)), icuEnds(text), text);
});

test('grapheme clusters equal Intl.Segmenter on random strings of tricky characters', (t) => {
  // CR LF, controls, marks, ZWJ/ZWNJ, emoji and modifiers, flags, Hangul L V T LV LVT, prepend, spacing marks
  const pool = [0x61, 0x20, 0x0d, 0x0a, 0x01, 0x301, 0x308, 0x20e3, 0x200d, 0x200c, 0x200b, 0x1f469, 0x1f466, 0x2764,
    0xfe0f, 0x1f3fd, 0x1f1fa, 0x1f1f8, 0x1100, 0x1161, 0x11a8, 0xac00, 0xac01, 0x600, 0x903, 0xe33, 0x915, 0xa9, 0xad, 0x31];
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  for (let k = 0; k < 500; k++) {
    const s = String.fromCodePoint(...Array.from({ length: 1 + rand(12) }, () => pool[rand(pool.length)]!));
    t.deepEqual(graphemeEnds(cps(s)), icuEnds(s), JSON.stringify(s));
  }
});
