/**
 * A paragraph about an organisation (a firm or a school): founding and founder, seat, goods or
 * field, size, director, and often a rival of the same category with facts of the same kinds, a
 * takeover, a closing, a word about the people in it. Every organisation of the scene has its own
 * noun ("the bank", "the company"), so "the bank" can only mean one of them.
 */
import type { SceneBuilder } from './_scene-builder.ts';
import type { Fact, Filler, Scene, Statement } from './world.ts';

type Block = (Statement | Filler)[];

const FILLERS = [
  '{S} has changed its name twice.',
  'The first building of {S} still stands.',
  '{S} publishes a report every spring.',
  'Visitors can tour {S} on weekdays.',
];

const PEOPLE_DETAILS = ['born_in', 'profession'];

export function orgScene(b: SceneBuilder): Scene {
  const rng = b.rng;
  const category = rng.chance(0.65) ? 'firm' : 'school';
  const o = b.org(category);
  const rival = rng.chance(0.65) ? b.org(category) : null;
  const start = rng.range(1600, 1990);
  const maybe = (pr: number, rel: string): Fact | null => (rng.chance(pr) ? b.fact(rel, o, b.value(rel, o, start)) : null);
  const productRel = category === 'firm' ? 'products' : 'field';
  const sizeRel = category === 'firm' ? 'branches' : 'students';

  const first: Block = [];
  const foundedYear = rng.chance(0.9) ? b.fact('founded_year', o, b.year(start, start)) : null;
  const founder = maybe(0.65, 'founder');
  if (foundedYear !== null && founder !== null && rng.chance(0.5)) first.push(b.statement(founder, [foundedYear]));
  else for (const f of [foundedYear, founder]) if (f !== null) first.push(b.statement(f));
  if (founder !== null && founder.object.kind === 'person' && rng.chance(0.4)) first.push(...b.details(founder.object, PEOPLE_DETAILS, 1, start - 40));

  const middle: Block[] = [];
  const based = maybe(first.length === 0 ? 1 : 0.9, 'based_in');
  if (based !== null && first.length === 0) first.push(b.statement(based));
  const add = (f: Fact | null): void => {
    if (f === null) return;
    const block: Block = [b.statement(f)];
    if (f.object.kind === 'person' && rng.chance(0.3)) block.push(...b.details(f.object, PEOPLE_DETAILS, 1, start));
    middle.push(block);
  };
  if (first.every((s) => s.kind !== 'statement' || s.fact !== based)) add(based);
  add(maybe(0.8, productRel));
  add(maybe(0.7, 'employees'));
  add(maybe(0.6, sizeRel));
  add(maybe(0.65, 'director'));
  if (rival !== null) {
    middle.push([b.statement(b.fact('rival', o, rival)),
      ...b.details(rival, ['founded_year', 'based_in', 'employees', 'director', productRel, sizeRel], rng.range(1, 3), start, o)]);
  }
  b.jumble(middle);
  if (rng.chance(0.35)) middle.splice(rng.int(middle.length + 1), 0, [{ kind: 'filler', text: rng.pick(FILLERS) }]);

  const last: Block = [];
  let end = start;
  if (category === 'firm' && rng.chance(0.35)) {
    const buyer = b.org('firm');
    const acquired = b.fact('acquired_by', o, buyer);
    const y = rng.chance(0.7) ? b.fact('acquired_year', o, b.year(Math.min(2015, start + 5), 2020)) : null;
    if (y !== null && y.object.kind === 'literal' && y.object.year !== undefined) end = y.object.year;
    last.push(b.statement(acquired, [y]), ...b.details(buyer, ['based_in', 'employees'], rng.range(0, 1), start));
  }
  if (end + 3 <= 2020 && rng.chance(0.3)) last.push(b.statement(b.fact('closed', o, b.year(end + 3, 2020))));
  return b.scene(o, rival === null ? [] : [rival], [first, ...middle, last]);
}
