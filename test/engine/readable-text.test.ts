/**
 * The check that the model can read a context or question at all (engine/qa/readable-text.ts):
 * counted in characters inside <unk> pieces, since a run of unknown characters is one fused <unk>.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AlbertTokenizer } from '../../engine/tokenizer/albert-tokenizer.ts';
import { EngineInputError } from '../../engine/errors.ts';
import { checkReadable, unknownShare, unreadableReason, UnreadableTextError } from '../../engine/qa/readable-text.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tok = AlbertTokenizer.fromTokenizerJson(JSON.parse(readFileSync(path.join(ROOT, 'models/default/tokenizer.json'), 'utf8')));

test('Chinese, Greek and Cyrillic are unknown to the default (English) vocabulary, character by character', (t) => {
  // "巴黎是法国的首都。" is two pieces, "▁" and one fused <unk>: nine unreadable characters.
  t.deepEqual(unknownShare(tok, '巴黎是法国的首都。'), { unknown: 9, characters: 9 });
  t.deepEqual(unknownShare(tok, 'Ελλάδα'), { unknown: 6, characters: 6 });
  t.deepEqual(unknownShare(tok, 'Пари́ж — столица Франции'), { unknown: 21, characters: 21 });
  t.is(unreadableReason(tok, '巴黎是法国的首都。'), "the model's vocabulary cannot read this text (9 of 9 characters unknown)");
  // Characters outside the Basic Multilingual Plane count once, not per UTF-16 unit.
  t.deepEqual(unknownShare(tok, '😀😀 🎉'), { unknown: 3, characters: 3 });
});

test('English is read, and so is English with a few foreign names in it', (t) => {
  t.deepEqual(unknownShare(tok, 'Paris is the capital of France.'), { unknown: 0, characters: 26 });
  const mixed = 'Paris (巴黎) is the capital of France.';
  t.true(unknownShare(tok, mixed).unknown > 0);
  t.is(unreadableReason(tok, mixed), undefined);
  t.is(unreadableReason(tok, '法国的首都 is Paris, the largest city of France'), undefined);
});

test('empty and blank texts are refused; the error names where the text came from', (t) => {
  t.is(unreadableReason(tok, ''), 'is empty');
  t.is(unreadableReason(tok, ' \n\t '), 'is blank (only whitespace)');
  const e = t.throws(() => checkReadable(tok, '巴黎是法国的首都。', '--context'), { instanceOf: UnreadableTextError });
  t.true(e instanceof EngineInputError, 'callers that refuse bad input catch EngineInputError');
  t.is(e.message, "--context: the model's vocabulary cannot read this text (9 of 9 characters unknown)");
  t.is(e.where, '--context');
  t.throws(() => checkReadable(tok, '', 'the question'), { message: 'the question: is empty' });
  t.notThrows(() => checkReadable(tok, 'Who founded Kravgia?', 'the question'));
});
