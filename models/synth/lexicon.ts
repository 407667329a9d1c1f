/**
 * The fixed, non-name vocabulary of the fictional world: professions, goods, fields of study,
 * kinds of organisation, months. Kept modest on purpose: a small model trained from scratch must
 * learn these words from ~20–50k questions, so the variety lives in names and numbers (random)
 * and in the templates, not in a large word list.
 */

export const PROFESSIONS: readonly string[] = [
  'chemist', 'painter', 'engineer', 'surgeon', 'architect', 'lawyer', 'teacher', 'sculptor', 'journalist',
  'astronomer', 'banker', 'merchant', 'composer', 'botanist', 'geologist', 'printer', 'shipbuilder',
  'watchmaker', 'pharmacist', 'photographer', 'librarian', 'carpenter', 'brewer', 'mapmaker', 'violinist',
  'novelist', 'poet', 'physician', 'inventor', 'diplomat',
];

/** What a kind of organisation is called in its name, what the text calls it ("the bank"), what it makes. */
export interface OrgKind {
  readonly word: string;
  readonly noun: string;
  readonly category: 'firm' | 'school';
  /** Goods or services (firms) or fields (schools). */
  readonly produces: readonly string[];
}

const GOODS = ['textiles', 'glass', 'clocks', 'paper', 'steel', 'soap', 'furniture', 'pianos', 'bicycles', 'lamps', 'rope', 'porcelain', 'tools', 'shoes', 'hats', 'candles'];
const FIELDS = ['chemistry', 'law', 'medicine', 'music', 'astronomy', 'geology', 'botany', 'mathematics', 'engineering', 'philosophy', 'history', 'economics', 'architecture', 'painting', 'physics', 'agriculture', 'navigation'];

export const ORG_KINDS: readonly OrgKind[] = [
  { word: 'Company', noun: 'company', category: 'firm', produces: GOODS },
  { word: 'Trading Company', noun: 'company', category: 'firm', produces: ['tea', 'spices', 'coffee', 'silk', 'salt', 'sugar', 'tobacco', 'furs'] },
  { word: 'Bank', noun: 'bank', category: 'firm', produces: ['loans', 'mortgages', 'savings accounts', 'insurance'] },
  { word: 'Shipyard', noun: 'shipyard', category: 'firm', produces: ['ships', 'ferries', 'fishing boats', 'steamships', 'yachts'] },
  { word: 'Brewery', noun: 'brewery', category: 'firm', produces: ['beer', 'ale', 'cider', 'lager'] },
  { word: 'Press', noun: 'publisher', category: 'firm', produces: ['newspapers', 'maps', 'dictionaries', 'novels', 'school books', 'atlases'] },
  { word: 'Mills', noun: 'mill', category: 'firm', produces: ['flour', 'paper', 'cloth', 'wool', 'silk', 'timber'] },
  { word: 'Foundry', noun: 'foundry', category: 'firm', produces: ['bells', 'cannons', 'iron pipes', 'steel beams', 'engines'] },
  { word: 'Railway', noun: 'railway', category: 'firm', produces: ['freight transport', 'passenger services', 'mail transport'] },
  { word: 'University', noun: 'university', category: 'school', produces: FIELDS },
  { word: 'Academy', noun: 'academy', category: 'school', produces: FIELDS },
  { word: 'Institute', noun: 'institute', category: 'school', produces: FIELDS },
  { word: 'College', noun: 'college', category: 'school', produces: FIELDS },
  { word: 'Conservatory', noun: 'conservatory', category: 'school', produces: ['music', 'singing', 'composition', 'dance', 'theatre'] },
];

/** An optional first word of an organisation's name ("Royal Draventi Bank"). */
export const ORG_QUALIFIERS: readonly string[] = ['Royal', 'National', 'Northern', 'Southern', 'United', 'Free', 'General', 'Imperial'];

/** The kinds of prize: "the Velmar Prize", "the Osrin Medal". */
export const AWARD_WORDS: readonly string[] = ['Prize', 'Medal', 'Award', 'Gold Medal', 'Cross'];

/** What a town lives from. */
export const INDUSTRIES: readonly string[] = [
  'fishing', 'shipbuilding', 'wine', 'textiles', 'mining', 'salt', 'timber', 'glass', 'tourism', 'coal',
  'wool', 'printing', 'silver mining', 'olive oil', 'cheese', 'pottery',
];

export const CITY_NOUNS: readonly string[] = ['city', 'town', 'port'];

export const MONTHS: readonly string[] = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * Words a generated name must not equal (case-insensitive): function words and the words of the
 * templates most likely to come out of the syllable generator, so that "the answer never occurs in
 * the question" is a property of the text, not of an unlucky name like "Born".
 */
export const COMMON_WORDS: ReadonlySet<string> = new Set([
  'a', 'an', 'the', 'in', 'on', 'at', 'to', 'of', 'by', 'for', 'from', 'with', 'and', 'or', 'as', 'is', 'was', 'be',
  'he', 'she', 'his', 'her', 'its', 'it', 'who', 'what', 'when', 'where', 'which', 'how', 'many', 'had', 'has', 'did',
  'born', 'died', 'city', 'town', 'port', 'bank', 'mill', 'tea', 'salt', 'ale', 'son', 'ran', 'run', 'led', 'wed',
  'won', 'home', 'main', 'staff', 'river', 'lies', 'sea', 'level', 'year', 'may', 'june', 'july', 'prize', 'medal',
  'award', 'cross', 'press', 'rope', 'hats', 'glass', 'coal', 'wool', 'wine', 'silk', 'beer', 'ships', 'tools',
  'law', 'history', 'music', 'dance', 'poet', 'pianos', 'lamps', 'maps', 'loans', 'came', 'trade', 'home', 'late',
  'rival', 'mayor', 'sister', 'brother', 'wife', 'husband', 'later', 'long', 'old', 'new', 'north', 'south',
  'moved', 'settled', 'joined', 'books', 'children', 'people', 'metres', 'square', 'area', 'high', 'open', 'close',
]);
