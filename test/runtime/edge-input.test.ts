/**
 * The device program with the inputs people type (issue 15): a context file with no text, a
 * context or question its vocabulary cannot read. Each is refused with one line that says why (and
 * counted as a refused input), never answered "(no answer)" with confidence, never offloaded, and
 * the console and the JSON lines go on answering.
 */
import test from 'ava';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ANSWER, CONTEXT, QUESTION, ROOT, device, edge, edgeKit, jsonOut } from './_edge-fixture.ts';
import { loadQaBundle } from '../../runtime/qa-bundle.ts';
import { answerOnDevice } from '../../runtime/edge/infer.ts';
import { UnreadableTextError } from '../../engine/qa/readable-text.ts';
import { ConsoleSession } from '../../runtime/edge/console.ts';

const CHINESE = '巴黎是法国的首都。';
const UNREADABLE = "the model's vocabulary cannot read this text (9 of 9 characters unknown)";
const kit = edgeKit();

test('answerOnDevice refuses an unreadable or blank context or question before the model runs', (t) => {
  const qa = loadQaBundle(path.join(ROOT, 'models/default'), { backend: 'js' });
  t.throws(() => answerOnDevice(qa, CHINESE, QUESTION, 'hidden'), { instanceOf: UnreadableTextError, message: `the context: ${UNREADABLE}` });
  t.throws(() => answerOnDevice(qa, CONTEXT, '法国的首都是哪里？', 'text'), { instanceOf: UnreadableTextError, message: /^the question: the model's vocabulary cannot read this text/ });
  t.throws(() => answerOnDevice(qa, ' \n', QUESTION, 'text'), { instanceOf: UnreadableTextError, message: 'the context: is blank (only whitespace)' });
  t.is(answerOnDevice(qa, CONTEXT, QUESTION, 'text').text, ANSWER);
});

test('console and JSON lines: a blank context file, unreadable contexts and questions are refused with the reason; answering goes on', async (t) => {
  const k = await kit;
  const config = device(k);
  const blank = path.join(path.dirname(config), 'blank.txt');
  writeFileSync(blank, ' \n\n \n');
  const console = edge(t, config, [], [
    `context --file ${blank}`, `context ${CHINESE}`, `ask ${QUESTION}`, `context ${CONTEXT}`, 'ask 法国的首都是哪里？', `ask ${QUESTION}`, 'stats', 'quit', '',
  ].join('\n'));
  t.is(await console.exited, 0, console.err.join('\n'));
  const out = console.out;
  t.is(out[0], `refused: ${blank} holds no text (only whitespace)`);
  t.is(out[1], 'context set: 9 characters');
  t.is(out[2], `refused: the context: ${UNREADABLE}`);
  t.regex(out[3]!, /^context set: \d+ characters$/);
  t.regex(out[4]!, /^refused: the question: the model's vocabulary cannot read this text \(8 of 9 characters unknown\)$/);
  t.regex(out[5]!, new RegExp(`^answer: "${ANSWER}" .*\\[device\\]$`));
  t.regex(out[6]!, /^questions 1 {2}device 1 .* offloads 0 {2}refused inputs 2 {2}errors 0$/);

  const jsonl = edge(t, device(k), ['--jsonl'], [
    JSON.stringify({ id: 1, context: CHINESE, question: QUESTION }),
    JSON.stringify({ id: 2, context: ' ', question: QUESTION }),
    JSON.stringify({ id: 3, context: CONTEXT, question: QUESTION }),
    '',
  ].join('\n'));
  t.is(await jsonl.exited, 0, jsonl.err.join('\n'));
  const lines = jsonOut(jsonl);
  t.deepEqual(lines.find((l) => l.id === 1), { id: 1, error: `the context: ${UNREADABLE}` });
  t.deepEqual(lines.find((l) => l.id === 2), { id: 2, error: '"context" and "question" must not be empty' });
  t.is(lines.find((l) => l.id === 3)?.answer, ANSWER);
});

test('the console\'s help says what an answer\'s score and entropy measure', async (t) => {
  const said: string[] = [];
  await new ConsoleSession({} as never, (l) => said.push(l)).command('help');
  t.regex(said.join('\n'), /score is its share among the model's n best candidate spans and "no answer"; its entropy\nis the exit head's uncertainty over every possible span/);
});
