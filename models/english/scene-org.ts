/**
 * A paragraph about an organisation: what it is, its founding (when, where, by whom), where it is
 * based, staff and other counts, what it makes or offers, who leads it, a takeover or a merger,
 * its building, its closing; often a rival with facts of the same kinds (the distractors), and
 * sometimes a takeover that failed (a negation trap).
 */
import type { Builder } from './builder.ts';
import type { Scene } from './scene.ts';
import { BUILDINGS, ORG_TYPES } from './vocabulary.ts';
import type { Fact, Org, Place } from './world.ts';

const FIRMS = ORG_TYPES.filter((t) => ['bakery', 'brewery', 'company', 'press', 'airline', 'bank', 'dairy'].includes(t.id));

function staffRange(o: Org): [number, number] {
  return ['bakery', 'band', 'rowing', 'theatre', 'library', 'dairy'].includes(o.type.id) ? [3, 400] : [20, 60000];
}

export function orgScene(b: Builder): Scene {
  const rng = b.rng;
  const town: Place = b.place(rng.pick(['town', 'city', 'city']));
  const o = b.org(undefined, town);
  const founded = b.yearNumber(o.type.id === 'airline' ? 1920 : o.type.id === 'band' ? 1960 : 1820, 2016);
  const facts: Fact[] = [];
  const tail: Fact[] = [];
  const peers: Org[] = [];

  const kind = rng.chance(0.6) ? b.fact('org_kind', o, { what: b.np('description', rng.pick(o.type.descriptions)), place: rng.chance(0.35) ? town : undefined }) : undefined;
  const hasFounding = rng.chance(0.9);
  const foundedAt = (org: Org, year: number, p: number): Fact => b.fact('org_founded', org, {
    founder: rng.chance(0.75) ? b.person() : undefined,
    time: rng.chance(p) ? b.literal('time', () => ({ text: String(year), prep: 'in', year })) : undefined,
    place: rng.chance(0.5) ? town : undefined,
  });
  if (kind !== undefined) facts.push(kind);
  if (hasFounding) {
    const f = foundedAt(o, founded, 0.9);
    if (Object.keys(f.roles).length > 0) facts.push(f);
  }
  if (rng.chance(0.5) && (kind === undefined || kind.roles['place'] === undefined)) facts.push(b.fact('hq', o, { place: rng.chance(0.7) ? town : b.place('city') }));
  const product = o.type.offers === 'goods' ? 'products' : o.type.offers === 'collection' ? 'collection' : o.type.offers === 'music' ? 'repertoire' : o.type.offers === 'teaching' ? 'courses' : 'services';
  if (rng.chance(0.6)) {
    const items = rng.shuffle([...o.type.products]).slice(0, rng.range(1, Math.min(3, o.type.products.length)));
    facts.push(b.fact(product, o, { products: b.list('product', items) }));
  }
  const [lo, hi] = staffRange(o);
  if (rng.chance(0.55) && o.type.id !== 'band') facts.push(b.fact('staff', o, { count: b.count(lo, hi) }));
  if (rng.chance(0.4)) {
    const unit = rng.pick(o.type.counts);
    const few = o.type.id === 'band' || /^(faculties|aircraft|routes|boats|albums|shops|pubs|branches|factories|offices|farms|doctors|teachers|musicians|concerts a year|titles a year)$/.test(unit);
    facts.push(b.fact('counted', o, { count: few ? b.count(2, 60) : b.count(30, 90000), unit: b.word(unit) }));
  }
  if (rng.chance(0.45)) {
    const since = b.yearNumber(Math.max(founded + 2, 1950), 2023);
    facts.push(b.fact('leader', o, { leader: b.person(), title: b.np('profession', rng.pick(o.type.leader)), time: rng.chance(0.6) ? b.literal('time', () => ({ text: String(since), prep: 'in', year: since })) : undefined }));
  }
  if (rng.chance(0.25)) facts.push(b.fact('housed', o, { building: b.np('description', rng.pick(BUILDINGS)) }));
  let rival: Org | undefined;
  const rivalFacts: Fact[] = [];
  if (rng.chance(0.45)) {
    rival = b.org(o.type.id === 'band' ? 'band' : rng.chance(0.6) ? o.type : rng.pick(FIRMS));
    peers.push(rival);
    facts.push(b.fact('rival', o, { rival }));
    // The rival's facts are of the kinds the focus has.
    const kinds = rng.shuffle(['org_founded', 'staff', 'leader', 'hq']).slice(0, rng.range(1, 3));
    for (const k of kinds) {
      if (k === 'org_founded') {
        const f = foundedAt(rival, b.yearNumber(1820, 2016), 1);
        rivalFacts.push(f);
      }
      if (k === 'staff') rivalFacts.push(b.fact('staff', rival, { count: b.count(lo, hi) }));
      if (k === 'leader') rivalFacts.push(b.fact('leader', rival, { leader: b.person(), title: b.np('profession', rng.pick(rival.type.leader)) }));
      if (k === 'hq') rivalFacts.push(b.fact('hq', rival, { place: b.place('city') }));
    }
  }
  let lastYear = founded;
  const later = (): number => {
    lastYear = b.yearNumber(Math.min(2018, Math.max(lastYear + 3, 1900)), 2020);
    return lastYear;
  };
  const r = rng.float();
  if (r < 0.25) {
    const buyer = b.org(rng.pick(FIRMS));
    peers.push(buyer);
    const y = later();
    tail.push(b.fact('acquired', o, { buyer, time: rng.chance(0.85) ? b.literal('time', () => ({ text: String(y), prep: 'in', year: y })) : undefined, price: rng.chance(0.6) ? b.money() : undefined }));
  } else if (r < 0.33) {
    const partner = b.org(o.type);
    peers.push(partner);
    const y = later();
    tail.push(b.fact('merged', o, { partner, time: b.literal('time', () => ({ text: String(y), prep: 'in', year: y })) }));
  } else if (r < 0.43 && rival !== undefined) {
    const y = later();
    tail.push(b.fact('failed_bid', o, { target: rival, time: b.literal('time', () => ({ text: String(y), prep: 'in', year: y })) }));
  }
  if (rng.chance(0.12)) {
    const y = b.yearNumber(Math.min(2021, Math.max(lastYear + 2, 1950)), 2023);
    tail.push(b.fact('closed', o, { time: b.literal('time', () => ({ text: String(y), prep: 'in', year: y })) }));
  }
  const ordered = [...facts, ...rivalFacts, ...tail];
  const at = ordered.findIndex((f) => f.kind === 'rival');
  const plan = at < 0 ? ordered : [...ordered.filter((f) => !rivalFacts.includes(f)).slice(0, at + 1), ...rivalFacts, ...ordered.filter((f) => !rivalFacts.includes(f)).slice(at + 1)];
  return { focus: o, peers, facts: b.facts, plan: plan, firstOnly: new Set() };
}
