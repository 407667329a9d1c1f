/**
 * The hand-written English dev set (test/fixtures/english-dev, issue 15): a SQuAD 2.0 file that
 * `elma eval` reads (the same reader, cli/commands/_read-squad.ts, which checks every answer_start),
 * with answers that are whole-word spans without trailing punctuation, enough questions, paragraphs
 * and unanswerable ones, counts that agree with its README, and no training code that reads it:
 * it is for evaluation only, so no source outside test/ may name it. The rules it shares with the
 * tuning set (test/fixtures/english-tune) are in _hand-written-set.ts.
 */
import test from 'ava';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fixture } from '../_fixtures.ts';
import { registerHandWrittenSetTests, spanProblem } from './_hand-written-set.ts';

const FILE = fixture('english-dev', 'english-dev.json');
const ROOT = path.resolve(path.dirname(FILE), '..', '..', '..');

registerHandWrittenSetTests({
  name: 'english-dev',
  file: FILE,
  readme: fixture('english-dev', 'README.md'),
  idPrefix: 'hw',
  minQuestions: 150,
  minParagraphs: 40,
  minUnanswerable: { share: 0.2, words: 'a fifth' },
  questionsPerParagraph: [4, 7],
});

test('the span check itself rejects part-words, punctuation and wrong offsets', (t) => {
  const ctx = 'Kirkwall has about 10,000 people.';
  t.is(spanProblem(ctx, { text: 'about 10,000', answer_start: 13 }), undefined);
  t.regex(spanProblem(ctx, { text: 'irkwall', answer_start: 1 }) ?? '', /starts inside a word/);
  t.regex(spanProblem(ctx, { text: '10,00', answer_start: 19 }) ?? '', /ends inside a word/);
  t.regex(spanProblem(ctx, { text: 'people.', answer_start: 26 }) ?? '', /punctuation/);
  t.regex(spanProblem(ctx, { text: 'people', answer_start: 25 }) ?? '', /does not point/);
});

/** Every file under dir (skipping node_modules), as paths relative to the repository root. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.name === 'node_modules') continue;
    if (entry.isDirectory()) out.push(...filesUnder(rel));
    else if (entry.isFile()) out.push(rel);
  }
  return out;
}

test('no code outside test/ names the dev set: it is never trained, tuned or calibrated on', (t) => {
  const needle = Buffer.from('english-dev');
  const offenders: string[] = [];
  let searched = 0;
  for (const dir of ['cloud', 'models', 'runtime', 'cli', 'engine', 'common']) {
    for (const file of filesUnder(dir)) {
      if (statSync(path.join(ROOT, file)).size > 64 << 20) continue; // weights, not sources
      searched++;
      if (readFileSync(path.join(ROOT, file)).includes(needle)) offenders.push(file);
    }
  }
  t.true(searched > 100, `only ${searched} files searched: wrong repository root ${ROOT}?`);
  t.deepEqual(offenders, []);
});
