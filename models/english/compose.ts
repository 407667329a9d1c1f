/**
 * Writes a scene's plan as a paragraph the way an encyclopedia or a local paper would: one or two
 * facts per sentence, combined as a coordination ("studied law and later moved to Oslo"), a
 * relative clause ("Maria Kowalski, who was born in Gdansk in 1984, …"), a fronted participle
 * ("Born in Gdansk in 1984, …"), an apposition ("the Kowalski Bakery, a small family bakery, …"),
 * or a sentence that places the subject itself (a passive: "The bakery was set up by …"); times
 * at the end or in front; the subject named, then "she", "it", "the town" or a surname where no
 * other entity could be meant; a place just named may come back as "there".
 *
 * It records the span of every stated role's answer, whether the sentence named the subject (a
 * question about a sentence that did not is a coreference question), and every mention of a value
 * of each answer type (the candidates a reader must choose between).
 */
import type { Prng } from '../synth/_prng.ts';
import { FACT_KINDS } from './fact-kinds.ts';
import { templateRoles, type FactKind } from './fact-kind.ts';
import { capitalise } from './inflect.ts';
import type { Scene } from './scene.ts';
import { FORMS_WITH_TIME, fillTemplate as fillRaw, typeNoun, type Piece, type Voice } from './template.ts';
import { answerType, fullName, nameSpanText, valueKey, type AnswerType, type Entity, type Fact, type Literal } from './world.ts';

export interface Span {
  readonly start: number;
  readonly end: number;
}

export interface StatedRole {
  readonly fact: Fact;
  readonly role: string;
  /** The answer's span in the context (for "there", the earlier mention). */
  readonly answer: Span;
  readonly sentence: number;
  /** The sentence wrote the subject by name (or surname). */
  readonly subjectNamed: boolean;
  /** The answer was written as "there": the reader must look back. */
  readonly viaThere: boolean;
}

export interface Mention {
  readonly type: AnswerType;
  readonly key: string;
  readonly span: Span;
}

export interface Paragraph {
  readonly scene: Scene;
  readonly context: string;
  readonly sentences: readonly Span[];
  /** By `${fact.id}:${role}`. */
  readonly stated: ReadonlyMap<string, StatedRole>;
  /** Facts stated, with the sentence that states each and whether it named its subject there. */
  readonly statedFacts: ReadonlyMap<number, { readonly sentence: number; readonly subjectNamed: boolean; readonly subjectSpan: Span | null; readonly fullName: boolean }>;
  readonly mentions: readonly Mention[];
  /** The first full-name mention of each entity (the name without "the"). */
  readonly fullNames: ReadonlyMap<number, Span>;
  /** How each fact was written: "born/relative/3" (kind, construction, template): the variety the tests measure. */
  readonly patterns: readonly string[];
}

/** Fills a template; a leading "=" (no time phrase) is not text. */
function fillTemplate(template: string, fact: Fact, voice: Voice, rng: Prng): Piece[] {
  return fillRaw(template.startsWith('=') ? template.slice(1) : template, fact, voice, rng);
}

export function kindOf(fact: Fact): FactKind {
  const k = FACT_KINDS.get(fact.kind);
  if (k === undefined) throw new Error(`unknown fact kind ${fact.kind}`);
  return k;
}

type Form = 'name' | 'short' | 'pronoun' | 'description';

/** Verb phrases without a clause of their own: inside a relative clause or before "and" they would nest ("which …, which …"). */
function flat(vps: readonly string[]): string[] {
  return vps.filter((v) => !/, (which|who|whom|where)\b|\bthat\b/.test(v));
}

type Construction = 'simple' | 'clause' | 'coordination' | 'relative' | 'participle' | 'apposition';

/** The constructions one or two facts about one subject can be written in, weighted by repetition. */
function constructions(facts: readonly Fact[]): Construction[] {
  const [a, b] = facts as [Fact, Fact | undefined];
  const ka = kindOf(a);
  const options: Construction[] = [];
  if (b === undefined) {
    if (usable(ka.vp, a).length > 0) options.push('simple', 'simple');
    if (usable(ka.clause, a).length > 0) options.push('clause');
    return options;
  }
  const kb = kindOf(b);
  if (usable(kb.vp, b).length === 0) return options;
  if (usable(flat(ka.vp), a).length > 0) options.push('coordination', 'relative', 'relative');
  if (usable(ka.participle, a).length > 0) options.push('participle', 'participle');
  if (usable(ka.apposition, a).length > 0 && a.roles['time'] === undefined) options.push('apposition', 'apposition');
  return options;
}

/** Templates whose roles the fact has; time-writing templates only when it has a time. */
function usable(templates: readonly string[] | undefined, fact: Fact): { text: string; index: number }[] {
  const k = FACT_KINDS.get(fact.kind);
  return (templates ?? []).map((text, index) => ({ text, index })).filter(({ text }) => {
    const roles = templateRoles(text);
    if (!roles.every((r) => fact.roles[r] !== undefined)) return false;
    // It must say something: a role of the fact, or the time the composer adds.
    const addsTime = fact.roles['time'] !== undefined && !text.startsWith('=') && k?.present !== true;
    return roles.some((r) => r !== 'S') || addsTime || Object.keys(fact.roles).length === 0;
  });
}

/** Whether "she" / "it" / "the town" could mean `other` as well as `focus`. */
function confusable(focus: Entity, other: Entity, form: Form): boolean {
  if (other.id === focus.id) return false;
  if (focus.kind === 'person') return other.kind === 'person' && other.gender === focus.gender;
  if (form === 'pronoun') return other.kind !== 'person';
  return typeNoun(other) === typeNoun(focus);
}

export function composeParagraph(scene: Scene, rng: Prng): Paragraph {
  let context = '';
  const sentences: Span[] = [];
  const stated = new Map<string, StatedRole>();
  const statedFacts = new Map<number, { sentence: number; subjectNamed: boolean; subjectSpan: Span | null; fullName: boolean }>();
  const mentions: Mention[] = [];
  const fullNames = new Map<number, Span>();
  const patterns: string[] = [];
  const named = new Set<number>();
  /** Entities the previous sentence mentioned, and where (for "there"). */
  let previous = new Map<number, { entity: Entity; span: Span; asSubject: boolean }>();

  // Facts about one subject in a row share a sentence now and then, where the pair can be written.
  for (let i = 0; i < scene.plan.length; i++) {
    const f = scene.plan[i] as Fact;
    const next = scene.plan[i + 1];
    let unit: Fact[] = [f];
    if (next !== undefined && next.subject.id === f.subject.id && rng.chance(0.55) && constructions([f, next]).length > 0) {
      unit = [f, next];
      i++;
    }
    if (constructions(unit).length === 0) continue; // no template fits the roles drawn: the fact goes unsaid
    const start = context.length === 0 ? 0 : context.length + 1;
    const sentence = writeUnit(unit);
    context += (context.length === 0 ? '' : ' ') + sentence;
    sentences.push({ start, end: context.length });
  }
  return { scene, context, sentences, stated, statedFacts, mentions, fullNames, patterns };

  function writeUnit(facts: readonly Fact[]): string {
    const unit = { facts };
    const subject = unit.facts[0]?.subject;
    if (subject === undefined) throw new Error('a sentence with no fact');
    const isFocus = subject.id === scene.focus.id;
    const index = sentences.length;
    const kinds = unit.facts.map(kindOf);
    const [a, b] = unit.facts;
    const ka = kinds[0] as FactKind;

    const options = constructions(facts);
    if (options.length === 0) throw new Error(`no way to write ${unit.facts.map((f) => f.kind).join(' + ')}`);
    const construction = rng.pick(options);

    // How the subject is written.
    let form = 'name' as Form;
    if (named.has(subject.id)) {
      const canRefer = isFocus && ![...previous.values()].some((m) => confusable(subject, m.entity, 'pronoun'));
      const canDescribe = isFocus && ![...previous.values()].some((m) => confusable(subject, m.entity, 'description'));
      const r = rng.float();
      if (canRefer && r < 0.45 && construction !== 'relative' && construction !== 'apposition') form = 'pronoun';
      else if (isFocus && r < 0.75 && (subject.kind === 'person' || canDescribe)) form = subject.kind === 'person' ? 'short' : 'description';
    }
    const pieces: Piece[] = [];
    const subjectPieces = (possessive: boolean): Piece[] => {
      const pos = possessive ? "'s" : '';
      if (form === 'pronoun') {
        const pro = subject.kind === 'person' ? (subject.gender === 'f' ? ['she', 'her'] : ['he', 'his']) : ['it', 'its'];
        return [{ text: possessive ? pro[1] as string : pro[0] as string }];
      }
      if (form === 'description') return [{ text: `the ${typeNoun(subject)}${pos}` }];
      if (form === 'short' && subject.kind === 'person') {
        const shared = scene.facts.some((f) => [f.subject, ...Object.values(f.roles)].some((v) => v.kind === 'person' && v.id !== subject.id && v.last === subject.last));
        const short = shared ? subject.first : subject.last;
        return [{ text: short, mark: { role: 'S', value: subject, from: 0, to: short.length } }, { text: pos }];
      }
      const text = subject.kind === 'person' && scene.firstOnly.has(subject.id) ? subject.first : fullName(subject);
      const at = subject.kind === 'person' ? 0 : text.length - nameSpanText(subject).length;
      return [{ text, mark: { role: 'S', value: subject, from: at, to: text.length } }, { text: pos }];
    };
    const voice: Voice = {
      subject: subjectPieces,
      entity: (e, role) => {
        const text = e.kind === 'person' && e.id !== scene.focus.id && scene.firstOnly.has(e.id) ? e.first : fullName(e);
        const answer = e.kind === 'person' && scene.firstOnly.has(e.id) ? e.first : nameSpanText(e);
        return { text, mark: { role, value: e, from: text.length - answer.length, to: text.length } };
      },
      literal: (l: Literal, role) => ({ text: l.text, mark: { role, value: l, from: 0, to: l.text.length } }),
      there: (e) => {
        const m = previous.get(e.id);
        if (m === undefined || m.asSubject || e.kind !== 'place' || e.id === subject.id || !rng.chance(0.5)) return null;
        return m.span;
      },
    };
    const pick = (templates: readonly string[] | undefined, fact: Fact, label: string): { text: string; label: string } => {
      const t = rng.pick(usable(templates, fact));
      return { text: t.text, label: `${fact.kind}/${label}/${t.index}` };
    };
    /** The time phrase the composer adds for a fact whose template did not write it. */
    const timeFor = (fact: Fact, template: string): Piece[] => {
      const t = fact.roles['time'];
      if (t === undefined || t.kind !== 'literal' || template.startsWith('=') || FORMS_WITH_TIME.test(template) || kindOf(fact).present === true) return [];
      return [{ text: `${t.prep ?? 'in'} ` }, { text: t.text, mark: { role: 'time', value: t, from: 0, to: t.text.length } }];
    };
    const vpOf = (fact: Fact, label: string, withTime: 'end' | 'none'): Piece[] => {
      const t = pick(label === 'main' ? kindOf(fact).vp : flat(kindOf(fact).vp), fact, label);
      patterns.push(t.label);
      const ps = fillTemplate(t.text, fact, voice, rng);
      const time = withTime === 'end' ? timeFor(fact, t.text) : [];
      return time.length === 0 ? ps : [...ps, { text: ' ' }, ...time];
    };
    const factOf: Piece[][] = [];
    const owner = new Map<Piece, Fact>();
    const own = (fact: Fact, ps: Piece[]): Piece[] => {
      for (const p of ps) owner.set(p, fact);
      factOf.push(ps);
      return ps;
    };
    const relPronoun = subject.kind === 'person' ? 'who' : 'which';

    switch (construction) {
      case 'simple': {
        const fact = a as Fact;
        const t = pick(ka.vp, fact, 'simple');
        patterns.push(t.label);
        const body = own(fact, fillTemplate(t.text, fact, voice, rng));
        const time = own(fact, timeFor(fact, t.text));
        const front = time.length > 0 && rng.chance(0.35);
        if (front) pieces.push(...time, { text: ', ' });
        pieces.push(...own(fact, subjectPieces(false)), { text: ' ' }, ...body);
        if (!front && time.length > 0) pieces.push({ text: ' ' }, ...time);
        break;
      }
      case 'clause': {
        const fact = a as Fact;
        // "she" / "it" only where the subject comes first; elsewhere ("… was founded by {S}") a name or description.
        const first = usable(ka.clause, fact).filter((c) => c.text.replace(/^=/, '').startsWith('{S'));
        const t0 = form === 'pronoun' && first.length > 0 ? { ...rng.pick(first), label: '' } : null;
        if (form === 'pronoun' && t0 === null) form = subject.kind === 'person' ? 'short' : 'description';
        const t = t0 === null ? pick(ka.clause, fact, 'clause') : { text: t0.text, label: `${fact.kind}/clause/${t0.index}` };
        patterns.push(t.label);
        const body = own(fact, fillTemplate(t.text, fact, voice, rng));
        const time = own(fact, timeFor(fact, t.text));
        if (time.length > 0 && rng.chance(0.4) && t.text.startsWith('{') && !t.text.startsWith('{in:')) pieces.push(...time, { text: ', ' }, ...body);
        else pieces.push(...body, ...(time.length > 0 ? [{ text: ' ' }, ...time] : []));
        break;
      }
      case 'coordination': {
        pieces.push(...own(a as Fact, subjectPieces(false)), { text: ' ' }, ...own(a as Fact, vpOf(a as Fact, 'coordination', 'end')));
        // The second verb phrase may end the sentence with a clause of its own.
        const later = (b as Fact).roles['time'] !== undefined && kinds[1]?.present !== true && kinds[0]?.present !== true;
        pieces.push({ text: rng.pick(later ? [' and ', ' and later ', ', and then '] : [' and ', ', and ']) }, ...own(b as Fact, vpOf(b as Fact, 'main', 'end')));
        break;
      }
      case 'relative': {
        pieces.push(...own(a as Fact, subjectPieces(false)), { text: `, ${relPronoun} ` }, ...own(a as Fact, vpOf(a as Fact, 'relative', 'end')), { text: ', ' });
        pieces.push(...own(b as Fact, vpOf(b as Fact, 'main', 'end')));
        break;
      }
      case 'participle': {
        const fa = a as Fact;
        const t = pick(kinds[0]?.participle, fa, 'participle');
        patterns.push(t.label);
        pieces.push(...own(fa, fillTemplate(t.text, fa, voice, rng)));
        const time = own(fa, timeFor(fa, t.text));
        if (time.length > 0) pieces.push({ text: ' ' }, ...time);
        pieces.push({ text: ', ' }, ...own(b as Fact, subjectPieces(false)), { text: ' ' }, ...own(b as Fact, vpOf(b as Fact, 'main', 'end')));
        break;
      }
      case 'apposition': {
        const fa = a as Fact;
        const t = pick(kinds[0]?.apposition, fa, 'apposition');
        patterns.push(t.label);
        pieces.push(...own(fa, subjectPieces(false)), { text: ', ' }, ...own(fa, fillTemplate(t.text, fa, voice, rng)), { text: ', ' });
        pieces.push(...own(b as Fact, vpOf(b as Fact, 'main', 'end')));
        break;
      }
    }
    pieces.push({ text: '.' });

    // Text and spans.
    const start = context.length === 0 ? 0 : context.length + 1;
    let text = '';
    const marks: { span: Span; piece: Piece }[] = [];
    for (const p of pieces) {
      if (p.mark !== undefined) marks.push({ span: { start: start + text.length + p.mark.from, end: start + text.length + p.mark.to }, piece: p });
      text += p.text;
    }
    if (/ {2}| [,.]/.test(text)) throw new Error(`badly joined sentence: ${text}`);
    text = capitalise(text);

    const mentioned = new Map<number, { entity: Entity; span: Span; asSubject: boolean }>();
    let subjectSpan: Span | null = null;
    for (const { span, piece } of marks) {
      const m = piece.mark!;
      if (m.refersTo !== undefined) continue;
      if (answerType(m.value) !== 'word') mentions.push({ type: answerType(m.value), key: valueKey(m.value), span });
      if (m.value.kind !== 'literal') {
        const isFullName = !(m.role === 'S' && form === 'short') && !(m.value.kind === 'person' && scene.firstOnly.has(m.value.id));
        if (isFullName && !fullNames.has(m.value.id)) fullNames.set(m.value.id, span);
        named.add(m.value.id);
        mentioned.set(m.value.id, { entity: m.value, span, asSubject: m.role === 'S' });
        if (m.role === 'S') subjectSpan = span;
      }
    }
    if (form !== 'name' && form !== 'short') mentioned.set(subject.id, { entity: subject, span: { start, end: start }, asSubject: true });
    const subjectNamed = form === 'name' || form === 'short';
    for (const fact of unit.facts) {
      if (!statedFacts.has(fact.id)) statedFacts.set(fact.id, { sentence: index, subjectNamed, subjectSpan, fullName: form === 'name' });
    }
    for (const { span, piece } of marks) {
      const m = piece.mark!;
      const fact = owner.get(piece);
      if (fact === undefined || m.role === 'S') continue;
      const key = `${fact.id}:${m.role}`;
      if (stated.has(key)) continue;
      const answer = m.refersTo ?? span;
      stated.set(key, { fact, role: m.role, answer, sentence: index, subjectNamed, viaThere: m.refersTo !== undefined });
    }
    previous = mentioned;
    return text;
  }
}
