/**
 * Noise handshake patterns (Noise rev34 §7.4 one-way, §7.5 interactive), the psk modifiers of §9.2,
 * and the parsing of protocol names (§8), limited to the algorithms ELMA implements:
 * 25519 (§12.1), ChaChaPoly (§12.3), BLAKE2s (§12.8) and SHA256 (§12.7).
 */
import { BLAKE2S, SHA256, type NoiseHash } from '../crypto/hash.ts';

/** §7.1 tokens. */
export type Token = 'e' | 's' | 'ee' | 'es' | 'se' | 'ss' | 'psk';
export type PreToken = 'e' | 's';

export interface HandshakePattern {
  readonly name: string;
  /** §7.1 pre-messages: what each side's peer knows before the handshake. */
  readonly initiatorPre: readonly PreToken[];
  readonly responderPre: readonly PreToken[];
  /** Message patterns; even indices are initiator → responder. */
  readonly messages: readonly (readonly Token[])[];
  /** True when any message carries a psk token (§9.2 changes how "e" is processed). */
  readonly hasPsk: boolean;
}

type Base = Omit<HandshakePattern, 'name' | 'hasPsk'>;
const p = (initiatorPre: PreToken[], responderPre: PreToken[], ...messages: Token[][]): Base => ({ initiatorPre, responderPre, messages });

/** §7.4 and §7.5, verbatim. */
const BASE_PATTERNS: Readonly<Record<string, Base>> = {
  N: p([], ['s'], ['e', 'es']),
  K: p(['s'], ['s'], ['e', 'es', 'ss']),
  X: p([], ['s'], ['e', 'es', 's', 'ss']),
  NN: p([], [], ['e'], ['e', 'ee']),
  NK: p([], ['s'], ['e', 'es'], ['e', 'ee']),
  NX: p([], [], ['e'], ['e', 'ee', 's', 'es']),
  KN: p(['s'], [], ['e'], ['e', 'ee', 'se']),
  KK: p(['s'], ['s'], ['e', 'es', 'ss'], ['e', 'ee', 'se']),
  KX: p(['s'], [], ['e'], ['e', 'ee', 'se', 's', 'es']),
  XN: p([], [], ['e'], ['e', 'ee'], ['s', 'se']),
  XK: p([], ['s'], ['e', 'es'], ['e', 'ee'], ['s', 'se']),
  XX: p([], [], ['e'], ['e', 'ee', 's', 'es'], ['s', 'se']),
  IN: p([], [], ['e', 's'], ['e', 'ee', 'se']),
  IK: p([], ['s'], ['e', 'es', 's', 'ss'], ['e', 'ee', 'se']),
  IX: p([], [], ['e', 's'], ['e', 'ee', 'se', 's', 'es']),
};

/** §9.2: "psk0" puts a psk token at the start of the first message, "pskN" at the end of message N. */
function applyPsk(base: Base, modifiers: readonly number[]): Token[][] {
  const messages = base.messages.map((m) => [...m]);
  for (const n of modifiers) {
    if (n === 0) messages[0]!.unshift('psk');
    else if (n <= messages.length) messages[n - 1]!.push('psk');
    else throw new RangeError(`psk${n}: the pattern has only ${messages.length} message(s)`);
  }
  return messages;
}

/** A pattern by name, e.g. `IK` or `IKpsk2` or `XXpsk0+psk3` (§8, §10.2). */
export function handshakePattern(name: string): HandshakePattern {
  const m = /^([NKXI]{1,2})((?:psk\d+)(?:\+psk\d+)*)?$/.exec(name);
  const base = m === null ? undefined : BASE_PATTERNS[m[1]!];
  if (m === null || base === undefined) throw new RangeError(`unknown Noise handshake pattern "${name}"`);
  const psks = m[2] === undefined ? [] : m[2].split('+').map((s) => Number(s.slice(3)));
  return { name, initiatorPre: base.initiatorPre, responderPre: base.responderPre, messages: applyPsk(base, psks), hasPsk: psks.length > 0 };
}

export interface ProtocolName {
  readonly name: string;
  readonly pattern: HandshakePattern;
  readonly hash: NoiseHash;
}

/** §8: `Noise_<pattern>_<DH>_<cipher>_<hash>`, refusing algorithms not implemented here. */
export function parseProtocolName(name: string): ProtocolName {
  const parts = name.split('_');
  if (parts.length !== 5 || parts[0] !== 'Noise') throw new RangeError(`"${name}" is not a Noise protocol name`);
  const [, pattern, dh, cipher, hashName] = parts as [string, string, string, string, string];
  if (dh !== '25519') throw new RangeError(`${name}: DH function "${dh}" is not supported (only 25519)`);
  if (cipher !== 'ChaChaPoly') throw new RangeError(`${name}: cipher "${cipher}" is not supported (only ChaChaPoly)`);
  const hash = hashName === 'BLAKE2s' ? BLAKE2S : hashName === 'SHA256' ? SHA256 : undefined;
  if (hash === undefined) throw new RangeError(`${name}: hash "${hashName}" is not supported (only BLAKE2s, SHA256)`);
  return { name, pattern: handshakePattern(pattern), hash };
}

export const PATTERN_NAMES: readonly string[] = Object.keys(BASE_PATTERNS);
