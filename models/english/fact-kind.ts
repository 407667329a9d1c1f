/**
 * A kind of fact ("born", "studied", "acquired") and every way the generator may state it or ask
 * about it. Sentences are built around a fact's subject, so most wordings are verb phrases that
 * follow it ("was born in {place}"), which the composer can make a main clause, a relative clause
 * ("who was born in …"), the second half of a coordination, or, from `participle`, a fronted
 * phrase ("Born in Gdansk in 1984, …"); `apposition` gives noun phrases ("a chemist") and
 * `clause` whole sentences that place the subject themselves ("{founder} set up {S}": passives,
 * inversions, fronted places).
 *
 * Slots, in sentences and questions:
 *   {role}            the role's value; an entity by name (or "there" for {in:place}), a literal as written
 *   {in:role}         a time or place with its preposition ("in 1984", "on 4 May 1984", "in Oslo"); time may be "since:"
 *   {since:role}      a time with "since"
 *   {a:role}          a literal with "a"/"an" before it, outside the answer ("as a nurse")
 *   {the:role}        a literal with "the" before it, outside the answer ("won the Kestrel Prize")
 *   {type:role}       what kind of thing the role's entity is ("town", "bakery")
 *   {S} {S's}         the subject (clauses and questions)
 *   {pro} {poss} {obj} the subject's pronouns: she / her / her, he / his / him, it / its / it
 *   {g:f|m}           a word by the subject's gender; {g@role:f|m} by the role entity's
 *   {~key} {~key:form} a WordNet synonym of `key` (data/wordnet-synonyms.ts): base, past, pp, ing, s, pl
 * A time role not written by a template is placed by the composer (at the end, or fronted).
 * A sentence template starting "=" takes no time phrase ("was a native of {place}"): the fact's
 * time, if any, goes unsaid there.
 * A question template starting "Y|" asks for a year and is used only when the answer is a bare year.
 */
import type { Entity } from './world.ts';

/** A question the text cannot answer although it looks as if it could: swapped roles, a denied event. */
export interface TrapQuestion {
  readonly text: string;
  /** The span a careless reader gives: a role of the fact, or its subject ('S'). */
  readonly plausible: string;
  readonly reason: 'swapped-roles' | 'negation';
  /** "kind.role": not asked where the subject has that role stated (she studied elsewhere after all). */
  readonly unless?: string;
}

export interface FactKind {
  readonly id: string;
  readonly subject: Entity['kind'];
  /** Org subjects: which `offers`; place subjects: which place types. Absent: any. */
  readonly only?: readonly string[];
  readonly vp: readonly string[];
  readonly participle?: readonly string[];
  readonly apposition?: readonly string[];
  readonly clause?: readonly string[];
  /** By the role asked for; 'S' asks for the subject ("Who founded {org}?"). */
  readonly questions: Readonly<Record<string, readonly string[]>>;
  /** Unanswerable questions this fact makes when stated (the roles they name must be stated). */
  readonly traps?: readonly TrapQuestion[];
  /** Roles a paragraph must state whenever it states the fact. */
  readonly core: readonly string[];
  /**
   * Not asked as unanswerable for an entity that has a fact of one of these kinds: a reader could
   * take the answer from it (a founder "works for" the firm).
   */
  readonly impliedBy?: readonly string[];
  /** Whether the tense is present (organisations and places "are based", "lie"). */
  readonly present?: boolean;
}

/** The roles a template writes. */
export function templateRoles(template: string): string[] {
  const roles: string[] = [];
  for (const m of template.matchAll(/\{([^}]+)\}/g)) {
    const slot = m[1] as string;
    if (slot.startsWith('~') || slot.startsWith('g:') || ['S', "S's", 'pro', 'poss', 'obj'].includes(slot)) continue;
    if (slot.startsWith('g@')) {
      roles.push(slot.slice(2, slot.indexOf(':')));
      continue;
    }
    const colon = slot.indexOf(':');
    roles.push(colon < 0 ? slot : slot.slice(colon + 1));
  }
  return roles;
}
