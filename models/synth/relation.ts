/**
 * Relations of the fictional world (born in, founded, based in, population, ...) with the sentence
 * templates that state a fact and the question templates that ask for it.
 *
 * Template slots:
 *   {S} {S's}       the subject, nominative / possessive: a name, or in sentences a pronoun or
 *                   description ("she", "her", "the company", "the company's") — coreference
 *   {O} {a O} {at O} the object (the answer span); "a"/"an" or "in"/"on" before it stay outside the span
 *   {O2} {at O2}    the object of a companion fact stated in the same sentence (`with`)
 *   {P}             questions only: the object of the partner fact ("When did {S} move to {P}?")
 *   {og:f|m} {sg:f|m} a word chosen by the object's / subject's gender ("{og:wife|husband}")
 *
 * `key` names a question's or sentence's wording: a question with the key of the sentence that
 * states the fact reuses that sentence's words (level 1, lexical); any other key is a paraphrase
 * (level 2). Keys starting with "para" are never used by sentences.
 */
import type { Kind } from './world.ts';

/** What an answer is; counts, heights and areas are kept apart because a question asks for one of them. */
export type ValueType = 'person' | 'org' | 'city' | 'time' | 'number' | 'height' | 'area' | 'profession' | 'product' | 'region' | 'river' | 'award';

export interface Companion {
  readonly rel: string;
  /** Whose fact it is: this fact's subject's (born_date of the person) or its object's (founded_year of the org). */
  readonly of: 'subject' | 'object';
}

export interface SentenceTemplate {
  readonly key: string;
  readonly text: string;
  readonly with?: readonly Companion[];
  /** Reads well only when the time value is a bare year ("dates back to 1843"). */
  readonly yearOnly?: boolean;
}

export interface QuestionTemplate {
  readonly key: string;
  readonly text: string;
  /** Asks for a year, so the answer must be a bare year, not a full date. */
  readonly yearOnly?: boolean;
}

export interface Relation {
  readonly id: string;
  readonly subject: Kind;
  /** For organisation subjects: which kind of organisation has this relation. */
  readonly category?: 'firm' | 'school';
  readonly object: ValueType;
  readonly sentences: readonly SentenceTemplate[];
  readonly questions: readonly QuestionTemplate[];
  /** The relation that states the same facts with subject and object swapped (founded ↔ founder; married ↔ married). */
  readonly inverse?: string;
  /** Stated only together with this relation's fact of the same subject (moved_year with moved_to). */
  readonly partner?: string;
  /** Not asked as unanswerable when one of these is stated for the subject: a reader could infer an answer. */
  readonly impliedBy?: readonly string[];
  /** An organisation object must be of this category (studied_at → a school). */
  readonly objectCategory?: 'firm' | 'school';
}
