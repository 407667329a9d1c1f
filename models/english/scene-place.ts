/**
 * A paragraph about a place: a town, city, village or island (what kind of place, where it lies,
 * its river, its neighbour with distance and direction, population, what it is known for, its
 * age, a disaster, its mayor, a ferry, a landmark with its own facts, a plan that was dropped), or
 * a landmark itself (a bridge or a building: where, when, by whom, how long, what it crosses). A
 * neighbouring town with facts of the same kinds makes the distractors.
 */
import type { Builder } from './builder.ts';
import type { Scene } from './scene.ts';
import { DIRECTIONS, EVENTS, KNOWN_FOR, PLACE_DESCRIPTIONS } from './vocabulary.ts';
import type { Fact, Place } from './world.ts';

const POPULATION: Readonly<Record<string, [number, number]>> = { village: [40, 3000], town: [2000, 90000], city: [40000, 2000000], island: [30, 60000] };
const PROJECTS: readonly [string, string][] = [['a railway station', 'the railway station'], ['a new bridge', 'the new bridge'], ['a second harbour', 'the second harbour'], ['a concert hall', 'the concert hall'], ['an airport', 'the airport'], ['a tram line', 'the tram line']];

function yearLiteral(b: Builder, lo: number, hi: number): ReturnType<Builder['time']> {
  const y = b.yearNumber(lo, hi);
  return b.literal('time', () => ({ text: String(y), prep: 'in', year: y }));
}

function landmarkFacts(b: Builder, l: Place, town: Place | undefined, river: Place | undefined): Fact[] {
  const rng = b.rng;
  const out: Fact[] = [];
  if (town !== undefined) out.push(b.fact('stands_in', l, { town }));
  out.push(b.fact('built', l, { time: rng.chance(0.85) ? b.time(1500, 2015, { season: 0 }) : undefined, designer: rng.chance(0.6) ? b.person() : undefined }));
  if (l.type === 'bridge') {
    if (river !== undefined && rng.chance(0.7)) out.push(b.fact('crosses', l, { river }));
    if (rng.chance(0.5)) out.push(b.fact('length', l, { measure: b.measure(40, 2000, 'metres') }));
  }
  return out.filter((f) => Object.keys(f.roles).length > 0);
}

export function placeScene(b: Builder): Scene {
  const rng = b.rng;
  const r = rng.float();
  if (r < 0.15) return landmarkScene(b);
  const type = rng.pick(['town', 'town', 'city', 'village', 'island'] as const);
  const pl = b.place(type);
  const facts: Fact[] = [];
  const peers: Place[] = [];
  const region = b.place('region');
  const kind = rng.chance(0.6) ? b.fact('place_kind', pl, { what: b.np('description', rng.pick(PLACE_DESCRIPTIONS[type])), region: rng.chance(0.35) ? region : undefined }) : undefined;
  if (kind !== undefined) facts.push(kind);
  if ((kind === undefined || kind.roles['region'] === undefined) && rng.chance(0.5)) facts.push(b.fact('region', pl, { region }));
  let river: Place | undefined;
  if (type !== 'island' && rng.chance(0.5)) {
    river = b.place('river');
    facts.push(b.fact('on_river', pl, { river }));
  }
  let neighbour: Place | undefined;
  const neighbourFacts: Fact[] = [];
  if (rng.chance(0.5)) {
    neighbour = b.place(type === 'island' ? 'town' : rng.pick(['town', 'city']));
    peers.push(neighbour);
    const [dir] = rng.pick(DIRECTIONS);
    facts.push(b.fact('near', pl, { other: neighbour, direction: b.np('direction', dir), distance: rng.chance(0.75) ? b.measure(3, 90, 'kilometres') : undefined }));
  }
  const [lo, hi] = POPULATION[type] ?? [100, 10000];
  if (rng.chance(0.75)) facts.push(b.fact('population', pl, { count: b.count(lo, hi, 0.7, false), time: rng.chance(0.4) ? yearLiteral(b, 1990, 2022) : undefined }));
  if (rng.chance(0.55)) facts.push(b.fact('known_for', pl, { things: b.list('description', rng.shuffle([...KNOWN_FOR]).slice(0, rng.range(1, 2))) }));
  if (rng.chance(0.5)) facts.push(b.fact('place_founded', pl, { time: rng.chance(0.3) ? b.century(9, 16) : yearLiteral(b, 900, 1880) }));
  if (rng.chance(0.3)) {
    const e = rng.pick(EVENTS);
    facts.push(b.fact('event', pl, { what: b.np('event', e.what), verb: b.word(e.verb), damage: b.word(e.object), time: yearLiteral(b, 1600, 2015) }));
  }
  if (type !== 'island' && rng.chance(0.35)) facts.push(b.fact('mayor', pl, { mayor: b.person(), time: rng.chance(0.6) ? yearLiteral(b, 1995, 2023) : undefined }));
  if (type === 'island' && rng.chance(0.7)) facts.push(b.fact('ferry', pl, { port: b.place('town'), duration: rng.chance(0.6) ? b.duration() : undefined }));
  if (type !== 'island' && rng.chance(0.1)) {
    const [text, asked] = rng.pick(PROJECTS);
    facts.push(b.fact('plan_dropped', pl, { project: b.np('description', text, asked), time: rng.chance(0.7) ? yearLiteral(b, 1850, 2015) : undefined }));
  }
  if (neighbour !== undefined) {
    const kinds = rng.shuffle(['population', 'on_river', 'known_for', 'mayor']).slice(0, rng.range(1, 2));
    for (const k of kinds) {
      if (k === 'population') neighbourFacts.push(b.fact('population', neighbour, { count: b.count(lo, hi * 2, 0.7, false) }));
      if (k === 'on_river') neighbourFacts.push(b.fact('on_river', neighbour, { river: b.place('river') }));
      if (k === 'known_for') neighbourFacts.push(b.fact('known_for', neighbour, { things: b.list('description', [rng.pick(KNOWN_FOR)]) }));
      if (k === 'mayor') neighbourFacts.push(b.fact('mayor', neighbour, { mayor: b.person() }));
    }
  }
  const landmark: Fact[] = [];
  if (type !== 'island' && rng.chance(0.3)) {
    const l = b.landmark(river !== undefined && rng.chance(0.6) ? 'bridge' : rng.pick(['building', 'park'] as const));
    peers.push(l);
    landmark.push(...landmarkFacts(b, l, pl, river));
  }
  const at = facts.findIndex((f) => f.kind === 'near');
  const ordered = at < 0 ? facts : [...facts.slice(0, at + 1), ...neighbourFacts, ...facts.slice(at + 1)];
  return { focus: pl, peers, facts: b.facts, plan: [...ordered, ...landmark], firstOnly: new Set() };
}

function landmarkScene(b: Builder): Scene {
  const rng = b.rng;
  const town = b.place(rng.pick(['town', 'city']));
  const river = b.place('river');
  const l = b.landmark(rng.chance(0.6) ? 'bridge' : 'building');
  const facts = landmarkFacts(b, l, town, river);
  if (l.type === 'bridge' && !facts.some((f) => f.kind === 'crosses')) facts.push(b.fact('crosses', l, { river }));
  // A second landmark of the same town: another date, another designer.
  const other = b.landmark(l.type === 'bridge' ? 'bridge' : 'building');
  const otherFacts = landmarkFacts(b, other, undefined, l.type === 'bridge' ? b.place('river') : undefined);
  const townFacts = [b.fact('population', town, { count: b.count(2000, 900000, 0.7, false) })];
  return { focus: l, peers: [other], facts: b.facts, plan: [...facts, ...townFacts, ...otherFacts], firstOnly: new Set() };
}
