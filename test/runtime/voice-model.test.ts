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
import koffi from 'koffi';
import { buildArpa, estimateTrigramModel, writeMixedArpa } from '../../runtime/voice/arpa-lm.ts';
import { readGenericNgrams } from '../../runtime/voice/generic-ngrams.ts';
import { DEFAULT_WEIGHTS, namesOf, patternSentences, QUESTION_STARTS, questionCorpus } from '../../runtime/voice/context-language-model.ts';
import { chooseSpelling, spellingKey, spellingVariants } from '../../runtime/voice/spelling-variants.ts';
import { readGenericUnigrams } from '../../runtime/voice/generic-unigrams.ts';
import { espeakLineToArpabet } from '../../runtime/voice/ipa-to-arpabet.ts';
import { cardinalWords, spokenForms } from '../../runtime/voice/number-words.ts';
import { decoderArgs, latticePosteriors, parseHypseg, parseTimedWords } from '../../runtime/voice/pocketsphinx.ts';
import { generateQuestions, makeLemmatiser, thirdPerson } from '../../runtime/voice/question-generator.ts';
import { writeBack } from '../../runtime/voice/speech-recogniser.ts';
import { sentencesOf, textWords } from '../../runtime/voice/spoken-words.ts';
import { wordErrors } from '../../runtime/voice/word-error-rate.ts';
import { alignWords, describeBreakdown, errorBreakdown } from '../../bench/_spoken-questions.ts';

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

test('a mixture of two trigram models is a distribution after every history, and a listed n-gram gets the mixed probability', (t) => {
  const context = estimateTrigramModel([
    { words: ['when', 'was', 'the', 'bosnalia', 'brewery', 'founded'], weight: 2 },
    { words: ['who', 'founded', 'the', 'bosnalia', 'brewery'], weight: 1 },
  ], new Map([['company', 0.3]]));
  // A generic model given as n-gram counts: <s> and </s> where sentences start and end.
  const generic = estimateTrigramModel([], new Map(), [
    { words: ['who'], count: 5 }, { words: ['is'], count: 9 }, { words: ['in'], count: 8 }, { words: ['charge'], count: 2 }, { words: ['of'], count: 9 },
    { words: ['the'], count: 12 }, { words: ['</s>'], count: 4 }, { words: ['founded'], count: 1 },
    { words: ['<s>', 'who'], count: 3 }, { words: ['who', 'is'], count: 3 }, { words: ['is', 'in'], count: 2 }, { words: ['in', 'charge'], count: 2 },
    { words: ['charge', 'of'], count: 2 }, { words: ['of', 'the'], count: 4 }, { words: ['the', '</s>'], count: 1 },
    { words: ['<s>', 'who', 'is'], count: 2 }, { words: ['is', 'in', 'charge'], count: 2 }, { words: ['in', 'charge', 'of'], count: 2 },
  ]);
  t.true(generic.vocab.has('charge') && !generic.vocab.has('<s>') && !generic.vocab.has('</s>'));
  const { vocab, p } = arpaModel(writeMixedArpa([{ model: context, weight: 0.75 }, { model: generic, weight: 0.25 }]));
  t.true(vocab.includes('charge') && vocab.includes('bosnalia') && vocab.includes('company'));
  for (const h of [[], ['<s>'], ['who'], ['the'], ['<s>', 'who'], ['in', 'charge'], ['the', 'bosnalia'], ['bosnalia', 'brewery'], ['company'], ['charge', 'founded']]) {
    const sum = vocab.reduce((a, w) => a + p(h, w), 0);
    t.true(Math.abs(sum - 1) < 1e-4, `Σ p(w | ${h.join(' ')}) = ${sum}`);
  }
  const mixed = (h: string[], w: string): number => 0.75 * (h.length === 1 ? context.p2(h[0]!, w) : context.p3(h[0]!, h[1]!, w)) + 0.25 * (h.length === 1 ? generic.p2(h[0]!, w) : generic.p3(h[0]!, h[1]!, w));
  for (const [h, w] of [[['in', 'charge'], 'of'], [['the', 'bosnalia'], 'brewery'], [['who'], 'is'], [['who'], 'founded']] as [string[], string][]) {
    t.true(Math.abs(p(h, w) - mixed(h, w)) < 1e-5, `p(${w} | ${h.join(' ')}) = ${p(h, w)}, the mixture says ${mixed(h, w)}`);
  }
  t.true(p(['is', 'in'], 'charge') > 0.25 * 0.5, 'the generic phrase is likely after its history');
  t.true(p(['<s>'], 'when') > p(['<s>'], 'charge'), 'the context still starts its questions');
  t.throws(() => writeMixedArpa([{ model: context, weight: 0 }]), { message: /positive weight/ });
  t.throws(() => estimateTrigramModel([], new Map(), [{ words: ['a', '<s>'], count: 1 }]), { message: /<s> may only start/ });
  t.throws(() => estimateTrigramModel([], new Map(), [{ words: ['a', 'b', 'c', 'd'], count: 1 }]), { message: /1 to 3 words/ });
});

test('sentence starts: a question begins only with a listed word, a preposition or "do" only before their listed second words, and every history still sums to 1', (t) => {
  const context = estimateTrigramModel([
    { words: ['who', 'leads', 'the', 'council'], weight: 1 },
    { words: ['to', 'whom', 'did', 'she', 'write'], weight: 1 },
    { words: ['do', 'you', 'know', 'who', 'leads', 'the', 'council'], weight: 0.2 },
    { words: ['the', 'council', 'is', 'led', 'by', 'ara'], weight: 0.5, bos: false },
  ], new Map([['to', 0.3], ['do', 0.3], ['solve', 0.1]]));
  const generic = estimateTrigramModel([], new Map(), [
    { words: ['<s>', 'to'], count: 5 }, { words: ['<s>', 'do'], count: 5 }, { words: ['<s>', 'the'], count: 9 }, { words: ['<s>', 'to', 'solve'], count: 3 },
    { words: ['to'], count: 9 }, { words: ['solve'], count: 2 }, { words: ['the'], count: 12 }, { words: ['do'], count: 5 },
  ]);
  const starts = new Map<string, readonly string[] | undefined>([['who', undefined], ['to', ['whom', 'which']], ['do', ['you']]]);
  const { vocab, p } = arpaModel(writeMixedArpa([{ model: context, weight: 0.8 }, { model: generic, weight: 0.2 }], starts));
  // log10 -99 is the format's zero.
  const impossible = (x: number): boolean => x < 1e-90;
  for (const w of vocab) if (!starts.has(w)) t.true(impossible(p(['<s>'], w)), `"${w}" cannot start a question`);
  t.true(Math.abs(p(['<s>'], 'who') + p(['<s>'], 'to') + p(['<s>'], 'do') - 1) < 1e-4);
  t.true(impossible(p(['<s>', 'to'], 'solve')), '"to solve" cannot open a question though the generic model has it');
  t.true(impossible(p(['<s>', 'do'], 'leads')));
  t.true(Math.abs(p(['<s>', 'do'], 'you') - 1) < 1e-4, '"do" opens only "do you know"');
  t.true(Math.abs(p(['<s>', 'to'], 'whom') + p(['<s>', 'to'], 'which') - 1) < 1e-4);
  t.true(p(['the'], 'solve') > 0, 'a word barred from the start is still heard inside a question');
  for (const h of [[], ['<s>'], ['<s>', 'who'], ['<s>', 'to'], ['<s>', 'do'], ['the'], ['who', 'leads'], ['to']]) {
    const sum = vocab.reduce((a, w) => a + p(h, w), 0);
    t.true(Math.abs(sum - 1) < 1e-4, `Σ p(w | ${h.join(' ')}) = ${sum}`);
  }
  t.throws(() => writeMixedArpa([{ model: context, weight: 1 }], new Map([['why', undefined]])), { message: /none of the sentence starts is in the model/ });
  t.throws(() => writeMixedArpa([{ model: context, weight: 1 }], new Map([['to', ['whose']]])), { message: /allowed after the start "to"/ });
  // The openings' own starts: interrogatives free, a fronted preposition held to its wh-words.
  t.is(QUESTION_STARTS.get('who'), undefined);
  t.true(QUESTION_STARTS.has('who') && QUESTION_STARTS.has('how') && !QUESTION_STARTS.has('the') && !QUESTION_STARTS.has('did'));
  t.deepEqual([...QUESTION_STARTS.get('to')!].sort(), ['what', 'which', 'whom']);
  t.deepEqual(QUESTION_STARTS.get('do'), ['you']);
});

test('spellings: British and American variants share a key, and a recognised word takes the context\'s spelling, else the one the reader splits least', (t) => {
  t.is(spellingKey('organization'), 'organisation');
  t.is(spellingKey('honors'), 'honours');
  t.deepEqual(spellingVariants('organisation').sort(), ['organisation', 'organization']);
  t.deepEqual(spellingVariants('colour').sort(), ['color', 'colour']);
  t.deepEqual(spellingVariants('brewery'), ['brewery']);
  const pieces = (w: string): number => ({ organisation: 1, organization: 5, specialise: 1, specialize: 4, precise: 1, precize: 3 } as Record<string, number>)[w] ?? 2;
  t.is(chooseSpelling('organization', { pieces }), 'organisation', 'the reader knows the British spelling whole');
  t.is(chooseSpelling('organization', { pieces, written: (w) => (w === 'organization' ? 'Organization' : undefined) }), 'Organization', "the context's spelling first");
  t.is(chooseSpelling('precise', { pieces }), 'precise', 'a rule\'s non-word is not chosen');
  t.is(chooseSpelling('organization', {}), 'organization', 'no reader, no context: as recognised');
  t.is(chooseSpelling('colour', { pieces }), 'colour', 'a tie keeps the recognised spelling');
  t.is(writeBack(['which', 'organization', 'did', 'kowalski', 'found'], { numbers: new Map(), surfaces: new Map([['kowalski', 'Kowalski']]) } as never, pieces), 'Which organisation did Kowalski found?');
  t.is(wordErrors('Which organisation did she found?', 'which organization did she found').errors, 0);
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
  // Question nouns after "which"/"what" (a question's start, no end) and collocations as fragments.
  t.true(corpus.sentences.some((s) => s.words.join(' ') === 'which river' && s.bos !== false && s.eos === false));
  t.true(corpus.sentences.some((s) => s.words.join(' ') === 'what prize was' && s.eos === false));
  t.true(corpus.sentences.some((s) => s.words.join(' ') === 'runs through' && s.bos === false && s.eos === false));
  const total = (c: ReturnType<typeof questionCorpus>): number => c.sentences.reduce((a, s) => a + s.weight, 0);
  t.true(Math.abs(total(corpus) - total(questionCorpus(context, { ...DEFAULT_WEIGHTS, phrases: 0 })) - DEFAULT_WEIGHTS.phrases) < 1e-9, 'the nouns and collocations weigh `phrases` in all');
});

test('a passive in the present is asked in the present; question patterns about names in words the text may not use', (t) => {
  t.deepEqual(['govern', 'teach', 'carry', 'go', 'have', 'be', 'pass', 'play'].map(thirdPerson), ['governs', 'teaches', 'carries', 'goes', 'has', 'is', 'passes', 'plays']);
  const lemma = makeLemmatiser((w) => ['govern', 'found'].includes(w), () => 1);
  const qs = generateQuestions('Omvemstad is governed by Ara Birrenko. The Bosnalia Brewery was founded by Ara Birrenko.', lemma).map((q) => q.words.join(' '));
  t.true(qs.includes('who governs omvemstad'), qs.join('; '));
  t.false(qs.includes('who governed omvemstad'), 'not in the past');
  t.true(qs.includes('who founded the bosnalia brewery'), 'a past passive stays past');
  const patterns = patternSentences([['ara', 'birrenko'], ['omvemstad']]).map((s) => `${s.bos === false ? '' : '<s> '}${s.words.join(' ')}${s.eos === false ? '' : ' </s>'}`);
  for (const p of ['did ara birrenko study </s>', 'does omvemstad have </s>', "ara birrenko's birthplace </s>", 'the population of omvemstad </s>', '<s> what is the population of', '<s> how many bridges', '<s> how many people are']) {
    t.true(patterns.includes(p), `${p} not among the patterns`);
  }
  const context = 'Omvemstad is governed by Ara Birrenko.';
  t.deepEqual(questionCorpus(context, { ...DEFAULT_WEIGHTS, patterns: 0 }).patterns, [], 'no patterns at weight 0');
  t.true(questionCorpus(context, { ...DEFAULT_WEIGHTS, patterns: 0.1 }).patterns.length > 0);
});

test('word error rate: substitutions, deletions and insertions over the reference, spellings and number commas forgiven', (t) => {
  t.deepEqual(wordErrors('Where was Maria Kowalski born?', 'where was maria kowalski born'), { errors: 0, words: 5 });
  t.deepEqual(wordErrors('Where was Maria Kowalski born?', 'where was the real god incarnate'), { errors: 4, words: 5 });
  t.deepEqual(wordErrors('How many staff?', 'how many of the staff'), { errors: 2, words: 3 });
  t.deepEqual(wordErrors('Which organisation has 51,000 staff?', 'which organization has 51000 staff'), { errors: 0, words: 5 });
  t.deepEqual(wordErrors('Who won?', ''), { errors: 2, words: 2 });
});

test('the benchmark\'s error breakdown: the alignment of the word error rate, words by kind, the first word, the commonest edits', (t) => {
  t.deepEqual(alignWords(['when', 'did', 'maria', 'die'], ['where', 'did', 'maria', 'kowalski', 'die']), [{ ref: 0, hyp: 'where' }, { ref: -1, hyp: 'kowalski' }]);
  t.deepEqual(alignWords(['who', 'was', 'born'], ['was', 'born']), [{ ref: 0, hyp: undefined }]);
  const b = errorBreakdown([
    { question: 'When did Maria Kowalski die?', transcript: 'where did maria kowalski die' },
    { question: 'Who founded the Bosnalia Brewery in 1749?', transcript: 'who founded a bosnalia brewery' },
  ], (w) => !['kowalski', 'bosnalia'].includes(w));
  t.deepEqual(Object.fromEntries(b.kinds), {
    function: { words: 5, errors: 3 }, name: { words: 4, errors: 0 }, other: { words: 2, errors: 0 }, number: { words: 1, errors: 1 },
  });
  t.is(b.firstWordWrong, 1);
  t.deepEqual(Object.fromEntries(b.confusions), { 'when→where': 1, 'the→a': 1, 'in→∅': 1, '1749→∅': 1 });
  t.regex(describeBreakdown(b, 2), /^errors by reference word: function 3\/5 \(60\.0%\), .*first word wrong in 1\/2; commonest: when→where 1/);
});

test("PocketSphinx's -time output: words with posteriors, alternates and fillers taken out", (t) => {
  const out = 'where was maria kowalski born\n<s> 0.000 0.070 1.000100\nwhere(2) 0.080 0.350 0.362976\nwas 0.360 0.510 0.998102\n<sil> 0.930 1.020 0.956758\n[NOISE] 1.0 1.1 0.5\nmaria 1.030 1.180 0.9\nkowalski 1.19 1.58 0.45\nborn 1.6 1.9 1\n</s> 1.590 1.870 1.000000\n';
  t.deepEqual(parseTimedWords(out).map((w) => [w.word, w.posterior]), [['where', 0.362976], ['was', 0.998102], ['maria', 0.9], ['kowalski', 0.45], ['born', 1]]);
  t.deepEqual(parseTimedWords(''), []);
});

test("pocketsphinx_batch's -hypseg line and HTK lattice: words with their frames and summed node posteriors; decoder settings as options", (t) => {
  const hypseg = 'utt S 0 T -10890112 A -10364928 L -525184 0 -123904 0 <s> 3 -626688 -204 where 24 -709632 -140 was(2) 49 -2432000 -30 henrik 101 -1831936 -6 vasquelin 172 -321536 -524288 <sil> 176 -2159616 -408 born 216 -2159616 -108 </s> 264';
  const lattice = ['VERSION=1.0', 'N=8\tL=9', 'I=0\tt=2.16\tW=!SENT_END\tv=1', 'I=1\tt=1.76\tW=born\tv=1', 'I=2\tt=1.77\tW=barack\tv=1',
    'I=3\tt=0.24\tW=was\tv=2', 'I=4\tt=0.25\tW=was\tv=1', 'I=5\tt=0.03\tW=where\tv=1', 'I=6\tt=0.00\tW=!SENT_START\tv=1', 'I=7\tt=0.40\tW=was\tv=1',
    'J=0\tS=1\tE=0\ta=-234.8\tp=0.9', 'J=1\tS=1\tE=0\ta=-230.1\tp=0.05', 'J=2\tS=2\tE=0\ta=-150.6\tp=0.05',
    'J=3\tS=3\tE=1\ta=-10\tp=0.5', 'J=4\tS=4\tE=1\ta=-11\tp=0.45', 'J=5\tS=7\tE=1\ta=-11\tp=0.05', 'J=6\tS=5\tE=3\ta=-9\tp=0.6', 'J=7\tS=5\tE=4\ta=-9\tp=0.4', 'J=8\tS=6\tE=5\ta=-1\tp=1'].join('\n');
  const words = parseHypseg(hypseg, latticePosteriors(lattice));
  t.deepEqual(words.map((w) => w.word), ['where', 'was', 'henrik', 'vasquelin', 'born']);
  t.deepEqual(words.map((w) => [w.start, w.end]), [[0.03, 0.24], [0.24, 0.49], [0.49, 1.01], [1.01, 1.72], [1.76, 2.16]]);
  // "was" sums its two pronunciations' nodes at about its start, not the "was" a word later; a word missing from the lattice has none.
  t.deepEqual(words.map((w) => Number(w.posterior.toFixed(4))), [1, 0.95, 0, 0, 0.95]);
  t.deepEqual(parseHypseg(''), []);
  t.deepEqual(parseHypseg('utt S 0 T 0 A 0 L 0 0 0 0 <s> 5 0 0 <sil> 90 0 0 </s> 100').map((w) => w.word), []);
  t.deepEqual(decoderArgs({ lw: 8, dither: true, bestpath: false }), ['-bestpath', 'no', '-dither', 'yes', '-lw', '8']);
  t.throws(() => decoderArgs({ '-lw': 8 }), { message: /^decoder setting "-lw": not an option name/ });
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

/** libsphinxbase (Debian's libsphinxbase3) scoring the generic model itself: the authority for the trie reader. */
function sphinxbaseScorer(): ((words: string[]) => number) | string {
  let lib: ReturnType<typeof koffi.load>;
  try {
    lib = koffi.load('libsphinxbase.so.3');
  } catch {
    return 'libsphinxbase.so.3 is not installed (apt-get install libsphinxbase3)';
  }
  const logmathInit = lib.func('void *logmath_init(double base, int shift, int use_table)');
  const read = lib.func('void *ngram_model_read(void *config, const char *path, int type, void *lmath)');
  const wid = lib.func('int ngram_wid(void *model, const char *word)');
  const score = lib.func('int ngram_ng_score(void *model, int wid, int *hist, int n_hist, _Out_ int *n_used)');
  // sphinxbase's INFO lines off (err_set_logfp(NULL) disables its log).
  lib.func('void err_set_logfp(void *fp)')(null);
  const model = read(null, GENERIC_LM, 0, logmathInit(1.0001, 0, 0));
  // ngram_ng_score's history is the previous words, most recent first; the score is in logmath units (base 1.0001).
  return (words) => {
    const ids = words.map((w) => wid(model, w) as number);
    const used = [0];
    return score(model, ids.at(-1)!, Int32Array.from(ids.slice(0, -1).reverse()), ids.length - 1, used) as number;
  };
}

testUnless(existsSync(GENERIC_LM) || process.env.CI !== undefined ? null : `${GENERIC_LM} is missing (apt-get install pocketsphinx-en-us)`)(
  "the generic model's frequent bigrams and trigrams come out of the trie with the probabilities libsphinxbase gives them", (t) => {
    const g = readGenericNgrams(GENERIC_LM, 1e-5);
    t.true(g.unigrams.length > 4000 && g.bigrams.length > 8000 && g.trigrams.length > 3000, `${g.unigrams.length} ${g.bigrams.length} ${g.trigrams.length}`);
    const find = (list: typeof g.bigrams, s: string): number | undefined => list.find((x) => x.words.join(' ') === s)?.probability;
    for (const s of ['<s> what', 'what is', 'in charge', 'who is', 'of the']) t.true(find(g.bigrams, s) !== undefined, s);
    for (const s of ['in charge of', '<s> who is', 'a lot of']) t.true(find(g.trigrams, s) !== undefined, s);
    t.true(find(g.bigrams, 'the of') === undefined, 'a sequence English does not use is not frequent');
    for (const n of [...g.unigrams, ...g.bigrams, ...g.trigrams]) t.true(n.probability >= 1e-5, n.words.join(' '));
    const scorer = sphinxbaseScorer();
    if (typeof scorer === 'string') {
      // Under CI (.ci/run installs libsphinxbase3) the authority must be there; elsewhere the
      // trie's own checks above stand and the log says what was not compared.
      if (process.env.CI !== undefined) t.fail(`not checked against libsphinxbase: ${scorer}`);
      else t.log(`not checked against libsphinxbase: ${scorer}`);
      return;
    }
    // p(a b) = p(a) p(b | a) and p(c a b) = p(c) p(a | c) p(b | c a), each factor as libsphinxbase scores it.
    const ln = (x: number): number => Math.log(x) / Math.log(1.0001);
    let checked = 0;
    const pick = <T>(xs: readonly T[]): T[] => Array.from({ length: 40 }, (_, i) => xs[Math.floor((i * xs.length) / 40)]!);
    for (const b of pick(g.bigrams.filter((x) => x.words[0] !== '<s>'))) {
      const expected = scorer([b.words[0]!]) + scorer(b.words as string[]);
      t.true(Math.abs(ln(b.probability) - expected) < 2, `${b.words.join(' ')}: ${ln(b.probability)} vs libsphinxbase ${expected}`);
      checked++;
    }
    for (const c of pick(g.trigrams.filter((x) => x.words[0] !== '<s>'))) {
      const expected = scorer([c.words[0]!]) + scorer(c.words.slice(0, 2) as string[]) + scorer(c.words as string[]);
      t.true(Math.abs(ln(c.probability) - expected) < 3, `${c.words.join(' ')}: ${ln(c.probability)} vs libsphinxbase ${expected}`);
      checked++;
    }
    t.is(checked, 80);
    t.log(`80 n-grams agree with libsphinxbase, e.g. ${g.trigrams[0]!.words.join(' ')}: ${ln(g.trigrams[0]!.probability).toFixed(1)}`);
    t.throws(() => readGenericNgrams(GENERIC_LM, 0), { message: /minProbability must be in \(0, 1\)/ });
  });
