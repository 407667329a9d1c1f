/**
 * English word forms the templates need: verb inflection (past, past participle, -ing, third
 * person), "a" or "an", capitals, and numbers in words. Regular rules plus the irregular verbs the
 * generator's lexicon uses; a verb outside the table is inflected by rule, which the tests check.
 */

const IRREGULAR: Readonly<Record<string, readonly [past: string, participle: string]>> = {
  set: ['set', 'set'], buy: ['bought', 'bought'], lead: ['led', 'led'], run: ['ran', 'run'], write: ['wrote', 'written'],
  take: ['took', 'taken'], go: ['went', 'gone'], win: ['won', 'won'], make: ['made', 'made'], build: ['built', 'built'],
  begin: ['began', 'begun'], grow: ['grew', 'grown'], hold: ['held', 'held'], become: ['became', 'become'], give: ['gave', 'given'],
  teach: ['taught', 'taught'], read: ['read', 'read'], bring: ['brought', 'brought'], put: ['put', 'put'], pen: ['penned', 'penned'],
  lie: ['lay', 'lain'], shut: ['shut', 'shut'], have: ['had', 'had'], do: ['did', 'done'], be: ['was', 'been'], wed: ['wed', 'wed'],
  leave: ['left', 'left'], meet: ['met', 'met'], sell: ['sold', 'sold'], spend: ['spent', 'spent'], draw: ['drew', 'drawn'],
  found: ['founded', 'founded'], stand: ['stood', 'stood'], rise: ['rose', 'risen'], fall: ['fell', 'fallen'], know: ['knew', 'known'],
  see: ['saw', 'seen'], come: ['came', 'come'], keep: ['kept', 'kept'], get: ['got', 'got'], feed: ['fed', 'fed'],
};

const VOWEL = /[aeiou]/;

/** Doubles a final consonant after one short stressed vowel ("plan" → "plann-"), as English spells it. */
function doubled(w: string): boolean {
  return /^[^aeiou]*[aeiou][bdgklmnprt]$/.test(w) && !/(w|x|y)$/.test(w);
}

function regularPast(w: string): string {
  if (w.endsWith('e')) return `${w}d`;
  if (/[^aeiou]y$/.test(w)) return `${w.slice(0, -1)}ied`;
  if (doubled(w)) return `${w}${w.slice(-1)}ed`;
  return `${w}ed`;
}

export type VerbForm = 'base' | 'past' | 'pp' | 'ing' | 's';

/** One word inflected; phrasal verbs ("set up", "pass away") inflect their first word. */
export function inflect(verb: string, form: VerbForm): string {
  const sp = verb.indexOf(' ');
  if (sp > 0) return inflect(verb.slice(0, sp), form) + verb.slice(sp);
  switch (form) {
    case 'base': return verb;
    case 'past': return IRREGULAR[verb]?.[0] ?? regularPast(verb);
    case 'pp': return IRREGULAR[verb]?.[1] ?? regularPast(verb);
    case 'ing':
      if (verb === 'lie') return 'lying';
      if (verb.endsWith('ie')) return `${verb.slice(0, -2)}ying`;
      if (verb.endsWith('e') && !verb.endsWith('ee')) return `${verb.slice(0, -1)}ing`;
      if (doubled(verb)) return `${verb}${verb.slice(-1)}ing`;
      return `${verb}ing`;
    case 's':
      if (verb === 'have') return 'has';
      if (/(s|sh|ch|x|z|o)$/.test(verb)) return `${verb}es`;
      if (/[^aeiou]y$/.test(verb)) return `${verb.slice(0, -1)}ies`;
      return `${verb}s`;
  }
}

/** A noun's plural by rule ("company" → "companies", "business" → "businesses"). */
export function plural(noun: string): string {
  const sp = noun.lastIndexOf(' ');
  if (sp > 0) return noun.slice(0, sp + 1) + plural(noun.slice(sp + 1));
  if (noun === 'child') return 'children';
  if (/(s|sh|ch|x|z)$/.test(noun)) return `${noun}es`;
  if (/[^aeiou]y$/.test(noun)) return `${noun.slice(0, -1)}ies`;
  return `${noun}s`;
}

/** "a" or "an" before `word`, by its sound as far as spelling tells ("an hour", "a university"). */
export function article(word: string): string {
  const w = word.toLowerCase();
  if (/^(hour|honou?r|heir)/.test(w)) return 'an';
  if (/^(uni|use|usu|eu|one\b|once)/.test(w)) return 'a';
  return VOWEL.test(w.charAt(0)) ? 'an' : 'a';
}

export function withArticle(np: string): string {
  return `${article(np)} ${np}`;
}

export function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve',
  'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

/** 0–99 in words ("forty-two"); larger numbers in digits, as style guides advise. */
export function numberWord(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 99) return groupDigits(n);
  if (n < 20) return ONES[n] as string;
  const t = TENS[Math.floor(n / 10)] as string;
  return n % 10 === 0 ? t : `${t}-${ONES[n % 10] as string}`;
}

/** Thousands separated by commas: 42000 → "42,000". */
export function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

const ORDINALS = ['', 'first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth', 'eleventh', 'twelfth',
  'thirteenth', 'fourteenth', 'fifteenth', 'sixteenth', 'seventeenth', 'eighteenth', 'nineteenth', 'twentieth', 'twenty-first'];

/** 1–21 as an ordinal word ("the 13th century" is written "the thirteenth century"). */
export function ordinalWord(n: number): string {
  return ORDINALS[n] ?? `${n}th`;
}
