/**
 * Every question one paragraph can be asked, sorted by difficulty level (levels.ts).
 *
 * The rules that make it a reading task: a question names its subject, never its answer (a
 * candidate whose text contains the answer is dropped); levels 3 and 4 are only given where the
 * paragraph holds at least two values of the answer's type; an unanswerable question is only asked
 * where the paragraph holds a plausible answer of the asked type, and never for a relation the
 * paragraph states or implies for that subject.
 */
import type { Prng } from './_prng.ts';
import type { Level } from './levels.ts';
import type { NameGenerator } from './names.ts';
import type { QuestionTemplate, Relation, ValueType } from './relation.ts';
import { RELATIONS, relationById } from './relations.ts';
import type { Paragraph, Span, StatedFact } from './render.ts';
import { fullName, isEntity, surface, valueKey, type Entity, type Fact, type Value } from './world.ts';

export interface SynthQuestion {
  readonly level: Level;
  readonly text: string;
  readonly answerType: ValueType;
  /** The gold answer; null when unanswerable. */
  readonly answer: { readonly text: string; readonly start: number } | null;
  /** Unanswerable questions: the span a careless reader would give. */
  readonly plausible: { readonly text: string; readonly start: number } | null;
  /** The sentence that answers it; null when unanswerable. */
  readonly evidence: number | null;
  /** The entity asked about, as the question names it. */
  readonly subject: string;
  /** One question per (entity, relation) and paragraph. */
  readonly topic: string;
  readonly wording: 'lexical' | 'paraphrase';
  readonly reason?: 'attribute-not-stated' | 'other-entity' | 'absent-entity';
}

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** A question template filled for `subject`; {og:} follows `objectGender` (the answer's, or the likely one). */
function fillQuestion(t: QuestionTemplate, subject: Entity, partner: Value | null, objectGender: 'f' | 'm'): string {
  const name = fullName(subject);
  const text = t.text.replace(/\{([^}]+)\}/g, (_, slot: string) => {
    if (slot === 'S') return name;
    if (slot === "S's") return `${name}'s`;
    if (slot === 'P') {
      if (partner === null) throw new Error(`question ${t.text} needs a partner`);
      const s = surface(partner);
      return s.pre + s.text;
    }
    const [f, m] = slot.slice(3).split('|') as [string, string];
    if (slot.startsWith('og:')) return objectGender === 'm' ? m : f;
    if (slot.startsWith('sg:')) return subject.kind === 'person' && subject.gender === 'm' ? m : f;
    throw new Error(`question ${t.text}: unknown slot {${slot}}`);
  });
  return capitalise(text);
}

function namesOf(e: Entity): string[] {
  if (e.kind === 'person') return e.firstOnly ? [e.first] : [e.first, e.last];
  return [e.name];
}

const otherGender = (e: Entity): 'f' | 'm' => (e.kind === 'person' && e.gender === 'f' ? 'm' : 'f');

export function candidateQuestions(par: Paragraph, rng: Prng, names: NameGenerator): Map<Level, SynthQuestion[]> {
  const { scene, context } = par;
  const out = new Map<Level, SynthQuestion[]>([[1, []], [2, []], [3, []], [4, []], [5, []]]);
  /** Distinct values of `type` in the paragraph a reader could give, the asked-about entity aside. */
  const typeCount = (type: ValueType, subject: Entity): number =>
    new Set(par.mentions.filter((m) => m.type === type && m.key !== valueKey(subject)).map((m) => m.key)).size;
  const at = (span: Span): { text: string; start: number } => ({ text: context.slice(span.start, span.end), start: span.start });
  const sentenceText = (i: number): string => {
    const s = par.sentences[i] as Span;
    return context.slice(s.start, s.end);
  };
  const bareYear = (v: Value): boolean => v.kind === 'literal' && v.prep === 'in';
  const find = (subject: Entity, rel: string): Fact | undefined => scene.facts.find((f) => f.subject === subject && f.rel === rel);

  const add = (q: SynthQuestion): void => {
    const shown = q.answer ?? q.plausible;
    if (shown !== null && q.text.toLowerCase().includes(shown.text.toLowerCase())) return; // answer must not be in the question
    out.get(q.level)?.push(q);
  };

  /** Questions whose answer is `answer` (a span), about `subject`, asked with relation `r`'s templates. */
  const answerable = (sf: StatedFact, r: Relation, subject: Entity, answerValue: Value, answer: Span, coref: boolean): void => {
    const partnerFact = r.partner === undefined ? undefined : find(subject, r.partner);
    const templates = r.questions.filter((t) => (t.yearOnly !== true || bareYear(answerValue)) && (!t.text.includes('{P}') || partnerFact !== undefined));
    const type = isEntity(answerValue) ? answerValue.kind : answerValue.type;
    const contested = typeCount(type, subject) >= 2;
    if (coref && !contested) return; // a unique type would let a reader skip the coreference
    const gender = answerValue.kind === 'person' ? answerValue.gender : otherGender(subject);
    for (const t of templates) {
      const wording = t.key === sf.key ? 'lexical' : 'paraphrase';
      const level: Level = coref ? 4 : contested ? 3 : wording === 'lexical' ? 1 : 2;
      add({
        level, text: fillQuestion(t, subject, partnerFact?.object ?? null, gender), answerType: type, answer: at(answer), plausible: null,
        evidence: sf.sentence, subject: fullName(subject), topic: `${subject.id}:${r.id}`, wording,
      });
    }
  };

  for (const sf of par.stated.values()) {
    const f = sf.fact;
    const r = relationById(f.rel);
    // Forward: ask for the object. Coreference when the sentence did not name the subject.
    const unnamed = sf.subjectForm === 'pronoun' && !namesOf(f.subject).some((n) => sentenceText(sf.sentence).includes(n));
    if (sf.subjectForm !== 'pronoun' || unnamed) answerable(sf, r, f.subject, f.object, sf.answer, unnamed);
    // Inverse: ask for the subject given the object ("Who founded the X Company?").
    if (r.inverse !== undefined && isEntity(f.object)) {
      const inv = relationById(r.inverse);
      if (sf.subjectForm === 'name' && sf.subject !== null) answerable(sf, inv, f.object, f.subject, sf.subject, false);
      else {
        const full = par.fullNames.get(f.subject.id);
        if (full !== undefined) answerable(sf, inv, f.object, f.subject, full, true);
      }
    }
  }

  // Unanswerable: a relation not stated for an entity of the paragraph, with a plausible answer present.
  const stated = (e: Entity, r: Relation): boolean => find(e, r.id) !== undefined
    || (r.inverse !== undefined && scene.facts.some((f) => f.rel === r.inverse && f.object === e));
  const askable = [scene.focus, ...scene.peers];
  for (const e of askable) {
    for (const r of RELATIONS) {
      if (r.subject !== e.kind || r.id === 'sibling' || (e.kind === 'org' && r.category !== undefined && r.category !== e.category)) continue;
      if (stated(e, r) || (r.impliedBy ?? []).some((rel) => find(e, rel) !== undefined)) continue;
      const partner = r.partner === undefined ? null : find(e, r.partner) ?? null;
      if (r.partner !== undefined && partner === null) continue;
      // The plausible answer: the same relation's value for another entity, else any value of the type.
      const same = scene.facts.find((f) => f.rel === r.id && f.subject !== e && par.stated.has(f.id));
      const pool = par.mentions.filter((m) => m.type === r.object && m.key !== valueKey(e));
      const span = same !== undefined ? par.stated.get(same.id)?.answer : pool.length > 0 ? rng.pick(pool).span : undefined;
      if (span === undefined) continue;
      for (const t of r.questions) {
        if (t.text.includes('{P}') && partner === null) continue;
        add({
          level: 5, text: fillQuestion(t, e, partner?.object ?? null, otherGender(e)), answerType: r.object, answer: null, plausible: at(span),
          evidence: null, subject: fullName(e), topic: `${e.id}:${r.id}`, wording: 'paraphrase',
          reason: e === scene.focus ? 'attribute-not-stated' : 'other-entity',
        });
      }
    }
  }
  // An entity the paragraph does not mention, asked what the paragraph states of the focus.
  const focusFacts = [...par.stated.values()].filter((sf) => sf.fact.subject === scene.focus && relationById(sf.fact.rel).partner === undefined);
  if (focusFacts.length > 0) {
    const sf = rng.pick(focusFacts);
    const e = scene.focus;
    const stranger: Entity = e.kind === 'person' ? { ...e, id: -1, first: names.firstName(e.gender), last: names.surname() }
      : e.kind === 'org' ? { ...e, id: -1, name: `${names.brand()} ${e.name.split(' ').slice(-1)[0] ?? ''}`.trim() }
      : { ...e, id: -1, name: names.place() };
    const r = relationById(sf.fact.rel);
    const gender = sf.fact.object.kind === 'person' ? sf.fact.object.gender : otherGender(e);
    for (const t of r.questions) {
      if (t.text.includes('{P}') || (t.yearOnly === true && !bareYear(sf.fact.object))) continue;
      add({
        level: 5, text: fillQuestion(t, stranger, null, gender), answerType: r.object, answer: null, plausible: at(sf.answer),
        evidence: null, subject: fullName(stranger), topic: `-1:${r.id}`, wording: 'paraphrase', reason: 'absent-entity',
      });
    }
  }
  return out;
}
