/**
 * The world behind one English paragraph: entities (people, organisations, places), literal values
 * (times, numbers as people write them, noun phrases) and facts with named roles ("studied" has a
 * field, a school and a time). A fact may be stated with only some of its roles; the roles a
 * paragraph leaves out are what its unanswerable questions ask for.
 */

export type Gender = 'f' | 'm';

/** What an answer is; `elma eval` does not read it, the tests and the statistics do. */
export type AnswerType =
  | 'person' | 'org' | 'place' | 'time' | 'number' | 'money' | 'measure' | 'profession' | 'field'
  | 'description' | 'product' | 'work' | 'award' | 'event' | 'direction'
  /** Words a template needs that are never an answer ("father", "destroyed"). */
  | 'word';

export interface Person {
  readonly kind: 'person';
  readonly id: number;
  readonly first: string;
  readonly last: string;
  readonly gender: Gender;
}

/** What an organisation is: the word in its name, what the text calls it later, what it is known for. */
export interface OrgType {
  readonly id: string;
  /** What kind of thing its products are, which picks the verbs that state them. */
  readonly offers: 'goods' | 'services' | 'collection' | 'music' | 'teaching' | 'sport';
  /** In its name: "Bakery" of "the Kowalski Bakery"; "" when the name is a brand alone ("Nordlys"). */
  readonly word: string;
  /** A second mention: "the bakery". */
  readonly noun: string;
  /** Noun phrases that describe one ("a small family bakery"). */
  readonly descriptions: readonly string[];
  /** What it makes or does, as noun phrases ("bread", "cakes"). */
  readonly products: readonly string[];
  /** What its leader is called ("head teacher", "chief executive"). */
  readonly leader: readonly string[];
  /** What it counts besides staff: members, pupils, beds, visitors a year. */
  readonly counts: readonly string[];
}

export interface Org {
  readonly kind: 'org';
  readonly id: number;
  /** Without the article: "Kowalski Bakery", "University of Lund". */
  readonly name: string;
  /** Whether the text writes "the" before it. */
  readonly article: boolean;
  readonly type: OrgType;
}

export type PlaceType = 'city' | 'town' | 'village' | 'island' | 'river' | 'bridge' | 'building' | 'park' | 'region' | 'lake';

export interface Place {
  readonly kind: 'place';
  readonly id: number;
  readonly name: string;
  readonly article: boolean;
  readonly type: PlaceType;
}

export type Entity = Person | Org | Place;

export interface Literal {
  readonly kind: 'literal';
  readonly type: AnswerType;
  /** The answer as the text writes it: "about 42,000", "a small bakery", "4 May 1984". */
  readonly text: string;
  /** Other acceptable answers, each a substring of `text` ("42,000" of "about 42,000"). */
  readonly alts: readonly string[];
  /** Time values: the preposition before them ("in", "on"); never part of the answer. */
  readonly prep?: string;
  /** Time values: the year, to keep a paragraph's years apart and a life in order. */
  readonly year?: number;
  /** How a question names it, when it may ("the bakery" for "a small bakery"). */
  readonly asked?: string;
}

export type Value = Entity | Literal;

export interface Fact {
  readonly id: number;
  readonly kind: string;
  readonly subject: Entity;
  readonly roles: Readonly<Record<string, Value>>;
}

export function isEntity(v: Value): v is Entity {
  return v.kind !== 'literal';
}

export function answerType(v: Value): AnswerType {
  return v.kind === 'literal' ? v.type : v.kind;
}

/** The full name as a question or a first mention writes it: "Maria Kowalski", "the Kowalski Bakery", "the Vistula". */
export function fullName(e: Entity): string {
  if (e.kind === 'person') return `${e.first} ${e.last}`;
  return e.article ? `the ${e.name}` : e.name;
}

/** The part of the full name that is the answer (the article stays outside). */
export function nameSpanText(e: Entity): string {
  return e.kind === 'person' ? `${e.first} ${e.last}` : e.name;
}

/** A stable key for counting distinct candidates of one type in a paragraph. */
export function valueKey(v: Value): string {
  return v.kind === 'literal' ? `${v.type}:${v.text}` : `${v.kind}#${v.id}`;
}
