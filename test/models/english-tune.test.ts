/**
 * The hand-written English tuning set (test/fixtures/english-tune): a second SQuAD 2.0 file of free
 * English about people, organisations and places, for tuning and calibration only (choosing exit and
 * no-answer thresholds, comparing checkpoints), so that the evaluation set, test/fixtures/english-dev,
 * is never tuned on. It passes the same checks as the dev set (_hand-written-set.ts), with at least
 * 200 questions and a quarter unanswerable, and it shares no paragraph, title or capitalised
 * multi-word name with the dev set, either way round. Unlike the dev set, code outside test/ may
 * read it (calibration code will).
 */
import test from 'ava';
import { fixture } from '../_fixtures.ts';
import { containsName, loadHandWrittenSet, multiWordNames, registerHandWrittenSetTests, setText, sharedNames } from './_hand-written-set.ts';

const tune = registerHandWrittenSetTests({
  name: 'english-tune',
  file: fixture('english-tune', 'english-tune.json'),
  readme: fixture('english-tune', 'README.md'),
  idPrefix: 'ht',
  minQuestions: 200,
  minParagraphs: 40,
  minUnanswerable: { share: 0.25, words: 'a quarter' },
  questionsPerParagraph: [4, 7],
});
const dev = loadHandWrittenSet(fixture('english-dev', 'english-dev.json'));

test('no paragraph of the tuning set is in the dev set, nor the other way round', (t) => {
  const devText = setText(dev);
  const tuneText = setText(tune);
  for (const p of tune.paragraphs) t.false(devText.includes(p.context), `in english-dev: ${p.context.slice(0, 50)}`);
  for (const p of dev.paragraphs) t.false(tuneText.includes(p.context), `in english-tune: ${p.context.slice(0, 50)}`);
});

test('no title of the tuning set occurs in the dev set, nor the other way round', (t) => {
  const devText = setText(dev);
  const tuneText = setText(tune);
  t.deepEqual(tune.articles.map((a) => a.title).filter((title) => containsName(devText, title)), []);
  t.deepEqual(dev.articles.map((a) => a.title).filter((title) => containsName(tuneText, title)), []);
});

test('no capitalised multi-word name of the tuning set occurs in the dev set, nor the other way round', (t) => {
  const tuneNames = multiWordNames(setText(tune));
  const devNames = multiWordNames(setText(dev));
  t.true(tuneNames.length > 100 && devNames.length > 100, `${tuneNames.length} and ${devNames.length} names found`);
  for (const n of ['Huayna Potosí', 'Queen Victoria Market', 'University of the Azores', 'Sanne de Vries']) t.true(tuneNames.includes(n), n);
  for (const n of ['New Zealand', 'Royal Academy of Music', 'Salt & Iron', 'Tomás Ó Briain']) t.true(devNames.includes(n), n);
  t.deepEqual(sharedNames(tune, dev), []);
  t.deepEqual(sharedNames(dev, tune), []);
});

test('the name finder takes runs of capitalised words with connectors, not sentence openers or possessive endings', (t) => {
  const text = 'When Rafael Quispe reached El Alto, the University of the Azores wrote. Moyo\'s sister Rudo runs Salt & Iron. In March it rained.';
  t.deepEqual(multiWordNames(text).sort(), ['El Alto', 'Rafael Quispe', 'Salt & Iron', 'University of the Azores']);
  t.true(containsName('He sailed to Big Island Bay.', 'Big Island'));
  t.false(containsName('He sailed to Big Islands.', 'Big Island'));
  t.false(containsName('the big island', 'Big Island'));
});
