/**
 * The pieces of the biased recogniser that need no recogniser (issue 17): the ARPA model is a
 * proper distribution (every history's next-word probabilities sum to 1 through the back-off),
 * numbers said the ways people say them and written back, espeak-ng's IPA in ARPAbet, the
 * questions generated from a context, the word error rate, PocketSphinx's timed output, and the
 * generic model's word list read from Debian's binary file (where the package is installed).
 */
import test from 'ava';
import { existsSync } from 'node:fs';
import { testUnless } from '../_skip.ts';
import { buildArpa } from '../../runtime/voice/arpa-lm.ts';
import { namesOf, questionCorpus } from '../../runtime/voice/context-language-model.ts';
import { readGenericUnigrams } from '../../runtime/voice/generic-unigrams.ts';
import { espeakLineToArpabet } from '../../runtime/voice/ipa-to-arpabet.ts';
import { cardinalWords, spokenForms } from '../../runtime/voice/number-words.ts';
import { parseTimedWords } from '../../runtime/voice/pocketsphinx.ts';
import { generateQuestions, makeLemmatiser } from '../../runtime/voice/question-generator.ts';
import { writeBack } from '../../runtime/voice/speech-recogniser.ts';
import { sentencesOf, textWords } from '../../runtime/voice/spoken-words.ts';
import { wordErrors } from '../../runtime/voice/word-error-rate.ts';

/** p(w | h) from an ARPA model, with back-off (the format's definition). */
function arpaModel(arpa: string): { vocab: string[]; p: (h: string[], w: string) => number } {
  const prob = new Map<string, number>();
  const bo = new Map<string, number>();
  let order = 0;
  for (const line of arpa.split('\n')) {
    const m = /^\\(\d)-grams:$/.exec(line);
    if (m !== null) { order = Number(m[1]); continue; }
    const f = line.split(' ');
    if (order === 0 || f.length < order + 1) continue;
    const key = f.slice(1, order + 1).join(' ');
    prob.set(key, 10 ** Number(f[0]));
    if (f.length > order + 1) bo.set(key, 10 ** Number(f[order + 1]));
  }
  const p = (h: string[], w: string): number => {
    const k = [...h, w].join(' ');
    if (prob.has(k)) return prob.get(k)!;
    if (h.length === 0) return 0;
    return (bo.get(h.join(' ')) ?? 1) * p(h.slice(1), w);
  };
  const vocab = [...prob.keys()].filter((k) => !k.includes(' ') && k !== '<s>');
  return { vocab, p };
}

test('the trigram model (Witten-Bell, fragments, background words) sums to 1 after every history', (t) => {
  const arpa = buildArpa([
    { words: ['when', 'was', 'the', 'brewery', 'founded'], weight: 2 },
    { words: ['who', 'founded', 'the', 'brewery'], weight: 1 },
    { words: ['the', 'brewery', 'was', 'founded', 'in', 'seventeen', 'forty', 'nine'], weight: 0.2, bos: false },
    { words: ['when', 'did'], weight: 0.5, eos: false },
  ], new Map([['company', 0.3], ['city', 0.1]]));
  const { vocab, p } = arpaModel(arpa);
  t.true(vocab.includes('company') && vocab.includes('</s>'));
  for (const h of [[], ['<s>'], ['the'], ['<s>', 'when'], ['the', 'brewery'], ['brewery', 'founded'], ['city'], ['company', 'the']]) {
    const sum = vocab.reduce((a, w) => a + p(h, w), 0);
    t.true(Math.abs(sum - 1) < 1e-4, `Σ p(w | ${h.join(' ')}) = ${sum}`);
  }
  t.true(p(['<s>', 'when'], 'was') > p(['<s>', 'when'], 'brewery'), 'a seen trigram outweighs the back-off');
  t.true(p(['<s>'], 'the') < p(['<s>'], 'who'), 'a fragment does not start sentences');
});

test('numbers: every common reading of a year, a count and a date, each written back as the context writes it', (t) => {
  t.deepEqual(cardinalWords(1749), ['one', 'thousand', 'seven', 'hundred', 'forty', 'nine']);
  t.deepEqual(cardinalWords(51000, true), ['fifty', 'one', 'thousand']);
  t.deepEqual(cardinalWords(266, true), ['two', 'hundred', 'and', 'sixty', 'six']);
  const year = spokenForms('1749').map((f) => f.join(' '));
  for (const f of ['seventeen forty nine', 'one thousand seven hundred forty nine', 'seventeen hundred and forty nine']) t.true(year.includes(f), f);
  t.true(spokenForms('1905').map((f) => f.join(' ')).includes('nineteen oh five'));
  t.true(spokenForms('19').map((f) => f.join(' ')).includes('nineteenth'));
  t.deepEqual(spokenForms('51,000')[0], ['fifty', 'one', 'thousand']);
  t.deepEqual(spokenForms('Kowalski'), []);
  const model = { numbers: new Map([['seventeen forty nine', '1749'], ['fifty one thousand', '51,000']]), surfaces: new Map([['kowalski', 'Kowalski'], ['maria', 'Maria']]) };
  t.is(writeBack(['when', 'was', 'maria', "kowalski's", 'brewery', 'founded', 'in', 'seventeen', 'forty', 'nine'], model as never), "When was Maria Kowalski's brewery founded in 1749?");
  t.is(writeBack(['the', 'staff', 'of', 'fifty', 'one', 'thousand'], model as never), 'The staff of 51,000');
});

test("espeak-ng's IPA in ARPAbet: names, r-coloured vowels, diphthongs, flaps and syllabic consonants", (t) => {
  t.deepEqual(espeakLineToArpabet('k_aʊ_ˈɔ_l_s_k_i'), ['K', 'AW', 'AO', 'L', 'S', 'K', 'IY']);
  t.deepEqual(espeakLineToArpabet('b_ɜː_ɹ_ˈɛ_ŋ_k_oʊ'), ['B', 'ER', 'R', 'EH', 'NG', 'K', 'OW']);
  t.deepEqual(espeakLineToArpabet('v_ˈoːɹ_f_ə_l_ˌæ_n'), ['V', 'AO', 'R', 'F', 'AH', 'L', 'AE', 'N']);
  t.deepEqual(espeakLineToArpabet('dʒ_ˈaɪ_dʒ_ɪ_h_ˌaɪ_m'), ['JH', 'AY', 'JH', 'IH', 'HH', 'AY', 'M']);
  t.deepEqual(espeakLineToArpabet('b_ə_s_n_ˈeɪ_l_iə'), ['B', 'AH', 'S', 'N', 'EY', 'L', 'IY', 'AH']);
  t.deepEqual(espeakLineToArpabet('w_ˈɔː_ɾ_ɚ'), ['W', 'AO', 'T', 'ER']);
  t.deepEqual(espeakLineToArpabet('b_ˈʌ_ʔ_n̩'), ['B', 'AH', 'AH', 'N']);
});

test('questions are generated from statements: inversion with do-support, the subject asked for, passives, counts, pronouns', (t) => {
  const words = new Set(['join', 'found', 'make', 'publish', 'settle', 'die', 'study', 'have', 'marry', 'pass', 'passe', 'name', 'nam']);
  const lemma = makeLemmatiser((w) => words.has(w), (w) => ['pass', 'name', 'join', 'found', 'make', 'have', 'die', 'settle', 'study', 'marry', 'publish'].indexOf(w) + 1 || 99);
  t.is(lemma.past('joined'), 'join');
  t.is(lemma.past('settled'), 'settle');
  t.is(lemma.past('studied'), 'study');
  t.is(lemma.past('died'), 'die');
  t.is(lemma.past('passed'), 'pass', 'the commoner of pass and passe');
  t.is(lemma.past('won'), 'win');
  t.is(lemma.present('makes'), 'make');
  t.is(lemma.present('has'), 'have');
  const context = 'The Bosnalia Brewery was founded by Ara Birrenko in 1749. The brewery has 266 employees. '
    + 'Timenina Thiavoumov was born in Omvemstad. In 1742, she joined the Imcleison Trading Company. The Imcleison Trading Company makes coffee.';
  const qs = generateQuestions(context, lemma).map((q) => q.words.join(' '));
  for (const q of [
    'when was the bosnalia brewery founded',
    'who founded the bosnalia brewery',
    'by whom was the bosnalia brewery founded',
    'how many employees does the bosnalia brewery have',
    'where was timenina thiavoumov born',
    'when did she join the imcleison trading company',
    'when did timenina thiavoumov join the imcleison trading company',
    'who joined the imcleison trading company',
    'what does the imcleison trading company make',
    'in what year did timenina thiavoumov join',
  ]) t.true(qs.includes(q), `${q}\n  not among ${qs.length} questions`);
  t.deepEqual(namesOf(sentencesOf(context).map(textWords)).map((n) => n.join(' ')),
    ['the bosnalia brewery', 'ara birrenko', 'timenina thiavoumov', 'omvemstad', 'the imcleison trading company']);
  // The corpus: questions start sentences, statements do not.
  const corpus = questionCorpus(context);
  t.true(corpus.sentences.some((s) => s.bos === false && s.words.join(' ').startsWith('the bosnalia brewery was founded by ara birrenko in seventeen forty nine')));
  t.true(corpus.background.has('hometown'), 'the question vocabulary is in the background');
});

test('word error rate: substitutions, deletions and insertions over the reference, spellings and number commas forgiven', (t) => {
  t.deepEqual(wordErrors('Where was Maria Kowalski born?', 'where was maria kowalski born'), { errors: 0, words: 5 });
  t.deepEqual(wordErrors('Where was Maria Kowalski born?', 'where was the real god incarnate'), { errors: 4, words: 5 });
  t.deepEqual(wordErrors('How many staff?', 'how many of the staff'), { errors: 2, words: 3 });
  t.deepEqual(wordErrors('Which organisation has 51,000 staff?', 'which organization has 51000 staff'), { errors: 0, words: 5 });
  t.deepEqual(wordErrors('Who won?', ''), { errors: 2, words: 2 });
});

test("PocketSphinx's -time output: words with posteriors, alternates and fillers taken out", (t) => {
  const out = 'where was maria kowalski born\n<s> 0.000 0.070 1.000100\nwhere(2) 0.080 0.350 0.362976\nwas 0.360 0.510 0.998102\n<sil> 0.930 1.020 0.956758\n[NOISE] 1.0 1.1 0.5\nmaria 1.030 1.180 0.9\nkowalski 1.19 1.58 0.45\nborn 1.6 1.9 1\n</s> 1.590 1.870 1.000000\n';
  t.deepEqual(parseTimedWords(out).map((w) => [w.word, w.posterior]), [['where', 0.362976], ['was', 0.998102], ['maria', 0.9], ['kowalski', 0.45], ['born', 1]]);
  t.deepEqual(parseTimedWords(''), []);
});

const GENERIC_LM = '/usr/share/pocketsphinx/model/en-us/en-us.lm.bin';
testUnless(existsSync(GENERIC_LM) || process.env.CI !== undefined ? null : `${GENERIC_LM} is missing (apt-get install pocketsphinx-en-us)`)(
  "the generic model's words and unigram probabilities come out of Debian's binary trie file", (t) => {
    const u = readGenericUnigrams(GENERIC_LM);
    t.is(u.length, 72545, "72,547 unigrams less <s> and </s>");
    t.deepEqual(u.slice(0, 5).map((x) => x.word), ['the', 'to', 'i', 'and', 'a']);
    const rank = (w: string): number => u.findIndex((x) => x.word === w);
    t.true(rank('death') < rank('payroll') && rank('payroll') < rank('kowalski'));
  });
