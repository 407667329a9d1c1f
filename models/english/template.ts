/**
 * Fills a template's slots (fact-kind.ts lists them) into pieces of text, some of them marked as a
 * role's value so that the composer knows the character span of every answer. Shared by sentences
 * and questions; the difference is how the subject and roles are written (`Voice`).
 */
import type { Prng } from '../synth/_prng.ts';
import { SYNONYMS, type SynonymKey } from './data/wordnet-synonyms.ts';
import { article, inflect, plural, type VerbForm } from './inflect.ts';
import type { Entity, Fact, Literal, Value } from './world.ts';

/** A piece of text; `mark` says which role's value it writes and where in it the answer lies. */
export interface Piece {
  readonly text: string;
  readonly mark?: {
    readonly role: string;
    readonly value: Value;
    readonly from: number;
    readonly to: number;
    /** "there": the answer is an earlier mention of the value, at this span of the context. */
    readonly refersTo?: { readonly start: number; readonly end: number };
  };
}

/** How a sentence or a question writes the subject and role values. */
export interface Voice {
  /** The subject ({S}, {S's}): a name, a pronoun, "the bakery". */
  subject(possessive: boolean): Piece[];
  /** An entity in a role: the full name or a short one. */
  entity(e: Entity, role: string): Piece;
  /** A literal in a role: as written (sentences) or as a question names it. */
  literal(l: Literal, role: string): Piece;
  /** `{in:place}` written as "there" (sentences only): the earlier mention's span, else null. */
  there(e: Entity): { start: number; end: number } | null;
}

export function typeNoun(e: Entity): string {
  if (e.kind === 'org') return e.type.noun;
  if (e.kind === 'place') return e.type;
  return 'person';
}

function pronouns(e: Entity): { pro: string; poss: string; obj: string } {
  if (e.kind === 'person') return e.gender === 'f' ? { pro: 'she', poss: 'her', obj: 'her' } : { pro: 'he', poss: 'his', obj: 'him' };
  return { pro: 'it', poss: 'its', obj: 'it' };
}

export function synonym(key: string, form: string, rng: Prng): string {
  const set = (SYNONYMS as Readonly<Record<string, readonly string[]>>)[key];
  if (set === undefined) throw new Error(`no synonym set "${key}" (models/english/data/wordnet-synonyms.ts)`);
  const word = rng.pick(set);
  if (form === 'pl') return plural(word);
  return inflect(word, form as VerbForm);
}

export type SynonymUse = SynonymKey;

/** The pieces of `template` for `fact` with `subject`; throws on an unknown slot or a missing role. */
export function fillTemplate(template: string, fact: Fact, voice: Voice, rng: Prng): Piece[] {
  const out: Piece[] = [];
  const subject = fact.subject;
  const p = pronouns(subject);
  let last = 0;
  const role = (name: string): Value => {
    const v = fact.roles[name];
    if (v === undefined) throw new Error(`template "${template}" needs role ${name} of ${fact.kind}`);
    return v;
  };
  const write = (name: string, v: Value): Piece => (v.kind === 'literal' ? voice.literal(v, name) : voice.entity(v, name));
  for (const m of template.matchAll(/\{([^}]+)\}/g)) {
    out.push({ text: template.slice(last, m.index) });
    last = (m.index ?? 0) + m[0].length;
    const slot = m[1] as string;
    if (slot === 'S' || slot === "S's") out.push(...voice.subject(slot === "S's"));
    else if (slot === 'pro' || slot === 'poss' || slot === 'obj') out.push({ text: p[slot] });
    else if (slot.startsWith('~')) {
      const [key, form] = slot.slice(1).split(':') as [string, string | undefined];
      out.push({ text: synonym(key, form ?? 'base', rng) });
    } else if (slot.startsWith('g:') || slot.startsWith('g@')) {
      const at = slot.startsWith('g@') ? role(slot.slice(2, slot.indexOf(':'))) : subject;
      const [f, mWord] = slot.slice(slot.indexOf(':') + 1).split('|') as [string, string];
      out.push({ text: at.kind === 'person' && at.gender === 'm' ? mWord : f });
    } else {
      const colon = slot.indexOf(':');
      const prefix = colon < 0 ? '' : slot.slice(0, colon);
      const name = colon < 0 ? slot : slot.slice(colon + 1);
      if (prefix === 'type') {
        out.push({ text: typeNoun(name === 'S' ? subject : (role(name) as Entity)) });
        continue;
      }
      const v = role(name);
      if (prefix === '') out.push(write(name, v));
      else if (prefix === 'a' || prefix === 'the') {
        const w = write(name, v);
        out.push({ text: `${prefix === 'the' ? 'the' : article(w.text)} ` }, w);
      } else if (prefix === 'in' || prefix === 'since') {
        if (v.kind === 'literal') out.push({ text: `${prefix === 'since' ? 'since' : v.prep ?? 'in'} ` }, write(name, v));
        else {
          const earlier = voice.there(v);
          if (earlier !== null) out.push({ text: 'there', mark: { role: name, value: v, from: 0, to: 0, refersTo: earlier } });
          else out.push({ text: 'in ' }, write(name, v));
        }
      } else throw new Error(`template "${template}": unknown slot {${slot}}`);
    }
  }
  out.push({ text: template.slice(last) });
  return out;
}

export const FORMS_WITH_TIME = /\{(in|since):time\}|\{time\}/;
