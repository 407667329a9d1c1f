/**
 * The slot state on disk (docs/ota.md "State record"): one JSON object
 *
 *   {"type": "elma-slot-state", "format_version": 1, "state": {...}, "sha256": <hex of canonical state>}
 *
 * The checksum covers the canonical JSON of `state` (models/bundle/manifest.ts canonicalJson), so a
 * torn write, a flipped bit or a hand edit is detected and the caller falls back to the previous
 * record instead of acting on a wrong one (issue 6: "the state record has a checksum"). Every field
 * is validated too: a record that checks out but names a slot without a model is still refused.
 * Platform-neutral (no node:*, no TextEncoder).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { canonicalJson } from '../../models/bundle/manifest.ts';
import { utf8Bytes } from '../../models/bundle/signature.ts';
import { SLOT_NAMES, SlotStateError, type SlotInfo, type SlotName, type SlotState, type Transition } from './slot-state.ts';

export const STATE_RECORD_TYPE = 'elma-slot-state';
export const STATE_FORMAT_VERSION = 1;

function checksum(state: SlotState): string {
  return bytesToHex(sha256(utf8Bytes(canonicalJson(state))));
}

/** The bytes to write: pretty JSON (people read it with cat), checksum over the canonical form. */
export function encodeState(state: SlotState): string {
  return `${JSON.stringify({ type: STATE_RECORD_TYPE, format_version: STATE_FORMAT_VERSION, state, sha256: checksum(state) }, null, 2)}\n`;
}

const isObj = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);
const isSlot = (x: unknown): x is SlotName => x === 'A' || x === 'B';
const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;

/** Parse and check a record; throws SlotStateError naming `source` and the field at fault. */
export function decodeState(text: string, source: string): SlotState {
  const fail = (field: string, problem: string): never => { throw new SlotStateError(`${source}: ${field}: ${problem}`); };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return fail('(top level)', `is not valid JSON (${(e as Error).message}); torn or corrupted`);
  }
  if (!isObj(doc) || doc.type !== STATE_RECORD_TYPE) return fail('type', `is not "${STATE_RECORD_TYPE}"`);
  if (doc.format_version !== STATE_FORMAT_VERSION) return fail('format_version', `is ${JSON.stringify(doc.format_version)}; this runtime reads ${STATE_FORMAT_VERSION}`);
  const s = doc.state;
  if (!isObj(s)) return fail('state', 'is missing or not an object');
  let sum: string;
  try {
    sum = checksum(s as unknown as SlotState);
  } catch {
    return fail('state', 'holds a non-finite number');
  }
  if (doc.sha256 !== sum) return fail('sha256', 'does not match the state (corrupted or edited)');
  if (!isSlot(s.active)) fail('state.active', `must be "A" or "B", got ${JSON.stringify(s.active)}`);
  if (!isCount(s.lastGoodVersion)) fail('state.lastGoodVersion', 'must be a non-negative integer');
  if (!isCount(s.versionFloor)) fail('state.versionFloor', 'must be a non-negative integer');
  if (!isObj(s.slots)) return fail('state.slots', 'is missing');
  const slots = s.slots;
  for (const name of SLOT_NAMES) {
    const info = slots[name];
    if (info === null) continue;
    if (!isObj(info) || !['installing', 'trial', 'good', 'bad'].includes(info.status as string) || !isCount(info.version) || typeof info.modelId !== 'string') {
      fail(`state.slots.${name}`, 'must be null or {status, version, modelId}');
    }
  }
  const active = slots[s.active as SlotName] as SlotInfo | null;
  if (active === null || active.status !== 'good') fail('state.active', `names slot ${String(s.active)}, which holds no good model`);
  if (s.trial !== null) {
    const t = s.trial;
    if (!isObj(t) || !isSlot(t.slot) || t.slot === s.active || !isCount(t.attemptsLeft)) fail('state.trial', 'must be null or {slot: the inactive slot, attemptsLeft}');
    const info = slots[(t as { slot: SlotName }).slot] as SlotInfo | null;
    if (info === null || info.status !== 'trial') fail('state.trial.slot', 'names a slot that is not in trial');
  }
  if (!Array.isArray(s.history) || !s.history.every((h) => isObj(h) && typeof h.at === 'string' && typeof h.event === 'string' && isSlot(h.slot) && isCount(h.version))) {
    fail('state.history', 'must be a list of {at, event, slot, version}');
  }
  return { ...(s as unknown as SlotState), history: s.history as Transition[] };
}
