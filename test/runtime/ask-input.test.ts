/**
 * `elma ask` with the inputs people type (issue 15): empty and blank contexts and questions, text
 * the vocabulary cannot read, the context from a file or from stdin, and the printed probability
 * and entropy saying what each measures. Runs on the committed default model.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { elma, scratch } from '../_cli.ts';
import { ANSWER, CONTEXT, QUESTION, ROOT } from './_edge-fixture.ts';
import { firstInvalidUtf8, readTextFile, TextFileError } from '../../runtime/text-file.ts';

const BUNDLE = path.join(ROOT, 'models/default');
const dir = scratch('elma-ask-input-');
const ask = (extra: string[], stdin: string[] = []) => elma(['ask', '--bundle', BUNDLE, ...extra], stdin);

/** One line on stderr (then the usage line for usage errors), nothing on stdout. */
async function refused(t: import('ava').ExecutionContext, extra: string[], code: number, line: string, stdin: string[] = []): Promise<void> {
  const r = await ask(extra, stdin);
  t.is(r.code, code, extra.join(' '));
  t.is(r.stderr.split('\n')[0], `elma ask: ${line}`, extra.join(' '));
  t.is(r.stdout, '');
  t.notRegex(r.stderr, /\n\s+at /);
}

test('an empty or blank context or question is refused naming the option (not "missing", not a confident answer)', async (t) => {
  await refused(t, ['--context', '', '--question', QUESTION], 2, '--context is empty');
  await refused(t, ['--context', '  \n ', '--question', QUESTION], 2, '--context is blank (only whitespace)');
  await refused(t, ['--context', CONTEXT, '--question', ''], 2, '--question is empty');
  await refused(t, ['--context', CONTEXT, '--question', '\t'], 2, '--question is blank (only whitespace)');
  await refused(t, ['--question', QUESTION], 2, 'missing required option --context (or --context-file <path>, or --context - to read stdin)');
});

test('text the vocabulary cannot read is refused with the count of unknown characters', async (t) => {
  await refused(t, ['--context', '巴黎是法国的首都。', '--question', QUESTION], 1, "--context: the model's vocabulary cannot read this text (9 of 9 characters unknown)");
  await refused(t, ['--context', CONTEXT, '--question', '法国的首都是哪里？'], 1, "--question: the model's vocabulary cannot read this text (8 of 9 characters unknown)");
  // A few foreign characters in English are still read and answered.
  const r = await ask(['--context', `${CONTEXT} (克拉夫吉亚)`, '--question', QUESTION, '--json']);
  t.is(r.code, 0, r.stderr);
  t.is((JSON.parse(r.stdout) as { answer: string }).answer, ANSWER);
});

test('--context-file: read as UTF-8; missing, a directory, not UTF-8, UTF-16, binary, empty are one line each', async (t) => {
  const good = path.join(dir, 'good.txt');
  writeFileSync(good, `\uFEFF${CONTEXT}\n`);
  const r = await ask(['--context-file', good, '--question', QUESTION, '--json']);
  t.is(r.code, 0, r.stderr);
  t.is((JSON.parse(r.stdout) as { answer: string }).answer, ANSWER);
  const file = (name: string, bytes: Uint8Array | string): string => { const f = path.join(dir, name); writeFileSync(f, bytes); return f; };
  const latin1 = file('latin1.txt', Buffer.from('Kravgia lies in the province of Vacurnria, caf\xe9.', 'latin1'));
  const utf16 = file('utf16.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(CONTEXT, 'utf16le')]));
  const nul = file('nul.txt', 'abc\u0000def');
  const blank = file('blank.txt', ' \n\n');
  const empty = file('empty.txt', '');
  const sub = path.join(dir, 'a-directory');
  mkdirSync(sub, { recursive: true });
  const q = ['--question', QUESTION];
  await refused(t, ['--context-file', path.join(dir, 'none.txt'), ...q], 1, `--context-file ${path.join(dir, 'none.txt')}: no such file`);
  await refused(t, ['--context-file', sub, ...q], 1, `--context-file ${sub}: is a directory, not a text file`);
  await refused(t, ['--context-file', latin1, ...q], 1, `--context-file ${latin1}: is not UTF-8 text (byte 0xe9 at offset 46); save it as UTF-8`);
  await refused(t, ['--context-file', utf16, ...q], 1, `--context-file ${utf16}: is UTF-16 text; save it as UTF-8`);
  await refused(t, ['--context-file', nul, ...q], 1, `--context-file ${nul}: holds a NUL byte at character 4: binary data or UTF-16 text, not UTF-8 text`);
  await refused(t, ['--context-file', blank, ...q], 2, `--context-file ${blank} holds no text (only whitespace)`);
  await refused(t, ['--context-file', empty, ...q], 2, `--context-file ${empty} holds no text (empty)`);
  await refused(t, ['--context-file', good, '--context', CONTEXT, ...q], 2, 'give the context once: --context or --context-file, not both');
  if (process.getuid?.() !== 0) {
    const locked = file('locked.txt', CONTEXT);
    chmodSync(locked, 0);
    await refused(t, ['--context-file', locked, ...q], 1, `--context-file ${locked}: permission denied`);
  }
});

test('--context - reads the context from stdin to its end', async (t) => {
  const r = await ask(['--context', '-', '--question', QUESTION, '--json'], CONTEXT.split('. ').map((s, i, a) => (i < a.length - 1 ? `${s}.` : s)));
  t.is(r.code, 0, r.stderr);
  t.is((JSON.parse(r.stdout) as { answer: string }).answer, ANSWER);
  await refused(t, ['--context', '-', '--question', QUESTION], 2, '--context -: stdin held no text (empty)');
  await refused(t, ['--context', '-', '--question', QUESTION], 2, '--context -: stdin held no text (only whitespace)', ['  ', '']);
  // The CLI decodes stdin with replacement characters where the bytes were not UTF-8.
  await refused(t, ['--context', '-', '--question', QUESTION], 2, '--context -: stdin is not UTF-8 text (undecodable bytes at character 4)', ['caf\uFFFD']);
  await refused(t, ['--context', '-', '--question', QUESTION], 1, "--context -: the model's vocabulary cannot read this text (9 of 9 characters unknown)", ['巴黎是法国的首都。']);
});

test('the printed probability and entropy each say what they measure, and --help explains both', async (t) => {
  const r = await ask(['--context', CONTEXT, '--question', QUESTION]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, new RegExp(`^answer: +${ANSWER}$`, 'm'));
  t.regex(r.stdout, /^probability: 0\.\d{3} {2}\(its share among the 20 best candidate spans and "no answer"\)$/m);
  t.regex(r.stdout, /^entropy: +0\.\d{4} \(threshold 0\.\d{4}\) {2}\(the exit head's uncertainty over every possible span: 0 sure, 1 uniform\)$/m);
  const help = await elma(['ask', '--help']);
  t.regex(help.stdout, /probability {2}the answer's share of a softmax over the n best candidates only/);
  t.regex(help.stdout, /entropy {6}the exit head's uncertainty over every answer it could give/);
  t.regex(help.stdout, /--context -  +read the context from stdin/);
  t.regex(help.stdout, /--context-file <path> +read the context from a UTF-8 text file/);
});

test('readTextFile and firstInvalidUtf8 (RFC 3629: overlong forms, surrogates, past U+10FFFF, truncated sequences)', (t) => {
  t.is(firstInvalidUtf8(Buffer.from('héllo 巴黎 😀', 'utf8')), -1);
  for (const [bytes, at] of [[[0x61, 0xc0, 0x80], 1], [[0xe0, 0x80, 0x80], 0], [[0xed, 0xa0, 0x80], 0], [[0xf4, 0x90, 0x80, 0x80], 0],
    [[0x61, 0x62, 0xe2, 0x82], 2], [[0x80], 0], [[0xf5, 0x80, 0x80, 0x80], 0]] as const) {
    t.is(firstInvalidUtf8(Uint8Array.from(bytes)), at, bytes.join(','));
  }
  const big = path.join(dir, 'big.txt');
  writeFileSync(big, 'a'.repeat(100));
  t.throws(() => readTextFile(big, '--context-file', 99), { instanceOf: TextFileError, message: `--context-file ${big}: is 100 bytes; the most taken is 99` });
  t.is(readTextFile(big, '--context-file'), 'a'.repeat(100));
});

test('without --bundle, ask reads models/default from the current directory; elsewhere it says the default is not there', async (t) => {
  const r = await elma(['ask', '--context', CONTEXT, '--question', QUESTION, '--json']); // the tests run in the project's directory
  t.is(r.code, 0, r.stderr);
  t.is((JSON.parse(r.stdout) as { answer: string }).answer, ANSWER);
  const away = scratch('elma-ask-away-');
  const child = spawnSync(process.execPath, [path.join(ROOT, 'bin/elma.js'), 'ask', '--context', CONTEXT, '--question', QUESTION], { cwd: away, encoding: 'utf8' });
  t.is(child.status, 2, child.stderr);
  t.is(child.stderr.split('\n')[0], `elma ask: missing required option --bundle (the default, models/default, is not in ${away})`);
});
