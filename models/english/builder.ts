/**
 * The shared machinery of the scene makers: fresh entities with real or invented names, literal
 * values written as people write them ("about 42,000", "nearly 300", "twelve", "$4.5 million",
 * "in the spring of 2011", "on 4 May 1984"), kept distinct within a paragraph (no two facts share
 * a year or a number, so every answer is one span), and facts.
 */
import type { Prng } from '../synth/_prng.ts';
import { groupDigits, numberWord, ordinalWord } from './inflect.ts';
import type { EnglishNames } from './names.ts';
import { MONTHS, ORG_TYPES, SEASONS } from './vocabulary.ts';
import type { AnswerType, Entity, Fact, Gender, Literal, Org, OrgType, Person, Place, PlaceType, Value } from './world.ts';

/** 10^k by multiplication (exact on every engine). */
function pow10(k: number): number {
  let x = 1;
  for (let i = 0; i < k; i++) x *= 10;
  return x;
}

const HEDGES = ['about', 'around', 'nearly', 'almost', 'more than', 'over', 'some', 'roughly', 'just under', 'fewer than'];

export class Builder {
  readonly rng: Prng;
  readonly names: EnglishNames;
  readonly facts: Fact[] = [];
  #nextId = 0;
  readonly #years = new Set<number>();
  readonly #texts = new Set<string>();
  readonly #dayFirst: boolean;

  constructor(rng: Prng, names: EnglishNames) {
    this.rng = rng;
    this.names = names;
    this.#dayFirst = rng.chance(0.6);
  }

  id(): number {
    return this.#nextId++;
  }

  person(gender?: Gender, surname?: string): Person {
    const g = gender ?? (this.rng.chance(0.5) ? 'f' : 'm');
    const { first, last } = this.names.person(g, surname);
    return { kind: 'person', id: this.id(), first, last, gender: g };
  }

  /** An organisation of `type` (or any), named after a person, a place or a brand. */
  org(type?: OrgType | string, town?: Place): Org {
    const t = typeof type === 'string' ? ORG_TYPES.find((x) => x.id === type) : type;
    const ot = t ?? this.rng.pick(ORG_TYPES);
    for (let i = 0; ; i++) {
      const r = this.rng.float();
      let name: string;
      let art = true;
      if (ot.word === '') {
        name = this.rng.chance(0.5) ? `The ${this.names.brand()}s` : this.names.brand();
        art = false;
      } else if (ot.id === 'university' || ot.id === 'college' || ot.id === 'hospital' || ot.id === 'museum' || ot.id === 'library') {
        const where = town?.name ?? this.names.town();
        name = r < 0.5 ? `${ot.word} of ${where}` : `${where} ${ot.word}`;
      } else if (r < 0.4) name = `${this.names.surname()} ${ot.word}`;
      else if (r < 0.6) name = `${town?.name ?? this.names.town()} ${ot.word}`;
      else name = `${this.names.brand()} ${ot.word}`;
      if (this.names.claim(name) || i > 10) return { kind: 'org', id: this.id(), name: name.replace(/^The /, ''), article: art ? true : name.startsWith('The '), type: ot };
    }
  }

  place(type: PlaceType, name?: string): Place {
    const n = name ?? (type === 'river' ? this.names.river() : type === 'island' ? this.names.island() : type === 'region' ? this.names.region() : this.names.town());
    return { kind: 'place', id: this.id(), name: n, article: type === 'river', type };
  }

  /** A landmark: "the Old Bridge", "the Kowalski Building", "Market Park". */
  landmark(type: 'bridge' | 'building' | 'park'): Place {
    for (let i = 0; ; i++) {
      const word = this.names.landmark();
      const noun = type === 'bridge' ? 'Bridge' : type === 'park' ? this.rng.pick(['Park', 'Gardens']) : this.rng.pick(['Hall', 'House', 'Tower', 'Building', 'Exchange']);
      const name = `${word} ${noun}`;
      if (this.names.claim(name) || i > 10) return { kind: 'place', id: this.id(), name, article: true, type };
    }
  }

  /** A literal; `text` is retried through `make` until no other literal of the paragraph has it. */
  literal(type: AnswerType, make: () => { text: string; alts?: string[]; prep?: string; year?: number; asked?: string }): Literal {
    let v = make();
    for (let i = 0; i < 30 && this.#texts.has(v.text); i++) v = make();
    this.#texts.add(v.text);
    return { kind: 'literal', type, text: v.text, alts: v.alts ?? [], ...(v.prep === undefined ? {} : { prep: v.prep }), ...(v.year === undefined ? {} : { year: v.year }), ...(v.asked === undefined ? {} : { asked: v.asked }) };
  }

  word(text: string): Literal {
    return { kind: 'literal', type: 'word', text, alts: [] };
  }

  /** A year in [lo, hi] no other time of the paragraph has. */
  yearNumber(lo: number, hi: number): number {
    let y = this.rng.range(lo, Math.max(lo, hi));
    for (let i = 0; i < 40 && this.#years.has(y); i++) y = this.rng.range(lo, Math.max(lo, hi));
    this.#years.add(y);
    return y;
  }

  /** A time: mostly a bare year; sometimes a full date, a month, a season ("the spring of 2011"). */
  time(lo: number, hi: number, styles: { date?: number; month?: number; season?: number } = {}): Literal {
    const y = this.yearNumber(lo, hi);
    const r = this.rng.float();
    const pd = styles.date ?? 0.08, pm = styles.month ?? 0.08, ps = styles.season ?? 0.06;
    return this.literal('time', () => {
      if (r < pd) {
        const m = this.rng.pick(MONTHS), d = this.rng.range(1, 28);
        return { text: this.#dayFirst ? `${d} ${m} ${y}` : `${m} ${d}, ${y}`, prep: 'on', year: y };
      }
      if (r < pd + pm) return { text: `${this.rng.pick(MONTHS)} ${y}`, prep: 'in', year: y };
      if (r < pd + pm + ps) return { text: `the ${this.rng.pick(SEASONS)} of ${y}`, prep: 'in', year: y, alts: [String(y)] };
      return { text: String(y), prep: 'in', year: y };
    });
  }

  /** A century ("the thirteenth century") for the age of a place. */
  century(lo: number, hi: number): Literal {
    const c = this.rng.range(lo, hi);
    this.#years.add(c * 100 - 50);
    return this.literal('time', () => ({ text: `the ${ordinalWord(c)} century`, prep: 'in' }));
  }

  /**
   * A count from [lo, hi] (digits drawn uniformly, so magnitudes vary), rounded as people round,
   * and written exactly ("412"), in words up to twenty ("twelve") or hedged ("about 42,000"); a
   * hedged count accepts the bare number too.
   */
  count(lo: number, hi: number, hedge = 0.6, words = true): Literal {
    return this.literal('number', () => {
      const n = this.#roundedNumber(lo, hi);
      if (words && n <= 20 && this.rng.chance(0.7)) return { text: numberWord(n), alts: [] };
      const digits = groupDigits(n);
      if (n >= 30 && this.rng.chance(hedge)) {
        const h = this.rng.pick(HEDGES);
        return { text: `${h} ${digits}`, alts: [digits] };
      }
      return { text: digits };
    });
  }

  #roundedNumber(lo: number, hi: number): number {
    const digits = this.rng.range(String(lo).length, String(hi).length);
    const from = Math.max(lo, pow10(digits - 1)), to = Math.min(hi, pow10(digits) - 1);
    const step = pow10(Math.max(0, digits - 2));
    const n = Math.round(this.rng.range(from, to) / step) * step;
    // Rounded as people round: never 99,999 from a clamp.
    return n > to ? n - step : Math.max(from, n);
  }

  /** A small count in words ("three"), for children and the like. */
  small(lo: number, hi: number): Literal {
    return this.literal('number', () => ({ text: numberWord(this.rng.range(lo, hi)) }));
  }

  /** Money as the press writes it: "$4.5 million", "€800,000", "12 million euros", "about £2 million". */
  money(): Literal {
    return this.literal('money', () => {
      const sym = this.rng.pick(['$', '€', '£']);
      const word = sym === '$' ? 'dollars' : sym === '€' ? 'euros' : 'pounds';
      const millions = this.rng.chance(0.75);
      const amount = millions ? (this.rng.chance(0.5) ? `${this.rng.range(1, 9)}.${this.rng.range(1, 9)}` : String(this.rng.range(2, 400))) : groupDigits(this.rng.range(2, 99) * 10000);
      const text = millions ? (this.rng.chance(0.25) ? `${amount} million ${word}` : `${sym}${amount} million`) : `${sym}${amount}`;
      return this.rng.chance(0.2) ? { text: `about ${text}`, alts: [text] } : { text };
    });
  }

  /** A length, distance or area: "about 20 kilometres", "120 metres". */
  measure(lo: number, hi: number, unit: string): Literal {
    return this.literal('measure', () => {
      const n = this.#roundedNumber(lo, hi);
      const text = `${groupDigits(n)} ${unit}`;
      return this.rng.chance(0.5) ? { text: `about ${text}`, alts: [text] } : { text };
    });
  }

  /** A duration ("forty minutes", "about two hours"). */
  duration(): Literal {
    return this.literal('measure', () => this.rng.chance(0.5)
      ? { text: `${numberWord(this.rng.range(2, 9) * 10)} minutes` }
      : { text: `about ${numberWord(this.rng.range(2, 5))} hours`, alts: [`${numberWord(this.rng.range(2, 5))} hours`] });
  }

  /** A noun phrase literal ("a small family bakery"); `asked` is how a question may name it. */
  np(type: AnswerType, text: string, asked?: string): Literal {
    return this.literal(type, () => (asked === undefined ? { text } : { text, asked }));
  }

  /** `items` as an English list: "bread, cakes and pastries". */
  list(type: AnswerType, items: readonly string[]): Literal {
    const text = items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] as string}`;
    return this.literal(type, () => ({ text }));
  }

  fact(kind: string, subject: Entity, roles: Record<string, Value | undefined>): Fact {
    const clean: Record<string, Value> = {};
    for (const [k, v] of Object.entries(roles)) if (v !== undefined) clean[k] = v;
    const f: Fact = { id: this.id(), kind, subject, roles: clean };
    this.facts.push(f);
    return f;
  }
}

export function yearOf(v: Value | undefined): number | undefined {
  return v?.kind === 'literal' ? v.year : undefined;
}
