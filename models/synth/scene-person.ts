/**
 * A paragraph about a person: birth, schooling, work, moves, marriage, founding, prizes, death;
 * often a sibling or a spouse with facts of the same kinds (born in another town, another
 * profession), and a few facts about the organisations the person worked for or founded. Those
 * are the distractors a reader must tell apart. Peers are always of the other gender and always
 * named, so "she"/"he" can only mean the focus.
 */
import type { SceneBuilder } from './_scene-builder.ts';
import type { Fact, Filler, Org, Person, Scene, Statement } from './world.ts';

type Block = (Statement | Filler)[];

const FILLERS = [
  '{S} kept a detailed diary for most of {sg:her|his} life.',
  "Little is known about {S's} early years.",
  '{S} rarely spoke about {sg:her|his} work in public.',
  '{S} enjoyed long walks in the hills.',
  'Friends described {S} as patient and curious.',
];

/** No dated event lies after this year: the world's present. */
const LAST_YEAR = 2020;

const ORG_DETAILS = ['based_in', 'employees', 'products', 'field', 'director', 'founded_year'];

export function personScene(b: SceneBuilder): Scene {
  const rng = b.rng;
  const gender = rng.chance(0.5) ? 'f' : 'm';
  const other = gender === 'f' ? 'm' : 'f';
  const p = b.person(gender);
  const born = rng.range(1650, 1960);
  const sibling = rng.chance(0.65) ? b.person(other, true, p.last) : null;
  const spouse = rng.chance(0.55) ? b.person(other) : null;
  const maybe = (pr: number, rel: string): Fact | null => (rng.chance(pr) ? b.fact(rel, p, b.value(rel, p, born)) : null);

  const first: Block = [];
  const bornIn = maybe(0.9, 'born_in');
  const bornDate = rng.chance(0.85) ? b.fact('born_date', p, b.date(born, born)) : null;
  if (bornIn !== null && bornDate !== null && rng.chance(0.5)) first.push(b.statement(bornIn, [bornDate]));
  else for (const f of [bornIn, bornDate]) if (f !== null) first.push(b.statement(f));
  const profession = maybe(first.length === 0 ? 1 : 0.9, 'profession');

  const middle: Block[] = [];
  if (profession !== null) {
    if (first.length === 0) first.push(b.statement(profession));
    else middle.push([b.statement(profession)]);
  }
  /** The latest dated event of the focus's life: death comes after it. */
  let latest = born;
  /** A year in [lo, hi] for an event of the life, none after 2020. */
  const eventYear = (lo: number, hi: number) => {
    const year = b.year(lo, Math.min(hi, LAST_YEAR));
    latest = Math.max(latest, year.year ?? latest);
    return year;
  };
  /** A fact with, sometimes, its year in the same sentence; then, for an organisation, what it is. */
  const add = (f: Fact | null, yearRel: string | null, lo: number, hi: number): void => {
    if (f === null) return;
    const dated = yearRel !== null && lo <= LAST_YEAR && rng.chance(0.55);
    const y = dated ? b.fact(yearRel, f.rel === 'founded' ? (f.object as Org) : p, eventYear(lo, hi)) : null;
    const block: Block = [b.statement(f, [y])];
    if (f.object.kind === 'org' && rng.chance(0.6)) {
      // An organisation the person founded is as old as the founding, which the sentence may date.
      const rels = f.rel === 'founded' ? ORG_DETAILS.filter((rel) => rel !== 'founded_year') : ORG_DETAILS;
      block.push(...b.details(f.object, rels, rng.range(1, 2), born - rng.range(45, 150)));
    }
    middle.push(block);
  };
  add(maybe(0.5, 'studied_at'), 'graduated_year', born + 19, born + 26);
  add(maybe(0.7, 'works_for'), 'joined_year', born + 20, born + 45);
  add(maybe(0.6, 'moved_to'), 'moved_year', born + 15, born + 55);
  add(maybe(0.4, 'founded'), 'founded_year', born + 22, born + 60);
  add(maybe(0.45, 'award'), 'award_year', born + 25, born + 70);
  add(maybe(0.4, 'books'), null, 0, 0);
  add(maybe(0.35, 'children'), null, 0, 0);

  // Peers: introduced by their relation to the focus, then given facts of kinds the focus has too.
  if (sibling !== null) {
    middle.push([b.statement(b.fact('sibling', p, sibling)),
      ...b.details(sibling, ['born_in', 'born_date', 'profession', 'moved_to', 'works_for', 'died'], rng.range(1, 3), born, p)]);
  }
  if (spouse !== null) {
    const married = b.fact('married', p, spouse);
    const y = rng.chance(0.6) ? b.fact('married_year', p, eventYear(born + 18, born + 45)) : null;
    middle.push([b.statement(married, [y]), ...b.details(spouse, ['profession', 'born_in', 'works_for', 'died'], rng.range(0, 2), born, p)]);
  }
  b.jumble(middle);
  if (rng.chance(0.35)) middle.splice(rng.int(middle.length + 1), 0, [{ kind: 'filler', text: rng.pick(FILLERS) }]);

  const last: Block = [];
  const deathFrom = Math.max(born + 40, latest + 1);
  if (deathFrom <= Math.min(LAST_YEAR, born + 95) && rng.chance(0.55)) last.push(b.statement(b.fact('died', p, b.year(deathFrom, Math.min(LAST_YEAR, born + 95)))));
  return b.scene(p, [sibling, spouse].filter((x): x is Person => x !== null), [first, ...middle, last]);
}
