/**
 * A scene written out as a paragraph, with the character span of every fact's answer, how each
 * sentence named its subject (a name, a surname, or a pronoun / description: the coreference a
 * level-4 question tests) and every mention of a typed value (to count the candidates a reader
 * must choose between).
 */
import type { Prng } from './_prng.ts';
import type { SentenceTemplate, ValueType } from './relation.ts';
import { relationById } from './relations.ts';
import { surface, valueKey, valueType, type Entity, type Fact, type Scene, type Value } from './world.ts';

export interface Span {
  readonly start: number;
  readonly end: number;
}

/** How a sentence wrote its subject: full name, surname alone, or "she" / "the company". */
export type SubjectForm = 'name' | 'short' | 'pronoun';

export interface StatedFact {
  readonly fact: Fact;
  readonly sentence: number;
  /** The wording key of the sentence template (relation.ts). */
  readonly key: string;
  /** The object's answer text in the context. */
  readonly answer: Span;
  readonly subjectForm: SubjectForm;
  /** The subject's name in this sentence when it was written as a name. */
  readonly subject: Span | null;
}

export interface Mention {
  readonly type: ValueType;
  /** world.ts valueKey: the same entity or literal gives the same key. */
  readonly key: string;
  readonly span: Span;
}

export interface Paragraph {
  readonly scene: Scene;
  readonly context: string;
  readonly sentences: readonly Span[];
  /** By fact id; companions included. */
  readonly stated: ReadonlyMap<number, StatedFact>;
  readonly mentions: readonly Mention[];
  /** The first full-name mention of each entity, by entity id. */
  readonly fullNames: ReadonlyMap<number, Span>;
}

const SLOT = /\{([^}]+)\}/g;

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The subject as the sentence writes it. */
function subjectText(e: Entity, form: SubjectForm, possessive: boolean): { pre: string; text: string } {
  if (form === 'pronoun') {
    if (e.kind === 'person') return { pre: '', text: possessive ? (e.gender === 'f' ? 'her' : 'his') : e.gender === 'f' ? 'she' : 'he' };
    return { pre: '', text: `the ${e.noun}${possessive ? "'s" : ''}` };
  }
  return form === 'short' && e.kind === 'person' ? { pre: '', text: e.last } : surface(e);
}

function templatesFor(fact: Fact, companions: readonly Fact[]): SentenceTemplate[] {
  const rels = companions.map((c) => c.rel).join(',');
  const bareYear = fact.object.kind === 'literal' && fact.object.prep === 'in';
  return relationById(fact.rel).sentences.filter((t) => (t.with ?? []).map((w) => w.rel).join(',') === rels && (t.yearOnly !== true || bareYear));
}

interface Piece {
  text: string;
  /** Marks a span of `text` (offsets inside it) as the mention of `value`, the answer of `fact` or the subject. */
  mark?: { from: number; to: number; value: Value; role: 'subject' | 'object'; fact?: Fact };
}

/** Writes one template with its slots filled; returns the sentence's pieces. */
function fill(template: string, fact: Fact, companions: readonly Fact[], subject: Entity, wanted: SubjectForm): { pieces: Piece[]; form: SubjectForm } {
  const pieces: Piece[] = [];
  let form = wanted;
  let last = 0;
  const object = (f: Fact, lead: string): Piece => {
    const s = surface(f.object);
    const text = `${lead}${s.pre}${s.text}`;
    return { text, mark: { from: text.length - s.text.length, to: text.length, value: f.object, role: 'object', fact: f } };
  };
  const gendered = (v: Value, choice: string): string => {
    const [f, m] = choice.split('|') as [string, string];
    return v.kind === 'person' && v.gender === 'm' ? m : f;
  };
  for (const m of template.matchAll(SLOT)) {
    pieces.push({ text: template.slice(last, m.index) });
    last = m.index + m[0].length;
    const slot = m[1] as string;
    const companion = (n: string): Fact => {
      const c = companions[Number(n) - 2];
      if (c === undefined) throw new Error(`template ${template}: no companion for {O${n}}`);
      return c;
    };
    let match: RegExpMatchArray | null;
    if (slot === 'S' || slot === "S's") {
      // "she"/"he" only as a grammatical subject (sentence start or after an opening phrase):
      // "the birth of she" is not English, so a person there keeps the surname.
      const before = pieces.map((p) => p.text).join('');
      if (form === 'pronoun' && subject.kind === 'person' && slot === 'S' && !(before.trim() === '' || /,\s*$/.test(before))) form = 'short';
      const s = subjectText(subject, form, slot === "S's");
      const post = slot === "S's" && form !== 'pronoun' ? "'s" : '';
      const text = s.pre + s.text + post;
      pieces.push(form === 'pronoun' ? { text } : { text, mark: { from: s.pre.length, to: s.pre.length + s.text.length, value: subject, role: 'subject' } });
    } else if ((match = /^(a |at )?O(\d)?$/.exec(slot)) !== null) {
      const f = match[2] === undefined ? fact : companion(match[2]);
      let lead = '';
      if (match[1] === 'at ') lead = `${f.object.kind === 'literal' ? f.object.prep ?? 'in' : 'in'} `;
      if (match[1] === 'a ') lead = /^[aeiou]/i.test(surface(f.object).text) ? 'an ' : 'a ';
      pieces.push(object(f, lead));
    } else if (slot.startsWith('og:')) {
      pieces.push({ text: gendered(fact.object, slot.slice(3)) });
    } else if (slot.startsWith('sg:')) {
      pieces.push({ text: gendered(subject, slot.slice(3)) });
    } else {
      throw new Error(`template ${template}: unknown slot {${slot}}`);
    }
  }
  pieces.push({ text: template.slice(last) });
  return { pieces, form };
}

/**
 * Whether "she" / "the town" could be read as `other` instead of the focus: same kind, and the
 * same gender or the same noun. Towns always can ("the city" fits any town).
 */
function confusable(focus: Entity, other: Entity): boolean {
  if (other === focus || other.kind !== focus.kind) return false;
  if (focus.kind === 'person') return other.kind === 'person' && other.gender === focus.gender;
  if (focus.kind === 'org') return other.kind === 'org' && other.noun === focus.noun;
  return true;
}

/** Writes the scene; `rng` chooses templates and how each sentence names its subject. */
export function renderScene(scene: Scene, rng: Prng): Paragraph {
  let context = '';
  const sentences: Span[] = [];
  const stated = new Map<number, StatedFact>();
  const mentions: Mention[] = [];
  const fullNames = new Map<number, Span>();
  let focusNamed = false;
  /** Entities the previous sentence mentioned: a pronoun right after one that fits it too would be ambiguous. */
  let previous: Entity[] = [];

  for (const item of scene.plan) {
    const subject = item.kind === 'filler' ? scene.focus : item.fact.subject;
    let form: SubjectForm = 'name';
    if (subject === scene.focus && focusNamed && !previous.some((e) => confusable(scene.focus, e))) {
      const r = rng.float();
      form = r < 0.5 ? 'pronoun' : r < 0.7 && subject.kind === 'person' ? 'short' : 'name';
    }
    let filled: { pieces: Piece[]; form: SubjectForm };
    let key = '';
    if (item.kind === 'filler') {
      filled = fill(item.text, { id: -1, rel: 'filler', subject, object: subject }, [], subject, form);
    } else {
      const options = templatesFor(item.fact, item.companions);
      if (options.length === 0) throw new Error(`no sentence template for ${item.fact.rel} with ${item.companions.map((c) => c.rel).join(', ') || 'no companions'}`);
      const t = rng.pick(options);
      key = t.key;
      filled = fill(t.text, item.fact, item.companions, subject, form);
    }
    const pieces = filled.pieces;
    form = filled.form;
    if (subject === scene.focus) focusNamed = true;

    const start = context.length === 0 ? 0 : context.length + 1;
    let sentence = '';
    const marks: { span: Span; mark: NonNullable<Piece['mark']> }[] = [];
    for (const p of pieces) {
      if (p.mark !== undefined) marks.push({ span: { start: start + sentence.length + p.mark.from, end: start + sentence.length + p.mark.to }, mark: p.mark });
      sentence += p.text;
    }
    context += (context.length === 0 ? '' : ' ') + capitalise(sentence);
    const index = sentences.length;
    sentences.push({ start, end: context.length });

    previous = marks.flatMap(({ mark }) => (mark.value.kind === 'literal' ? [] : [mark.value]));
    let subjectSpan: Span | null = null;
    for (const { span, mark } of marks) {
      mentions.push({ type: valueType(mark.value), key: valueKey(mark.value), span });
      const isFull = mark.role === 'object' || form === 'name';
      if (mark.value.kind !== 'literal' && isFull && !fullNames.has(mark.value.id)) fullNames.set(mark.value.id, span);
      if (mark.role === 'subject') subjectSpan = span;
    }
    if (item.kind === 'filler') continue;
    for (const { span, mark } of marks) {
      if (mark.role !== 'object' || mark.fact === undefined) continue;
      const f = mark.fact;
      // A companion of the object ("founded the X Company in 1902": the company's founding year)
      // has the object as its subject, written as a full name in this sentence.
      const ownSubject = f.subject === item.fact.subject;
      const objectMark = marks.find((m) => m.mark.role === 'object' && m.mark.value === f.subject);
      stated.set(f.id, {
        fact: f, sentence: index, key, answer: span,
        subjectForm: ownSubject ? form : 'name',
        subject: ownSubject ? subjectSpan : objectMark?.span ?? null,
      });
    }
  }
  return { scene, context, sentences, stated, mentions, fullNames };
}
