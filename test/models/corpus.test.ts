/**
 * The corpus's platform-neutral text cleaning (models/corpus/): each source's format in made-up
 * entries written like the real files, the sentence splitter, normalisation, de-duplication and
 * the held-out split.
 */
import test from 'ava';
import { formatCorpus, parseCorpus } from '../../models/corpus/document.ts';
import { dedupeParagraphs } from '../../models/corpus/dedupe.ts';
import { gcideDocuments } from '../../models/corpus/gcide.ts';
import { isHeldOut } from '../../models/corpus/heldout.ts';
import { mobyDickDocument } from '../../models/corpus/moby-dick.ts';
import { joinWrappedLines, looksLikeProse, normalizeProse } from '../../models/corpus/prose.ts';
import { splitSentences } from '../../models/corpus/sentences.ts';
import { sotuDocument, SOTU_PARAGRAPH_WORDS } from '../../models/corpus/sotu.ts';
import { wordnetDocuments } from '../../models/corpus/wordnet.ts';

test('prose is normalised: straight quotes, spaced dashes, no soft hyphens, single spaces', (t) => {
  t.is(normalizeProse('\u201cDon\u2019t,\u201d she said\u2014twice\u2026  in 1861\u20131865.'), '"Don\'t," she said \u2014 twice... in 1861-1865.');
  t.is(normalizeProse('the gov\u00adernment--as before -- and ``this\'\''), 'the government \u2014 as before \u2014 and "this"');
  t.is(normalizeProse('a\u00a0b\n c'), 'a b c');
  t.is(joinWrappedLines(['as in after-', '   described, after-dinner', '  and more']), 'as in after-described, after-dinner and more');
  t.true(looksLikeProse('We must protect our forests.'));
  t.false(looksLikeProse('1790 - 3,929,827 - .......... 1800 - 5,304,937 - 35.'));
  t.false(looksLikeProse('Total - - 389,315.33 - - 10,634,122.63'));
});

test('sentences end at . ! ? before a capital, not after abbreviations and initials', (t) => {
  t.deepEqual(splitSentences('Mr. Speaker, the U.S. Army is ready. J. Smith said so! Is it? "Yes," he said. 42 came.'),
    ['Mr. Speaker, the U.S. Army is ready.', 'J. Smith said so!', 'Is it?', '"Yes," he said.', '42 came.']);
  t.deepEqual(splitSentences('no end here. and on'), ['no end here. and on']);
});

test('addresses lose transcript and page marks and tables, and are cut into paragraphs of whole sentences', (t) => {
  const sentence = 'We will build new roads and bridges across the country this year.';
  const text = `Thank you. [Applause] ${Array.from({ length: 30 }, () => sentence).join(' ')} It was said [p.5] in [the States] [sic] plainly.[1] [Footnote 1: A note.] Receipts 1,234 .......... 56.7 total. [Laughter] The end came.`;
  const d = sotuDocument('1999_a_b_d', text);
  const all = d.paragraphs.join(' ');
  t.false(/\[|\]|Applause|Laughter|Footnote|\.\.\.\./.test(all), all);
  t.true(all.includes('It was said in the States plainly.'));
  t.true(d.paragraphs.length >= 3);
  for (const p of d.paragraphs) t.true(p.split(' ').length <= SOTU_PARAGRAPH_WORDS + 15, p);
  t.is(d.id, '1999_a_b_d');
});

test('a chapter loses its heading and footnote stars; each line is a paragraph', (t) => {
  const d = mobyDickDocument('chapter_9', 'CHAPTER 9. The Sermon.\n\nThe preacher rose\u2014slowly\u2014and spoke.*\n\n*This is a footnote about the pulpit.\n');
  t.deepEqual(d.paragraphs, ['The preacher rose \u2014 slowly \u2014 and spoke.', 'This is a footnote about the pulpit.']);
});

test('WordNet synsets become "lemmas: definition." and a paragraph of examples; the licence header is skipped', (t) => {
  const file = [
    '  1 This software and database is being provided to you, the LICENSEE',
    '00001740 00 a 02 sturdy 0 hardy(a) 0 000 | strong and able to endure; "a sturdy little boat"; "sturdy oak tables"  ',
    '00001741 29 v 01 run_away 0 001 @ 00001740 v 0000 01 + 02 00 | leave `quickly\' without notice  ',
  ].join('\n');
  const docs = wordnetDocuments(file);
  t.deepEqual(docs, [
    { id: 'a.00001740', paragraphs: ['sturdy, hardy: strong and able to endure.', 'A sturdy little boat. Sturdy oak tables.'] },
    { id: 'v.00001741', paragraphs: ["run away: leave 'quickly' without notice."] },
  ]);
});

test('GCIDE entries keep definitions and notes, drop pronunciations, etymologies, labels, citations, quotations and synonyms', (t) => {
  const dict = [
    '', '00-database-short', '   A made-up dictionary', '',
    'Quillet \\Quil"let\\, n.; pl. {Quillets}. [OE. quillet, fr. L.',
    '   quilla a reed.] (Bot.)',
    '   1. A small hollow reed used by weavers to hold the thread; as, a',
    '      box of quillets. --Old Author.',
    '      [1913 Webster]', '',
    '            The quillet hummed upon the loom all day.',
    '                                                  --A Poet.',
    '      [1913 Webster]', '',
    '   2. (Naut.) A wooden peg set in a mast-',
    '      head to hold a line. -- {Quil"let*ed}, a.',
    '      [1913 Webster]', '',
    '   Note: The word is now seldom heard outside the old weaving towns.',
    '         [1913 Webster]', '',
    '   Syn: reed, bobbin', '      [WordNet 1.5]', '',
    'Quip \\Quip\\, v. t.',
    '   To taunt.', '   [1913 Webster]', '',
  ].join('\n');
  const docs = gcideDocuments(dict);
  t.deepEqual(docs, [{
    id: 'Quillet#1',
    paragraphs: [
      'Quillet: A small hollow reed used by weavers to hold the thread; as, a box of quillets.',
      'A wooden peg set in a mast-head to hold a line.',
      'The word is now seldom heard outside the old weaving towns.',
    ],
  }]);
});

test('corpus text round-trips; duplicates are dropped across documents; the held-out split is by document name', (t) => {
  const docs = [{ id: 'a', paragraphs: ['One two three.', 'Four five.'] }, { id: 'b', paragraphs: ['Six.'] }];
  const text = formatCorpus(docs);
  t.is(text, 'One two three.\nFour five.\n\nSix.\n');
  t.deepEqual(parseCorpus(text, 's').map((d) => d.paragraphs), docs.map((d) => d.paragraphs));
  const seen = new Set<string>();
  const r = dedupeParagraphs([{ id: 'x', paragraphs: ['A b, c.', 'New one.'] }, { id: 'y', paragraphs: ['a B c'] }], seen);
  t.is(r.droppedParagraphs, 1);
  t.deepEqual(r.documents, [{ id: 'x', paragraphs: ['A b, c.', 'New one.'] }]);
  // About `fraction` of similar names fall on the held-out side (the hash is mixed, not FNV alone).
  const names = Array.from({ length: 2000 }, (_, i) => `chapter_${i}`);
  const held = names.filter((n) => isHeldOut('moby-dick', n, 0.05)).length;
  t.true(held > 60 && held < 140, `${held} of 2000 held out at 5%`);
  t.is(isHeldOut('sotu', 'x', 0), false);
  t.is(isHeldOut('sotu', 'x', 1), true);
});
