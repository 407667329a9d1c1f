/**
 * A paragraph about a person: a life told in order (birth, parents, studies, work, moves, what
 * they founded or wrote, marriage, children, prizes, death), sometimes a sibling with a life of the
 * same kinds (the distractors), sometimes an offer turned down (a negation trap).
 */
import type { Builder } from './builder.ts';
import type { Scene } from './scene.ts';
import { AWARD_SUBJECTS, AWARD_WORDS, FIELDS, ORG_TYPES, PROFESSIONS, TITLE_ADJECTIVES, TITLE_WORDS, WORK_KINDS } from './vocabulary.ts';
import type { Fact, Person, Place } from './world.ts';

const EMPLOYERS = ORG_TYPES.filter((t) => !['band', 'club', 'rowing'].includes(t.id));
const SCHOOLS = ORG_TYPES.filter((t) => t.id === 'university' || t.id === 'college');
/** The order a life is told in. */
const ORDER = ['born', 'studied', 'job', 'moved'];
const FOUNDABLE = ORG_TYPES.filter((t) => ['bakery', 'brewery', 'company', 'press', 'charity', 'band', 'theatre', 'dairy', 'museum'].includes(t.id));

export function personScene(b: Builder): Scene {
  const rng = b.rng;
  const p = b.person();
  const born = b.yearNumber(1890, 1990);
  const home = b.place(rng.pick(['town', 'town', 'city', 'village']));
  const firstOnly = new Set<number>();
  const peers: Person[] = [];
  let cursor = born + rng.range(18, 24);
  /** The next event's time (in order), or none. */
  const next = (p0 = 0.7): ReturnType<Builder['time']> | undefined => {
    if (!rng.chance(p0) || cursor > 2022) return undefined;
    const t = b.time(cursor, Math.min(2023, cursor + 5));
    cursor = (t.year ?? cursor) + 1;
    return t;
  };
  const profession = (): ReturnType<Builder['np']> => b.np('profession', rng.pick(PROFESSIONS));
  const facts: Fact[] = [];
  const tail: Fact[] = [];

  const bornAt = rng.chance(0.9) ? home : undefined;
  const birthTime = rng.chance(0.85) ? b.literal('time', () => {
    const r = rng.float();
    return r < 0.3 ? { text: `${rng.range(1, 28)} ${rng.pick(['January', 'March', 'May', 'July', 'September', 'November'])} ${born}`, prep: 'on', year: born } : { text: String(born), prep: 'in', year: born };
  }) : undefined;
  facts.push(b.fact('born', p, { place: bornAt, time: birthTime }));
  if (rng.chance(0.25)) facts.push(b.fact('parent_job', p, { job: profession(), parent: b.word(rng.pick(['father', 'mother'])) }));

  let sibling: Person | undefined;
  const siblingFacts: Fact[] = [];
  if (rng.chance(0.35)) {
    sibling = b.person(undefined, p.last);
    firstOnly.add(sibling.id);
    peers.push(sibling);
    facts.push(b.fact('sibling', p, { sibling }));
  }
  if (rng.chance(0.65)) {
    const school = b.org(rng.pick(SCHOOLS));
    facts.push(b.fact('studied', p, { field: b.np('field', rng.pick(FIELDS)), school: rng.chance(0.85) ? school : undefined }));
  }
  if (rng.chance(0.12)) {
    facts.push(b.fact('declined', p, rng.chance(0.5) ? { school: b.org(rng.pick(SCHOOLS)) } : { employer: b.org(rng.pick(EMPLOYERS)) }));
  }
  const jobTime = next(0.6);
  const works = rng.chance(0.8);
  if (works) {
    const employer = rng.chance(0.65) ? b.org(rng.pick(EMPLOYERS)) : undefined;
    facts.push(b.fact('job', p, { profession: employer === undefined || rng.chance(0.85) ? profession() : undefined, employer, time: jobTime }));
  }
  let lastPlace: Place = home;
  if (rng.chance(0.5)) {
    lastPlace = b.place(rng.pick(['town', 'city']));
    facts.push(b.fact('moved', p, { place: lastPlace, time: next() }));
  }
  if (rng.chance(0.35)) {
    const org = b.org(rng.pick(FOUNDABLE), lastPlace);
    const what = b.np('description', rng.pick(org.type.descriptions), `the ${org.type.noun}`);
    facts.push(b.fact('founded', p, { org, what, place: rng.chance(0.6) ? lastPlace : undefined, time: next(0.8) }));
  }
  let spouse: Person | undefined;
  if (rng.chance(0.4)) {
    spouse = b.person(p.gender === 'f' ? 'm' : 'f');
    peers.push(spouse);
    facts.push(b.fact('married', p, { spouse, spouseJob: rng.chance(0.5) ? profession() : undefined, time: next(0.6) }));
  }
  if (rng.chance(0.3)) facts.push(b.fact('children', p, { count: b.small(2, 6), spouse: spouse !== undefined && rng.chance(0.4) ? spouse : undefined }));
  if (rng.chance(0.25)) {
    const title = rng.chance(0.5) ? `The ${rng.pick(TITLE_ADJECTIVES)} ${rng.pick(TITLE_WORDS)}` : `${rng.pick(TITLE_WORDS)} and ${rng.pick(TITLE_WORDS)}`;
    facts.push(b.fact('wrote', p, { work: b.np('work', title), workKind: b.np('description', rng.pick(WORK_KINDS)), time: next(0.6) }));
  }
  if (rng.chance(0.3)) {
    const award = `${b.names.brand()} ${rng.chance(0.5) ? `${rng.pick(AWARD_SUBJECTS)} ` : ''}${rng.pick(AWARD_WORDS)}`;
    facts.push(b.fact('award', p, { award: b.np('award', award), time: next(0.7) }));
  }
  if (rng.chance(0.35) && cursor < 2020) {
    const death = b.yearNumber(Math.max(cursor, born + 45), Math.min(2023, born + 96));
    const time = b.literal('time', () => ({ text: String(death), prep: 'in', year: death }));
    tail.push(b.fact('died', p, { time: rng.chance(0.85) ? time : undefined, place: rng.chance(0.5) ? lastPlace : undefined, age: rng.chance(0.4) ? b.literal('number', () => ({ text: String(death - born) })) : undefined }));
  }
  if (sibling !== undefined) {
    // The sibling's life has facts of the kinds the focus has: the reader must keep them apart.
    const sb = b.yearNumber(born - 8, born + 8);
    const kinds = rng.shuffle(['born', 'job', 'studied', 'moved']).slice(0, rng.range(1, 3)).sort((x, y) => ORDER.indexOf(x) - ORDER.indexOf(y));
    for (const k of kinds) {
      if (k === 'born') siblingFacts.push(b.fact('born', sibling, { place: rng.chance(0.5) ? b.place('town') : undefined, time: b.literal('time', () => ({ text: String(sb), prep: 'in', year: sb })) }));
      if (k === 'job') siblingFacts.push(b.fact('job', sibling, { profession: profession(), employer: rng.chance(0.5) ? b.org(rng.pick(EMPLOYERS)) : undefined }));
      if (k === 'studied') siblingFacts.push(b.fact('studied', sibling, { field: b.np('field', rng.pick(FIELDS)), school: rng.chance(0.6) ? b.org(rng.pick(SCHOOLS)) : undefined }));
      if (k === 'moved') siblingFacts.push(b.fact('moved', sibling, { place: b.place(rng.pick(['town', 'city'])), time: b.time(born + 15, born + 40) }));
    }
  }
  const clean = facts.filter((f) => Object.keys(f.roles).length > 0);
  const ordered = [...clean, ...tail];
  // The sibling's sentences follow the one that introduces the sibling.
  const at = ordered.findIndex((f) => f.kind === 'sibling');
  const withSibling = at < 0 ? ordered : [...ordered.slice(0, at + 1), ...siblingFacts, ...ordered.slice(at + 1)];
  return { focus: p, peers, facts: b.facts, plan: withSibling, firstOnly };
}
