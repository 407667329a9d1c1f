/**
 * Names for the English generator: real first names (the English lists from npm's @stdlib data sets
 * and a curated list of other cultures), curated surnames and place names, and invented ones from
 * the old generator's syllable maker (models/synth/names.ts) for a share of each, so that a model
 * never sees only familiar names.
 *
 * Training and evaluation seeds draw from different quarters of every real list: a name's quarter
 * is a hash of the name, a seed's is seed mod 4, so seeds 1, 2 and 3 (train, dev, test) share no
 * real name, and memorising who is who cannot help. Within a data set no full name, place or
 * organisation is drawn twice.
 */
import type { Prng } from '../synth/_prng.ts';
import { NameGenerator } from '../synth/names.ts';
import { FEMALE_FIRST_NAMES, MALE_FIRST_NAMES } from './data/first-names.ts';
import { capitalise } from './inflect.ts';
import {
  BRAND_WORDS, ISLAND_NAMES, LANDMARK_WORDS, REGION_NAMES, RIVER_NAMES, SURNAMES, TOWN_NAMES, WORLD_FIRST_NAMES_F, WORLD_FIRST_NAMES_M,
} from './vocabulary.ts';
import type { Gender } from './world.ts';

export const NAME_QUARTERS = 4;

/** FNV-1a over the name's UTF-16 units: a fixed, engine-independent hash. */
export function nameQuarter(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h % NAME_QUARTERS;
}

export class EnglishNames {
  readonly #rng: Prng;
  readonly #invented: NameGenerator;
  readonly #used = new Set<string>();
  readonly #lists = new Map<string, readonly string[]>();
  readonly #quarter: number;

  constructor(rng: Prng, seed: number) {
    this.#rng = rng;
    this.#invented = new NameGenerator(rng);
    this.#quarter = seed % NAME_QUARTERS;
  }

  /** The seed's quarter of a list (computed once). */
  #mine(key: string, list: readonly string[]): readonly string[] {
    let l = this.#lists.get(key);
    if (l === undefined) {
      l = list.filter((n) => nameQuarter(n) === this.#quarter);
      this.#lists.set(key, l);
    }
    return l;
  }

  /** A name from the seed's quarter of `list` not used before, or an invented one (share `invented`, or when the list runs out). */
  #draw(key: string, list: readonly string[], invented: number, make: () => string): string {
    const mine = this.#mine(key, list);
    if (!this.#rng.chance(invented)) {
      for (let i = 0; i < 20; i++) {
        const n = this.#rng.pick(mine);
        if (!this.#used.has(`${key}:${n}`)) {
          this.#used.add(`${key}:${n}`);
          return n;
        }
      }
    }
    const n = make();
    this.#used.add(`${key}:${n}`);
    return n;
  }

  firstName(gender: Gender): string {
    const world = gender === 'f' ? WORLD_FIRST_NAMES_F : WORLD_FIRST_NAMES_M;
    if (this.#rng.chance(0.3)) return this.#rng.pick(this.#mine(`world-${gender}`, world));
    // First names repeat across a data set (a full name does not): the lists are finite.
    return this.#rng.pick(this.#mine(`first-${gender}`, gender === 'f' ? FEMALE_FIRST_NAMES : MALE_FIRST_NAMES));
  }

  surname(): string {
    return this.#draw('surname', SURNAMES, 0.35, () => this.#invented.surname());
  }

  /** A full name not used before in the data set. */
  person(gender: Gender, surname?: string): { first: string; last: string } {
    for (let i = 0; ; i++) {
      const first = this.firstName(gender);
      const last = surname ?? this.surname();
      const key = `person:${first} ${last}`;
      if (!this.#used.has(key) || i > 20) {
        this.#used.add(key);
        return { first, last };
      }
    }
  }

  town(): string {
    return this.#draw('town', TOWN_NAMES, 0.4, () => this.#invented.place());
  }

  river(): string {
    return this.#draw('river', RIVER_NAMES, 0.4, () => this.#invented.river());
  }

  island(): string {
    return this.#draw('island', ISLAND_NAMES, 0.4, () => this.#invented.place());
  }

  region(): string {
    return this.#draw('region', REGION_NAMES, 0.4, () => this.#invented.region());
  }

  /** A brand for an organisation's name: a word ("Blue Heron") or an invented one ("Draventi"). */
  brand(): string {
    const r = this.#rng.float();
    if (r < 0.35) return `${this.#rng.pick(BRAND_WORDS)} ${this.#rng.pick(BRAND_WORDS.filter((w) => /^[A-Z][a-z]+$/.test(w) && w.length > 3))}`.replace(/^(\w+) \1$/, '$1');
    if (r < 0.6) return this.#rng.pick(BRAND_WORDS);
    return this.#invented.brand();
  }

  /** A landmark's name word ("Old", "Market", or a surname). */
  landmark(): string {
    return this.#rng.chance(0.6) ? this.#rng.pick(LANDMARK_WORDS) : capitalise(this.surname());
  }

  /** Marks an organisation or landmark name as used; false when it was already. */
  claim(name: string): boolean {
    if (this.#used.has(`name:${name}`)) return false;
    this.#used.add(`name:${name}`);
    return true;
  }
}
