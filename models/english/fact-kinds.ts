/** Every fact kind by id. */
import type { FactKind } from './fact-kind.ts';
import { ORG_FACTS } from './facts-org.ts';
import { PERSON_FACTS } from './facts-person.ts';
import { PLACE_FACTS } from './facts-place.ts';

export const ALL_FACT_KINDS: readonly FactKind[] = [...PERSON_FACTS, ...ORG_FACTS, ...PLACE_FACTS];

export const FACT_KINDS: ReadonlyMap<string, FactKind> = new Map(ALL_FACT_KINDS.map((k) => [k.id, k]));
