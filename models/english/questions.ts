/**
 * Every question one paragraph can be asked, sorted by difficulty level (models/synth/levels.ts):
 * for each stated role, the fact kind's question templates (most of them in other words than the
 * sentence: a WordNet synonym, another construction); the inverse ("Who founded …?"); and the
 * unanswerable ones: a role the paragraph does not state for an entity it names (plausible: the
 * same role of another entity, or a value of the type), swapped roles ("Which company did X buy?"
 * where X was bought), denied events ("… was offered a place at Y but never went" → "Where did she
 * study?"), and an entity the paragraph does not mention.
 *
 * Rules that keep it a reading task: a question never contains its answer; levels 3 and 4 need two
 * or more values of the answer's type besides the subject; a coreference question (the sentence
 * says "she", "the town", "there") with a unique answer type is dropped, as a reader could skip the
 * coreference; an unanswerable question needs a plausible answer of its type in the paragraph.
 */
import type { Prng } from '../synth/_prng.ts';
import type { Level } from '../synth/levels.ts';
import { kindOf, type Paragraph, type Span } from './compose.ts';
import { ALL_FACT_KINDS } from './fact-kinds.ts';
import { templateRoles, type FactKind } from './fact-kind.ts';
import { capitalise } from './inflect.ts';
import type { EnglishNames } from './names.ts';
import { fillTemplate, type Voice } from './template.ts';
import { overlap } from './wording.ts';
import { answerType, fullName, valueKey, type AnswerType, type Entity, type Fact, type Value } from './world.ts';

export interface AnswerSpan {
  readonly text: string;
  readonly start: number;
}

export type UnanswerableReason = 'attribute-not-stated' | 'other-entity' | 'swapped-roles' | 'negation' | 'absent-entity';

export interface EnglishQuestion {
  readonly level: Level;
  readonly text: string;
  readonly answerType: AnswerType;
  /** Acceptable answers: the span as written, then shorter ones it contains ("about 42,000", "42,000"). Empty when unanswerable. */
  readonly answers: readonly AnswerSpan[];
  readonly plausible: AnswerSpan | null;
  /** The sentence that answers it; null when unanswerable. */
  readonly evidence: number | null;
  /** The entity asked about, as the question names it. */
  readonly subject: string;
  /** One question per (entity, fact kind, role) and paragraph. */
  readonly topic: string;
  readonly kind: string;
  readonly role: string;
  /** Share of the question's content words in the answering sentence (1 for unanswerable). */
  readonly overlap: number;
  /** Level 4: what the reader must resolve. */
  readonly via?: 'pronoun' | 'there' | 'name-elsewhere';
  readonly reason?: UnanswerableReason;
}

/** What a role's answer usually is, for roles asked of an entity that has no such fact. */
const ROLE_TYPES: Readonly<Record<string, AnswerType>> = {
  time: 'time', place: 'place', field: 'field', school: 'org', profession: 'profession', employer: 'org', spouse: 'person', founder: 'person',
  leader: 'person', mayor: 'person', buyer: 'org', count: 'number', price: 'money', award: 'award', work: 'work', age: 'number',
  designer: 'person', river: 'place', region: 'place', measure: 'measure', products: 'product', things: 'description', what: 'description',
  org: 'org', sibling: 'person', rival: 'org', partner: 'org', title: 'profession', job: 'profession', building: 'description', other: 'place',
  distance: 'measure', direction: 'direction', port: 'place', duration: 'measure', town: 'place', mouth: 'place', spouseJob: 'profession',
};

const BARE_YEAR = /^\d{3,4}$/;

/** Roles that state the same thing from another fact kind ("a village in Gremciarn" gives the region). */
const SAME_AS: Readonly<Record<string, readonly string[]>> = {
  'region.region': ['place_kind.region'],
  'place_kind.region': ['region.region'],
  'hq.place': ['org_kind.place'],
  'org_kind.place': ['hq.place'],
};

function appliesTo(k: FactKind, e: Entity): boolean {
  if (k.subject !== e.kind) return false;
  if (k.only === undefined) return true;
  if (e.kind === 'org') return k.only.includes(e.type.offers);
  if (e.kind === 'place') return k.only.includes(e.type);
  return true;
}

/** The name a question uses: a sister called "Anna" in the text is "Anna Kowalski" in a question. */
function questionName(e: Entity): string {
  return fullName(e);
}

export function candidateQuestions(par: Paragraph, rng: Prng, names: EnglishNames): Map<Level, EnglishQuestion[]> {
  const { scene, context } = par;
  const out = new Map<Level, EnglishQuestion[]>([[1, []], [2, []], [3, []], [4, []], [5, []]]);
  const at = (s: Span): AnswerSpan => ({ text: context.slice(s.start, s.end), start: s.start });
  const sentenceText = (i: number): string => {
    const s = par.sentences[i] as Span;
    return context.slice(s.start, s.end);
  };
  const isStated = (f: Fact, role: string): boolean => par.stated.has(`${f.id}:${role}`);
  const factsOf = (e: Entity, kind: string): Fact[] => scene.facts.filter((f) => f.subject.id === e.id && f.kind === kind && par.statedFacts.has(f.id));
  /** Distinct values of `type` a reader could give, the subject aside. */
  const candidates = (type: AnswerType, subject: Entity): number =>
    new Set(par.mentions.filter((m) => m.type === type && m.key !== valueKey(subject)).map((m) => m.key)).size;

  /** A question's text for `fact` with the subject named; null when it names a role the paragraph does not state. */
  const ask = (template: string, fact: Fact, target: string): string | null => {
    const body = template.startsWith('Y|') ? template.slice(2) : template;
    for (const r of templateRoles(body)) if (r !== target && !isStated(fact, r)) return null;
    // {type:target} ("In which town …") may name the answer's kind; the answer itself never.
    if (templateRoles(body.replace(/\{type:[^}]+\}/g, '')).includes(target)) return null;
    const voice: Voice = {
      subject: (possessive) => [{ text: questionName(fact.subject) + (possessive ? "'s" : '') }],
      entity: (e) => ({ text: questionName(e) }),
      literal: (l) => ({ text: l.asked ?? l.text }),
      there: () => null,
    };
    return capitalise(fillTemplate(body, fact, voice, rng).map((p) => p.text).join(''));
  };
  const alternatives = (v: Value, span: Span): AnswerSpan[] => {
    const main = at(span);
    const alts = v.kind === 'literal' ? v.alts : [];
    const out: AnswerSpan[] = [main];
    for (const a of alts) {
      const i = main.text.toLowerCase().lastIndexOf(a.toLowerCase());
      if (i >= 0 && a !== main.text) out.push({ text: main.text.slice(i, i + a.length), start: main.start + i });
    }
    return out;
  };
  const add = (q: EnglishQuestion): void => {
    const shown = [...q.answers, ...(q.plausible === null ? [] : [q.plausible])];
    const lower = q.text.toLowerCase();
    if (shown.some((a) => lower.includes(a.text.toLowerCase()))) return;
    out.get(q.level)?.push(q);
  };

  /** Answerable questions asking `role` of `fact` (or its subject, role 'S'), answered at `answer`. */
  const answerable = (fact: Fact, role: string, value: Value, answer: Span, via: EnglishQuestion['via'] | undefined, sentence: number): void => {
    const k = kindOf(fact);
    const templates = k.questions[role] ?? [];
    const type = answerType(value);
    const subject = role === 'S' ? (fact.roles[templateRoles(templates[0] ?? '')[0] ?? ''] as Entity | undefined) : fact.subject;
    const contested = candidates(type, role === 'S' ? (subject ?? fact.subject) : fact.subject) >= 2;
    if (via !== undefined && !contested) return;
    for (const t of templates) {
      if (t.startsWith('Y|') && !(value.kind === 'literal' && BARE_YEAR.test(value.text))) continue;
      const text = ask(t, fact, role);
      if (text === null) continue;
      const named = role === 'S' ? Object.values(fact.roles).filter((v): v is Entity => v.kind !== 'literal').map(fullName) : [fullName(fact.subject)];
      const o = overlap(text, sentenceText(sentence), named);
      const level: Level = via !== undefined ? 4 : contested ? 3 : o >= 0.5 ? 1 : 2;
      add({
        level, text, answerType: type, answers: alternatives(value, answer), plausible: null, evidence: sentence,
        subject: role === 'S' ? named.join(', ') : fullName(fact.subject), topic: `${fact.id}:${role}`, kind: fact.kind, role, overlap: o,
        ...(via === undefined ? {} : { via }),
      });
    }
  };

  for (const sr of par.stated.values()) {
    const sf = par.statedFacts.get(sr.fact.id);
    if (sf === undefined) continue;
    const via = sr.viaThere ? 'there' : sf.subjectNamed ? undefined : 'pronoun';
    answerable(sr.fact, sr.role, sr.fact.roles[sr.role] as Value, sr.answer, via, sr.sentence);
  }
  // Inverse: the subject asked for ("Who founded the Kowalski Bakery?").
  for (const f of scene.facts) {
    const sf = par.statedFacts.get(f.id);
    if (sf === undefined || kindOf(f).questions['S'] === undefined) continue;
    if (sf.fullName && sf.subjectSpan !== null) answerable(f, 'S', f.subject, sf.subjectSpan, undefined, sf.sentence);
    else {
      const full = par.fullNames.get(f.subject.id);
      if (full !== undefined) answerable(f, 'S', f.subject, full, 'name-elsewhere', sf.sentence);
    }
  }

  // Unanswerable: a role not stated for an entity the paragraph names.
  const askable = [scene.focus, ...scene.peers].filter((e) => par.fullNames.has(e.id));
  for (const e of askable) {
    for (const k of ALL_FACT_KINDS) {
      if (!appliesTo(k, e)) continue;
      const own = factsOf(e, k.id);
      if ((k.impliedBy ?? []).some((kind) => factsOf(e, kind).length > 0)) continue;
      for (const [role, templates] of Object.entries(k.questions)) {
        if (role === 'S' || own.some((f) => isStated(f, role))) continue;
        if ((SAME_AS[`${k.id}.${role}`] ?? []).some((kr) => factsOf(e, kr.split('.')[0] as string).some((f) => isStated(f, kr.split('.')[1] as string)))) continue;
        // The plausible answer: the same role of another entity, else any value of the type.
        const same = scene.facts.find((f) => f.kind === k.id && f.subject.id !== e.id && isStated(f, role));
        const type = same !== undefined ? answerType(same.roles[role] as Value) : ROLE_TYPES[role];
        if (type === undefined || type === 'word') continue;
        const pool = par.mentions.filter((m) => m.type === type && m.key !== valueKey(e));
        const span = same !== undefined ? par.stated.get(`${same.id}:${role}`)?.answer : pool.length > 0 ? rng.pick(pool).span : undefined;
        if (span === undefined) continue;
        const host: Fact = own[0] ?? { id: -1, kind: k.id, subject: e, roles: {} };
        for (const t of templates) {
          if (t.startsWith('Y|')) continue;
          const body = t;
          if (templateRoles(body).some((r) => r !== role && (own[0] === undefined || !isStated(host, r)))) continue;
          if (templateRoles(body).includes(role)) continue;
          const text = ask(body, host, role);
          if (text === null) continue;
          add({
            level: 5, text, answerType: type, answers: [], plausible: at(span), evidence: null, subject: fullName(e), topic: `${e.id}:${k.id}:${role}`,
            kind: k.id, role, overlap: 1, reason: same !== undefined ? 'other-entity' : 'attribute-not-stated',
          });
        }
      }
    }
  }

  // Traps: swapped roles and denied events.
  for (const f of scene.facts) {
    const traps = kindOf(f).traps;
    if (traps === undefined || !par.statedFacts.has(f.id)) continue;
    for (const trap of traps) {
      if (trap.unless !== undefined) {
        const [kr, onRole] = trap.unless.split('@') as [string, string | undefined];
        const [kind, role] = kr.split('.') as [string, string];
        const who = onRole === undefined ? f.subject : f.roles[onRole];
        if (who !== undefined && who.kind !== 'literal' && factsOf(who, kind).some((g) => isStated(g, role))) continue;
      }
      // A swapped question must be false of the world, not only unstated.
      if (f.kind === 'acquired' && scene.facts.some((g) => g.kind === 'acquired' && (g.roles['buyer']?.kind !== 'literal' && (g.roles['buyer'] as Entity | undefined)?.id === f.subject.id || g.subject.id === (f.roles['buyer'] as Entity).id))) continue;
      const plausible = trap.plausible === 'S' ? (par.statedFacts.get(f.id)?.subjectSpan ?? par.fullNames.get(f.subject.id)) : par.stated.get(`${f.id}:${trap.plausible}`)?.answer;
      if (plausible === undefined || plausible === null) continue;
      const text = ask(trap.text, f, '');
      if (text === null) continue;
      const pv = trap.plausible === 'S' ? f.subject : f.roles[trap.plausible] as Value;
      add({
        level: 5, text, answerType: answerType(pv), answers: [], plausible: at(plausible), evidence: null, subject: fullName(f.subject),
        topic: `${f.id}:trap:${trap.text}`, kind: f.kind, role: trap.plausible, overlap: 1, reason: trap.reason,
      });
    }
  }

  // An entity the paragraph does not mention, asked what the paragraph states of the focus.
  const focusRoles = [...par.stated.values()].filter((sr) => sr.fact.subject.id === scene.focus.id && (kindOf(sr.fact).questions[sr.role]?.length ?? 0) > 0);
  if (focusRoles.length > 0) {
    const sr = rng.pick(focusRoles);
    const e = scene.focus;
    const stranger: Entity = e.kind === 'person' ? { ...e, id: -1, ...names.person(e.gender) }
      : e.kind === 'org' ? { ...e, id: -1, name: `${names.brand()} ${e.type.word}`.trim() }
      : { ...e, id: -1, name: e.type === 'river' ? names.river() : e.type === 'bridge' || e.type === 'building' || e.type === 'park' ? `${names.landmark()} ${e.name.split(' ').slice(-1)[0] ?? ''}` : names.town() };
    const host: Fact = { ...sr.fact, subject: stranger };
    for (const t of kindOf(sr.fact).questions[sr.role] ?? []) {
      if (t.startsWith('Y|') || templateRoles(t).some((r) => r !== sr.role)) continue;
      const text = ask(t, host, sr.role);
      if (text === null || context.includes(fullName(stranger).replace(/^the /, ''))) continue;
      add({
        level: 5, text, answerType: answerType(sr.fact.roles[sr.role] as Value), answers: [], plausible: at(sr.answer), evidence: null,
        subject: fullName(stranger), topic: `-1:${sr.fact.kind}:${sr.role}`, kind: sr.fact.kind, role: sr.role, overlap: 1, reason: 'absent-entity',
      });
    }
  }
  return out;
}
