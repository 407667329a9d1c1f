/**
 * spiece.model → tokenizer.json (models/vocab/tokenizer-json.ts) against Hugging Face's own
 * conversion: the fixture's tokenizer.json was written by transformers' AlbertConverter from the
 * fixture's spiece.model. Both forms must tokenize alike; base64 must round-trip.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AlbertTokenizer } from '../../engine/tokenizer/albert-tokenizer.ts';
import { base64Decode } from '../../engine/tokenizer/_base64.ts';
import { TokenizerError } from '../../engine/tokenizer/errors.ts';
import { albertTokenizerJson, base64Encode } from '../../models/vocab/tokenizer-json.ts';
import { HF, readJson, SQUAD_NORMANS } from '../_fixtures.ts';

const DIR = path.join(HF, 'albert_tiny_qa');
const spiece = new Uint8Array(readFileSync(path.join(DIR, 'spiece.model')));

test('every part but truncation and padding equals what transformers wrote for the same spiece.model', (t) => {
  const ours = JSON.parse(JSON.stringify(albertTokenizerJson(spiece))) as Record<string, unknown>;
  const hf = readJson<Record<string, unknown>>(path.join(DIR, 'tokenizer.json'));
  t.deepEqual(Object.keys(ours).sort(), Object.keys(hf).sort());
  for (const key of Object.keys(hf)) {
    if (key === 'truncation' || key === 'padding') t.is(ours[key], null, key); // ELMA builds its own windows
    else t.deepEqual(ours[key], hf[key], key);
  }
});

test('loaded either way, the tokenizer gives the same ids and offsets on real SQuAD text', (t) => {
  const a = AlbertTokenizer.fromSentencePieceModel(spiece);
  const b = AlbertTokenizer.fromTokenizerJson(JSON.parse(JSON.stringify(albertTokenizerJson(spiece))));
  const data = readJson<{ data: { paragraphs: { context: string; qas: { question: string }[] }[] }[] }>(SQUAD_NORMANS);
  let n = 0;
  for (const p of data.data.flatMap((d) => d.paragraphs)) {
    for (const q of p.qas) {
      const x = a.encode(q.question, p.context), y = b.encode(q.question, p.context);
      t.deepEqual([y.ids, y.offsets, y.typeIds], [x.ids, x.offsets, x.typeIds]);
      n++;
    }
  }
  t.is(n, 208);
});

test('base64 as tokenizers writes it, and back', (t) => {
  t.is(base64Encode(new TextEncoder().encode('')), '');
  t.is(base64Encode(new TextEncoder().encode('f')), 'Zg==');
  t.is(base64Encode(new TextEncoder().encode('fo')), 'Zm8=');
  t.is(base64Encode(new TextEncoder().encode('foobar')), 'Zm9vYmFy'); // RFC 4648 §10
  const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 131 + 7) & 255);
  t.deepEqual(base64Decode(base64Encode(bytes)), bytes);
});

test('a file that is not a SentencePiece model is refused with its name', (t) => {
  t.throws(() => albertTokenizerJson(new Uint8Array([0x0a, 0x05, 1, 2]), 'x.model'), { instanceOf: TokenizerError, message: /^x\.model/ });
});
