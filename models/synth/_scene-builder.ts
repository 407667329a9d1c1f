/**
 * The shared machinery of the scene makers: fresh entities, random literal values kept distinct
 * within a paragraph (two facts never share a year or a number, so every answer is one span and a
 * question has one right reading), facts, and the sentence plan.
 */
import type { Prng } from './_prng.ts';
import { AWARD_WORDS, INDUSTRIES, MONTHS, ORG_KINDS, ORG_QUALIFIERS, PROFESSIONS } from './lexicon.ts';
import type { Gender, NameGenerator } from './names.ts';
import type { ValueType } from './relation.ts';
import { relationById } from './relations.ts';
import type { City, Entity, Fact, Filler, Literal, Org, Person, Scene, Statement, Value } from './world.ts';

/** Thousands separated by commas, as English text writes them. */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** 10^k by multiplication, exact on every engine (`**` is pow(), which need not be). */
function pow10(k: number): number {
  let x = 1;
  for (let i = 0; i < k; i++) x *= 10;
  return x;
}

export class SceneBuilder {
  readonly rng: Prng;
  readonly names: NameGenerator;
  readonly facts: Fact[] = [];
  readonly plan: (Statement | Filler)[] = [];
  /** Ids of entities and facts, unique within the scene. */
  #nextId = 0;
  readonly #years = new Set<number>();
  readonly #literals = new Set<string>();
  readonly #orgNouns = new Set<string>();
  /** "4 May 1843" or "May 4, 1843": one style per paragraph, as an author would keep. */
  readonly #dayFirst: boolean;

  constructor(rng: Prng, names: NameGenerator) {
    this.rng = rng;
    this.names = names;
    this.#dayFirst = rng.chance(0.5);
  }

  person(gender: Gender, firstOnly = false, last?: string): Person {
    return { kind: 'person', id: this.#nextId++, first: this.names.firstName(gender), last: last ?? this.names.surname(), gender, firstOnly };
  }

  /** An organisation whose second-mention noun ("the bank") no other organisation of the scene has. */
  org(category: 'firm' | 'school'): Org {
    const kinds = ORG_KINDS.filter((k) => k.category === category && !this.#orgNouns.has(k.noun));
    const kind = this.rng.pick(kinds.length > 0 ? kinds : ORG_KINDS.filter((k) => k.category === category));
    this.#orgNouns.add(kind.noun);
    const qualifier = this.rng.chance(0.25) ? `${this.rng.pick(ORG_QUALIFIERS)} ` : '';
    return { kind: 'org', id: this.#nextId++, name: `${qualifier}${this.names.brand()} ${kind.word}`, noun: kind.noun, category, produces: kind.produces };
  }

  city(noun: string = 'city'): City {
    return { kind: 'city', id: this.#nextId++, name: this.names.place(), noun };
  }

  /** A literal of `type`, distinct from every other literal of the scene (retries `make`). */
  literal(type: ValueType, make: () => string, pre?: string): Literal {
    let text = make();
    for (let i = 0; i < 30 && this.#literals.has(`${type}:${text}`); i++) text = make();
    this.#literals.add(`${type}:${text}`);
    return pre === undefined ? { kind: 'literal', type, text } : { kind: 'literal', type, text, pre };
  }

  /** A year in [lo, hi] that no other time value of the scene has. */
  yearNumber(lo: number, hi: number): number {
    let y = this.rng.range(lo, Math.max(lo, hi));
    for (let i = 0; i < 40 && this.#years.has(y); i++) y = this.rng.range(lo, Math.max(lo, hi));
    this.#years.add(y);
    return y;
  }

  year(lo: number, hi: number): Literal {
    const y = this.yearNumber(lo, hi);
    return { kind: 'literal', type: 'time', text: String(y), prep: 'in', year: y };
  }

  /** A full date ("4 May 1843") or, with probability 1 − pDate, a bare year. */
  date(lo: number, hi: number, pDate = 0.5): Literal {
    if (!this.rng.chance(pDate)) return this.year(lo, hi);
    const y = this.yearNumber(lo, hi);
    const month = this.rng.pick(MONTHS);
    const day = this.rng.range(1, 28);
    const text = this.#dayFirst ? `${day} ${month} ${y}` : `${month} ${day}, ${y}`;
    return { kind: 'literal', type: 'time', text, prep: 'on', year: y };
  }

  /**
   * A count from [lo, hi] with a uniformly drawn number of digits (populations span orders of
   * magnitude), rounded to three significant digits, written with commas and an optional unit.
   * Integer arithmetic only: Math.log/exp may round differently on another engine (QuickJS), and
   * a seed must give the same bytes everywhere.
   */
  count(lo: number, hi: number, unit = '', type: ValueType = 'number'): Literal {
    return this.literal(type, () => {
      const digits = this.rng.range(String(lo).length, String(hi).length);
      const from = Math.max(lo, pow10(digits - 1)), to = Math.min(hi, pow10(digits) - 1);
      const step = pow10(Math.max(0, digits - 3));
      const n = Math.min(to, Math.max(from, Math.round(this.rng.range(from, to) / step) * step));
      return formatCount(n) + unit;
    });
  }

  profession(): Literal {
    return this.literal('profession', () => this.rng.pick(PROFESSIONS));
  }

  award(): Literal {
    return this.literal('award', () => `${this.names.brand()} ${this.rng.pick(AWARD_WORDS)}`, 'the ');
  }

  /**
   * A random value for `rel` of `subject`; `era` is the year the subject's story starts (a
   * person's birth, an organisation's founding), so that the years of one life stay in order.
   */
  value(rel: string, subject: Entity, era: number): Value {
    const rng = this.rng;
    const gender = (): 'f' | 'm' => (rng.chance(0.5) ? 'f' : 'm');
    switch (rel) {
      case 'born_in': case 'moved_to': case 'based_in': return this.city();
      case 'born_date': return this.date(era - 10, era + 12);
      case 'died': return this.year(Math.min(2000, era + 40), Math.min(2020, era + 95));
      case 'profession': return this.profession();
      case 'works_for': case 'founded': return this.org(rng.chance(0.7) ? 'firm' : 'school');
      case 'studied_at': return this.org('school');
      case 'founded_year': return this.year(era, Math.min(2020, era + 40));
      case 'closed': return this.year(Math.min(2017, era + 3), 2020);
      case 'employees': return this.count(12, 60000);
      case 'students': return this.count(150, 40000);
      case 'branches': return this.count(2, 90);
      case 'books': return this.count(2, 60);
      case 'children': return this.count(2, 11);
      case 'bridges': return this.count(2, 40);
      case 'population': return this.count(300, 2000000);
      case 'elevation': return this.count(3, 2400, ' metres', 'height');
      case 'area': return this.count(4, 900, ' square kilometres', 'area');
      case 'director': case 'founder': case 'mayor': case 'city_founder': return this.person(gender());
      case 'products': case 'field': return this.literal('product', () => rng.pick(subject.kind === 'org' ? subject.produces : INDUSTRIES));
      case 'industry': return this.literal('product', () => rng.pick(INDUSTRIES));
      case 'region': return this.literal('region', () => this.names.region());
      case 'river': return this.literal('river', () => this.names.river());
      case 'city_founded': return this.year(800, 1850);
      case 'award': return this.award();
      default: throw new Error(`no value maker for relation ${rel}`);
    }
  }

  /**
   * Up to `n` facts about `subject`, one sentence each, from relations it has none of yet; with
   * `like` given, mostly relations `like` has too, so that the paragraph holds two values of one
   * kind (two birthplaces, two populations) that a reader must tell apart.
   */
  details(subject: Entity, rels: readonly string[], n: number, era: number, like?: Entity): Statement[] {
    const open = rels.filter((rel) => this.find(subject, rel) === undefined
      && (subject.kind !== 'org' || (relationById(rel).category ?? subject.category) === subject.category));
    const shared = like === undefined ? [] : open.filter((rel) => this.find(like, rel) !== undefined);
    const pool = this.rng.shuffle([...(shared.length > 0 && this.rng.chance(0.75) ? shared : open)]);
    return pool.slice(0, n).map((rel) => this.statement(this.fact(rel, subject, this.value(rel, subject, era))));
  }

  /** A fact; a subject has at most one fact of each relation, so every question has one answer. */
  fact(rel: string, subject: Entity, object: Entity | Literal): Fact {
    const r = relationById(rel);
    if (r.subject !== subject.kind) throw new Error(`${rel}: subject must be a ${r.subject}`);
    if (this.find(subject, rel) !== undefined) throw new Error(`${rel} stated twice for one subject`);
    const f: Fact = { id: this.#nextId++, rel, subject, object };
    this.facts.push(f);
    return f;
  }

  find(subject: Entity, rel: string): Fact | undefined {
    return this.facts.find((f) => f.subject === subject && f.rel === rel);
  }

  statement(fact: Fact, companions: readonly (Fact | null)[] = []): Statement {
    return { kind: 'statement', fact, companions: companions.filter((c): c is Fact => c !== null) };
  }

  /** The scene with `blocks` of sentences in order. */
  scene(focus: Entity, peers: readonly Entity[], blocks: readonly (readonly (Statement | Filler)[])[]): Scene {
    return { focus, peers, facts: this.facts, plan: blocks.flat() };
  }

  /** Swaps neighbouring blocks now and then, so that paragraphs do not all tell things in one order. */
  jumble<T>(blocks: T[], p = 0.35): T[] {
    for (let i = 0; i + 1 < blocks.length; i++) {
      if (this.rng.chance(p)) {
        const t = blocks[i] as T;
        blocks[i] = blocks[i + 1] as T;
        blocks[i + 1] = t;
      }
    }
    return blocks;
  }
}
