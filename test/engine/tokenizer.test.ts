import test from 'ava';
import { readFileSync } from 'node:fs';
import { AlbertTokenizer } from '../../engine/tokenizer/albert-tokenizer.ts';
import { TokenizerError } from '../../engine/tokenizer/errors.ts';
import { Unigram, UNK_PENALTY } from '../../engine/tokenizer/unigram.ts';
import { NormalizedString } from '../../engine/tokenizer/_normalized-string.ts';
import { normalizerFromJson } from '../../engine/tokenizer/normalizer.ts';
import { HF, readJson } from '../_fixtures.ts';

// Authority: HF AlbertTokenizer (tokenizers backend, transformers 5.17) on the fixture tokenizer.json
// (test/fixtures/hf-albert/README.md, gen_fixtures.py section "tokenizer").
interface Case { text: string; fast_ids: number[]; fast_tokens: string[]; fast_offsets: [number, number][] }
interface Pair { question: string; context: string; input_ids: number[]; token_type_ids: number[] }
const cases = readJson<{ cases: Case[]; pairs: Pair[] }>(`${HF}/tokenizer_cases.json`);
const tokJson = readJson(`${HF}/albert_tiny_qa/tokenizer.json`);
const tok = AlbertTokenizer.fromTokenizerJson(tokJson);

/**
 * Python counts offsets in code points, ELMA in UTF-16 code units (JavaScript string indices), so a
 * fixture offset is mapped through the text; the two differ only after a character above U+FFFF.
 */
function cpToUtf16(text: string, cp: number): number {
  let units = 0;
  let n = 0;
  for (const ch of text) {
    if (n === cp) return units;
    units += ch.length;
    n++;
  }
  return units;
}
const expectedOffsets = (c: Case): [number, number][] =>
  c.fast_offsets.map(([s, e]) => [cpToUtf16(c.text, s), cpToUtf16(c.text, e)]);

test('the fixture covers the cases the offset convention matters for', (t) => {
  t.is(cases.cases.length, 231);
  t.is(cases.pairs.length, 20);
  const astral = cases.cases.filter((c) => [...c.text].length !== c.text.length);
  t.deepEqual(astral.map((c) => c.text), ['Emoji 🙂 and symbols ©®™ €£¥']);
});

test('ids, tokens and offsets equal Hugging Face for all 231 texts', (t) => {
  let checked = 0;
  for (const c of cases.cases) {
    const e = tok.encode(c.text);
    t.deepEqual(e.ids, c.fast_ids, c.text);
    t.deepEqual(e.tokens, c.fast_tokens, c.text);
    t.deepEqual(e.offsets, expectedOffsets(c), c.text);
    checked++;
  }
  t.is(checked, 231);
});

test('offsets are JavaScript string indices: after an emoji they are one larger than Python\'s', (t) => {
  const c = cases.cases.find((x) => x.text.startsWith('Emoji'))!;
  const e = tok.encode(c.text);
  const and = e.tokens.indexOf('▁and');
  t.deepEqual(c.fast_offsets[and], [8, 11]);
  t.deepEqual(e.offsets[and], [9, 12]);
  t.is(c.text.slice(9, 12), 'and');
  t.is(c.text.slice(...e.offsets[e.tokens.indexOf('<unk>')]!), '🙂');
});

test('every non-special token\'s offsets select non-empty original text', (t) => {
  for (const c of cases.cases) {
    const e = tok.encode(c.text);
    e.offsets.forEach(([s, end], k) => {
      if (e.sequenceIds[k] === null) t.deepEqual([s, end], [0, 0]);
      else t.true(s < end && end <= c.text.length, `${c.text} token ${k}`);
    });
  }
});

test('question/context pairs: input ids and token type ids equal Hugging Face', (t) => {
  for (const p of cases.pairs) {
    const e = tok.encode(p.question, p.context);
    t.deepEqual(e.ids, p.input_ids, p.question);
    t.deepEqual(e.typeIds, p.token_type_ids, p.question);
    const sep = e.ids.indexOf(tok.sepId);
    t.deepEqual(e.sequenceIds.slice(1, sep), new Array(sep - 1).fill(0));
    t.is(e.sequenceIds[sep + 1], 1);
  }
});

test('spiece.model gives the same tokenizer as tokenizer.json', (t) => {
  const spm = AlbertTokenizer.fromSentencePieceModel(new Uint8Array(readFileSync(`${HF}/albert_tiny_qa/spiece.model`)));
  t.is(spm.vocabSize, tok.vocabSize);
  for (const c of cases.cases) t.deepEqual(spm.encode(c.text), tok.encode(c.text), c.text);
  for (const p of cases.pairs.slice(0, 5)) t.deepEqual(spm.encode(p.question, p.context), tok.encode(p.question, p.context));
});

test('special ids and token lookups', (t) => {
  t.deepEqual([tok.padId, tok.unkId, tok.clsId, tok.sepId, tok.maskId], [0, 1, 2, 3, 4]);
  t.is(tok.vocabSize, 2000);
  t.is(tok.tokenToId('▁the'), 6);
  t.is(tok.idToToken(6), '▁the');
  t.is(tok.tokenToId('no-such-piece'), undefined);
  t.is(tok.idToToken(5000), undefined);
  t.is(tok.numSpecialTokensToAdd(false), 2);
  t.is(tok.numSpecialTokensToAdd(true), 3);
});

test('encodeWithoutSpecials is encode without [CLS]/[SEP]', (t) => {
  const text = 'The Normans were in Normandy.';
  const a = tok.encode(text);
  const b = tok.encodeWithoutSpecials(text);
  t.deepEqual(b.ids, a.ids.slice(1, -1));
  t.deepEqual(b.offsets, a.offsets.slice(1, -1));
  t.deepEqual(tok.encode(''), tok.postProcess(tok.encodeWithoutSpecials('')));
  t.deepEqual(tok.encode('').ids, [2, 3]);
});

test('the early-exit limit stops after the word that reaches it (HF tokenizers 0.23 tokenize_with_limit)', (t) => {
  const text = 'hyphen-ated well-known state-of-the-art';
  const all = tok.encodeWithoutSpecials(text);
  // words: ▁ h y ph en - ated (7 tokens), ▁well - know n (4), ...
  t.deepEqual(tok.encodeWithoutSpecials(text, 1).ids, all.ids.slice(0, 7));
  t.deepEqual(tok.encodeWithoutSpecials(text, 7).ids, all.ids.slice(0, 7));
  t.deepEqual(tok.encodeWithoutSpecials(text, 8).ids, all.ids.slice(0, 11));
  t.deepEqual(tok.encodeWithoutSpecials(text, 1000), all);
});

test('added tokens in the text are cut out before normalization (HF AddedVocabulary)', (t) => {
  const e = tok.encode('hello [MASK] world<pad>');
  t.deepEqual(e.tokens, ['[CLS]', '▁he', 'll', 'o', '[MASK]', '▁world', '<pad>', '[SEP]']);
  t.deepEqual(e.offsets[4], [6, 12]);
  t.deepEqual(e.offsets[6], [18, 23]);
  // normalized: false, so a lower-case [mask] is ordinary text
  t.false(tok.encode('[mask]').ids.includes(4));
});

test('charsmap quirks follow HF: a removed leading control char shifts alignments, CRLF is one grapheme', (t) => {
  // HF Precompiled: "\u0001" maps to "", and with nothing before it its removal is lost, so the
  // following chars take the alignment of their predecessor (tokenizers normalizers/precompiled.rs).
  t.deepEqual(tok.encode('\u0001abc').offsets.slice(1, -1), [[0, 1], [1, 2], [2, 3]]);
  t.deepEqual(tok.encode('ab\u0001cd').offsets.slice(1, -1), [[0, 1], [1, 2], [3, 4], [4, 5]]);
  t.deepEqual(tok.encode('a\r\nb').offsets.slice(1, -1), [[0, 1], [3, 4]]);
});

// HF tokenizers models/unigram/model.rs, doc test of `Unigram::encode`.
test('Unigram Viterbi with fused unknowns (HF doc example)', (t) => {
  const u = new Unigram([['<unk>', 0], ['a', 0], ['b', 0], ['c', 0], ['d', 0], ['cd', 1], ['ab', 2], ['abc', 5], ['abcd', 10]], 0);
  const cps = [...'abcdacdxx'].map((c) => c.codePointAt(0)!);
  const r = u.tokenize(cps);
  t.deepEqual(r.ids, [8, 1, 5, 0]);
  t.deepEqual(r.starts, [0, 4, 5, 7]);
  t.deepEqual(r.ends, [4, 5, 7, 9]);
  t.is(u.minScore - UNK_PENALTY, -10);
});

test('Unigram needs an unk id for unknown characters and rejects a bad one', (t) => {
  const u = new Unigram([['a', -1]], null);
  t.throws(() => u.tokenize([0x7a]), { instanceOf: TokenizerError, message: /unk_id/ });
  t.throws(() => new Unigram([['a', -1]], 3), { instanceOf: TokenizerError, message: /unk_id: 3 is outside/ });
  t.throws(() => new Unigram([], 0), { instanceOf: TokenizerError, message: /vocab: is empty/ });
});

function normalize(json: unknown, text: string): NormalizedString {
  const ns = NormalizedString.fromOriginal(text, 0, text.length);
  normalizerFromJson(json, 'normalizer').normalize(ns);
  return ns;
}

// HF tokenizers normalizers/strip.rs tests (alignments there are bytes; here UTF-16 units).
test('StripAccents keeps the alignment of the kept chars (HF test_strip_accents_multiple)', (t) => {
  const ns = normalize({ type: 'StripAccents' }, 'e\u0304\u0304\u0304o');
  t.is(ns.toString(), 'eo');
  t.deepEqual([ns.starts, ns.ends], [[0, 4], [1, 5]]);
});

test('NFKD + StripAccents + Lowercase (HF test_vietnamese_bug, test_thai_bug)', (t) => {
  const seq = { type: 'Sequence', normalizers: [{ type: 'NFKD' }, { type: 'StripAccents' }, { type: 'Lowercase' }] };
  t.is(normalize(seq, 'ậ…').toString(), 'a...');
  t.is(normalize(seq, 'ำน\u0e49ำ3ลำ').toString(), 'านา3ลา');
  const ns = normalize(seq, 'Ẫ…');
  // ellipsis → three dots, the two added dots share the ellipsis' alignment
  t.deepEqual(ns.starts, [0, 1, 1, 1]);
});

test('NFKD reorders combining marks across characters, the alignment tags moving with them', (t) => {
  // ê (U+00EA) = e + U+0302 (ccc 230) followed by U+0323 (ccc 220): NFKD puts U+0323 first
  const ns = normalize({ type: 'NFKD' }, '\u00ea\u0323');
  t.is(ns.toString(), 'e\u0323\u0302');
  t.is(ns.toString(), '\u00ea\u0323'.normalize('NFKD'));
  // unicode-normalization-alignments tags (e,0) (U+0323,0) (U+0302,1): U+0323 reads the second
  // original char's alignment and U+0302 is inserted after it with the same one
  t.deepEqual(ns.starts, [0, 1, 1]);
});

test('Replace aligns the replacement to the last char of the match (HF NormalizedString::replace)', (t) => {
  const ns = normalize({ type: 'Replace', pattern: { String: '``' }, content: '"' }, 'a ``b');
  t.is(ns.toString(), 'a "b');
  t.deepEqual([ns.starts, ns.ends], [[0, 1, 3, 4], [1, 2, 4, 5]]);
  const re = normalize({ type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }, 'a   b');
  t.is(re.toString(), 'a b');
});

function withField(path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(tokJson) as Record<string, unknown>;
  let o: Record<string | number, unknown> = copy;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === undefined) delete o[last];
  else o[last] = value;
  return copy;
}

const bad: [string, unknown, RegExp][] = [
  ['not an object', [1, 2], /^tokenizer\.json: \(top level\): is not a JSON object/],
  ['a BPE model', withField(['model', 'type'], 'BPE'), /^tokenizer\.json: model\.type: is "BPE", not "Unigram"/],
  ['no vocab', withField(['model', 'vocab'], undefined), /^tokenizer\.json: model\.vocab: is missing/],
  ['a bad vocab entry', withField(['model', 'vocab', 3], ['[SEP]']), /^tokenizer\.json: model\.vocab\[3\]: .*not a \[piece, score\] pair/],
  ['unk id out of range', withField(['model', 'unk_id'], 5000), /^tokenizer\.json: model\.unk_id: 5000 is outside/],
  ['bad charsmap base64', withField(['normalizer', 'normalizers', 5, 'precompiled_charsmap'], 'not base64!'),
    /^tokenizer\.json: normalizer\.normalizers\[5\]\.precompiled_charsmap: is not valid base64/],
  ['truncated charsmap', withField(['normalizer', 'normalizers', 5, 'precompiled_charsmap'],
    (tokJson as { normalizer: { normalizers: { precompiled_charsmap?: string }[] } }).normalizer.normalizers[5]!.precompiled_charsmap!.slice(0, 4000)),
  /^tokenizer\.json: normalizer\.normalizers\[5\]\.precompiled_charsmap: trie size \d+ runs past the end/],
  ['an unsupported normalizer', withField(['normalizer', 'normalizers', 2, 'type'], 'NFKC'), /normalizer\.normalizers\[2\]\.type: "NFKC" is not a supported normalizer/],
  ['an unsupported pre-tokenizer', withField(['pre_tokenizer', 'type'], 'ByteLevel'), /pre_tokenizer\.type: "ByteLevel" is not a supported pre-tokenizer/],
  ['no post-processor', withField(['post_processor'], null), /post_processor: is missing/],
];
for (const [name, json, re] of bad) {
  test(`rejects a tokenizer.json with ${name}`, (t) => {
    t.throws(() => AlbertTokenizer.fromTokenizerJson(json), { instanceOf: TokenizerError, message: re });
  });
}

test('rejects a vocabulary without [CLS]', (t) => {
  const json = withField(['model', 'vocab', 2], ['[KLS]', 0]) as Record<string, unknown>;
  json.added_tokens = [];
  t.throws(() => AlbertTokenizer.fromTokenizerJson(json, 'x.json'), { instanceOf: TokenizerError, message: /^x\.json: vocabulary: has no \[CLS\] token/ });
});

test('rejects a truncated or foreign spiece.model', (t) => {
  const bytes = new Uint8Array(readFileSync(`${HF}/albert_tiny_qa/spiece.model`));
  t.throws(() => AlbertTokenizer.fromSentencePieceModel(bytes.subarray(0, 1000), 'cut.model'), { instanceOf: TokenizerError, message: /^cut\.model/ });
  t.throws(() => AlbertTokenizer.fromSentencePieceModel(new TextEncoder().encode('{"not": "protobuf"}'), 'x.model'), { instanceOf: TokenizerError, message: /^x\.model/ });
});
