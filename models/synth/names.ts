/**
 * Names of the fictional world, built from syllables so that no name comes from a small fixed list:
 * a model cannot learn "Kelbora is a city" or "Velkoris is a chemist" and must read the paragraph.
 * Onsets × nuclei × codas give about 10^4 syllables; two- and three-syllable names with a suffix
 * make collisions between two seeds' data sets rare (the tests measure it).
 *
 * Person first names end in a gendered ending (as in many languages), which is one cue among
 * others (kinship words, pronouns) for resolving "she" and "he"; the text states gender anyway.
 */
import type { Prng } from './_prng.ts';
import { COMMON_WORDS } from './lexicon.ts';

export type Gender = 'f' | 'm';

const ONSETS = ['b', 'br', 'c', 'd', 'dr', 'f', 'g', 'gr', 'h', 'j', 'k', 'kr', 'l', 'm', 'n', 'p', 'pr', 'r', 's', 'sk', 'st', 't', 'tr', 'v', 'z', 'th', 'sh', 'w', 'fl', 'cl', 'gl', 'b', 'd', 'k', 'l', 'm', 'n', 'r', 's', 't', 'v'];
const NUCLEI = ['a', 'e', 'i', 'o', 'u', 'a', 'e', 'i', 'o', 'ai', 'ei', 'ou', 'ia', 'y'];
const CODAS = ['', '', '', '', '', '', 'n', 'r', 'l', 's', 'm', 'nd', 'rn', 'lt', 'th', 'v'];

const FEMALE_ENDINGS = ['a', 'ia', 'ina', 'ene', 'ara', 'ette', 'ine', 'ila', 'ea', 'is'];
const MALE_ENDINGS = ['o', 'an', 'ek', 'us', 'or', 'in', 'ard', 'im', 'en', 'os'];
const SURNAME_SUFFIXES = ['', '', '', 'is', 'ov', 'en', 'ar', 'ath', 'enko', 'sby', 'wick', 'ez', 'ley', 'mann', 'ani'];
const PLACE_SUFFIXES = ['', '', 'a', 'or', 'ia', 'heim', 'ford', 'mouth', 'grad', 'ton', 'by', 'stad', 'ora', 'ith', 'vale'];
const REGION_SUFFIXES = ['', 'ia', 'land', 'mark', 'ria', 'ovia'];

function syllable(rng: Prng, withOnset: boolean): string {
  return (withOnset ? rng.pick(ONSETS) : '') + rng.pick(NUCLEI) + rng.pick(CODAS);
}

/** A stem of `n` syllables; the first may start with a vowel. */
function stem(rng: Prng, n: number): string {
  let s = syllable(rng, rng.chance(0.85));
  for (let i = 1; i < n; i++) {
    const next = syllable(rng, true);
    // Two vowels or three consonants meeting read badly ("aio", "ndtr"): give the next syllable an onset-free join.
    s += /[aeiouy]$/.test(s) && /^[aeiouy]/.test(next) ? `${rng.pick(['l', 'n', 'r', 'v'])}${next}` : next;
  }
  return s;
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function withSuffix(base: string, suffix: string): string {
  if (suffix === '') return base;
  // Avoid doubled vowels at the join ("Kelboraa"): drop the stem's final vowel before a vowel suffix.
  if (/[aeiouy]$/.test(base) && /^[aeiouy]/.test(suffix)) return base.slice(0, -1) + suffix;
  return base + suffix;
}

/**
 * Draws names for one data set. Names already drawn are not drawn again (a name means one entity
 * in the whole data set), and no name equals an English word of the templates.
 */
export class NameGenerator {
  readonly #rng: Prng;
  readonly #used = new Set<string>();

  constructor(rng: Prng) {
    this.#rng = rng;
  }

  /** A name not drawn before, 3 to `max` letters long (long names cost a small model many tokens). */
  #fresh(max: number, make: () => string): string {
    for (let attempt = 0; ; attempt++) {
      const name = make();
      const key = name.toLowerCase();
      const ok = name.length >= 3 && name.length <= max && !this.#used.has(key) && !key.split(' ').some((w) => COMMON_WORDS.has(w));
      if (ok || attempt > 50) {
        this.#used.add(key);
        return name;
      }
    }
  }

  firstName(gender: Gender): string {
    const rng = this.#rng;
    return this.#fresh(8, () => capital(withSuffix(stem(rng, rng.chance(0.7) ? 1 : 2), rng.pick(gender === 'f' ? FEMALE_ENDINGS : MALE_ENDINGS))));
  }

  surname(): string {
    const rng = this.#rng;
    return this.#fresh(10, () => capital(withSuffix(stem(rng, rng.chance(0.8) ? 2 : 3), rng.pick(SURNAME_SUFFIXES))));
  }

  place(): string {
    const rng = this.#rng;
    return this.#fresh(10, () => capital(withSuffix(stem(rng, rng.chance(0.8) ? 2 : 3), rng.pick(PLACE_SUFFIXES))));
  }

  region(): string {
    const rng = this.#rng;
    return this.#fresh(10, () => capital(withSuffix(stem(rng, 2), rng.pick(REGION_SUFFIXES))));
  }

  river(): string {
    const rng = this.#rng;
    return this.#fresh(8, () => capital(withSuffix(stem(rng, rng.chance(0.7) ? 1 : 2), rng.pick(['a', 'e', 'in', 'ar', '', 'ava']))));
  }

  /** The distinctive word of an organisation or prize name ("Draventi" in "Draventi Company"). */
  brand(): string {
    const rng = this.#rng;
    return this.#fresh(10, () => capital(withSuffix(stem(rng, rng.chance(0.8) ? 2 : 3), rng.pick(['', 'i', 'ex', 'on', 'ia', 'um', 'ant']))));
  }
}
