/**
 * A paragraph about a town: province, river, founding and founder, population, height, area,
 * industry, bridges, mayor, and often a twin town with facts of the same kinds (its own
 * population, its own river). The focus is "the town" / "the city" / "the port" on a second
 * mention; the twin is always named.
 */
import type { SceneBuilder } from './_scene-builder.ts';
import { CITY_NOUNS } from './lexicon.ts';
import type { Fact, Filler, Scene, Statement } from './world.ts';

type Block = (Statement | Filler)[];

const FILLERS = [
  'The old market square of {S} draws many visitors.',
  '{S} has a mild climate.',
  'Many festivals take place in {S} every summer.',
  'The streets of {S} are narrow and steep.',
];

const ODDS: Readonly<Record<string, number>> = { population: 0.9, elevation: 0.5, area: 0.4, industry: 0.65, mayor: 0.6, bridges: 0.35 };

export function cityScene(b: SceneBuilder): Scene {
  const rng = b.rng;
  const c = b.city(rng.pick(CITY_NOUNS));
  const twin = rng.chance(0.65) ? b.city() : null;
  const maybe = (pr: number, rel: string): Fact | null => (rng.chance(pr) ? b.fact(rel, c, b.value(rel, c, 800)) : null);

  const first: Block = [];
  for (const rel of rng.shuffle(['region', 'river'])) {
    const f = maybe(0.75, rel);
    if (f !== null) first.push(b.statement(f));
  }
  const middle: Block[] = [];
  const put = (block: Block): void => {
    if (first.length === 0) first.push(...block);
    else middle.push(block);
  };
  const founded = maybe(0.75, 'city_founded');
  const founder = maybe(0.35, 'city_founder');
  if (founded !== null && founder !== null && rng.chance(0.5)) put([b.statement(founder, [founded])]);
  else for (const f of [founded, founder]) if (f !== null) put([b.statement(f)]);
  for (const [rel, odds] of Object.entries(ODDS)) {
    const f = maybe(first.length === 0 && rel === 'population' ? 1 : odds, rel);
    if (f === null) continue;
    const block: Block = [b.statement(f)];
    if (f.object.kind === 'person' && rng.chance(0.35)) block.push(...b.details(f.object, ['born_in', 'profession'], 1, 1900));
    put(block);
  }
  if (twin !== null) {
    middle.push([b.statement(b.fact('twin', c, twin)),
      ...b.details(twin, ['population', 'region', 'river', 'city_founded', 'industry', 'elevation', 'mayor'], rng.range(1, 3), 800, c)]);
  }
  b.jumble(middle);
  if (rng.chance(0.35)) middle.splice(rng.int(middle.length + 1), 0, [{ kind: 'filler', text: rng.pick(FILLERS) }]);
  return b.scene(c, twin === null ? [] : [twin], [first, ...middle]);
}
