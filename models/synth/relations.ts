/** Every relation of the synthetic world, by id (the templates live in relations-<kind>.ts). */
import type { Relation } from './relation.ts';
import { CITY_RELATIONS } from './relations-city.ts';
import { ORG_RELATIONS } from './relations-org.ts';
import { PERSON_RELATIONS } from './relations-person.ts';

export const RELATIONS: readonly Relation[] = [...PERSON_RELATIONS, ...ORG_RELATIONS, ...CITY_RELATIONS];

const BY_ID: ReadonlyMap<string, Relation> = new Map(RELATIONS.map((r) => [r.id, r]));
if (BY_ID.size !== RELATIONS.length) throw new Error('synthetic relations: an id is defined twice');

export function relationById(id: string): Relation {
  const r = BY_ID.get(id);
  if (r === undefined) throw new Error(`synthetic relations: unknown relation ${id}`);
  return r;
}
