/**
 * The world model behind one paragraph: entities (people, organisations, towns), literal values
 * (years and dates, numbers, professions, goods, provinces, rivers, prizes) and facts linking them.
 * A scene is one paragraph's world: the entity it is about (the focus), the entities of the same
 * kind it also talks about (peers: a brother, a rival bank, a twin town), every fact, and the plan
 * of sentences that state them.
 */
import type { ValueType } from './relation.ts';
import type { Gender } from './names.ts';

export type Kind = 'person' | 'org' | 'city';

export interface Person {
  readonly kind: 'person';
  readonly id: number;
  readonly first: string;
  readonly last: string;
  readonly gender: Gender;
  /** Called by the first name alone (a sibling shares the surname, so the text says "Tomas"). */
  readonly firstOnly: boolean;
}

export interface Org {
  readonly kind: 'org';
  readonly id: number;
  /** Without the article: "Draventi Company". */
  readonly name: string;
  /** What the text calls it on a second mention: "the bank". */
  readonly noun: string;
  readonly category: 'firm' | 'school';
  /** Its goods (firms) or fields (schools), for the products / field relations. */
  readonly produces: readonly string[];
}

export interface City {
  readonly kind: 'city';
  readonly id: number;
  readonly name: string;
  /** "town", "city" or "port": the focus town is "the town" on a second mention. */
  readonly noun: string;
}

export type Entity = Person | Org | City;

export interface Literal {
  readonly kind: 'literal';
  readonly type: ValueType;
  /** The answer text. */
  readonly text: string;
  /** Written before the text but not part of the answer ("the " of "the Velmar Prize"). */
  readonly pre?: string;
  /** Time values: "in 1843" or "on 4 May 1843". */
  readonly prep?: 'in' | 'on';
  /** Time values: the year, to keep the years of one paragraph distinct. */
  readonly year?: number;
}

export type Value = Entity | Literal;

export interface Fact {
  readonly id: number;
  readonly rel: string;
  readonly subject: Entity;
  readonly object: Value;
}

/** One sentence of the plan: a fact, with the companion facts the same sentence states. */
export interface Statement {
  readonly kind: 'statement';
  readonly fact: Fact;
  readonly companions: readonly Fact[];
}

/** A sentence about the focus that states no fact ("Little is known about her early years."). */
export interface Filler {
  readonly kind: 'filler';
  readonly text: string;
}

export interface Scene {
  readonly focus: Entity;
  readonly peers: readonly Entity[];
  readonly facts: readonly Fact[];
  readonly plan: readonly (Statement | Filler)[];
}

export function isEntity(v: Value): v is Entity {
  return v.kind !== 'literal';
}

export function valueType(v: Value): ValueType {
  return v.kind === 'literal' ? v.type : v.kind;
}

/** How a value is written: `pre` (outside the answer) and `text` (the answer). */
export function surface(v: Value): { pre: string; text: string } {
  switch (v.kind) {
    case 'person': return { pre: '', text: v.firstOnly ? v.first : `${v.first} ${v.last}` };
    case 'org': return { pre: 'the ', text: v.name };
    case 'city': return { pre: '', text: v.name };
    case 'literal': return { pre: v.pre ?? '', text: v.text };
  }
}

/** The name a question uses for an entity: "Ama Velkoris", "Tomas", "the Draventi Company", "Kelbora". */
export function fullName(e: Entity): string {
  const s = surface(e);
  return s.pre + s.text;
}

/** A stable key for counting distinct candidates of one type in a paragraph. */
export function valueKey(v: Value): string {
  return v.kind === 'literal' ? `${v.type}:${v.text}` : `${v.kind}#${v.id}`;
}
