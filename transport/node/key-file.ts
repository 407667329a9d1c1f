/**
 * Link key files: one X25519 static key pair as JSON `{ "type": "elma-link-key", "private": hex,
 * "public": hex }`, written atomically with mode 0600. Reading checks the shape and that the public
 * key is the private key's, so a damaged or hand-edited file is refused with a clear reason.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { DHLEN } from '../constants.ts';
import { KeyFileError } from '../errors.ts';
import type { KeyPair } from '../noise/handshake-state.ts';
import { generateKeyPair } from '../noise/handshake-state.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { writeFileAtomic } from '../../common/node/atomic-file.ts';
import { nodeRandom } from './socket-session.ts';

const TYPE = 'elma-link-key';
/**
 * The `type` of a release (bundle-signing) key file, models/bundle/signing-key.ts: both kinds are
 * JSON files of 64-hex-digit keys, so one is easily given for the other. It is only recognised, to
 * name the kind expected.
 */
const RELEASE_KEY_TYPE = 'elma-bundle-signing-key';
const LINK_KEY_EXPECTED = 'a link key (elma link-keygen) is expected here';

export function toHex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** A 32-byte public key from 64 hex digits; `where` names the option or file for the message. */
export function parsePublicKey(text: string, where: string): Uint8Array {
  const s = text.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(s)) throw new KeyFileError(where, `not a public key (expected ${DHLEN * 2} hex digits)`);
  return new Uint8Array(Buffer.from(s, 'hex'));
}

/** A public key given inline (hex) or as a key file (its `public` field) or a file holding the hex. */
export function readPublicKey(arg: string, where: string, provider: CryptoProvider): Uint8Array {
  if (/^[0-9a-fA-F]{64}$/.test(arg.trim())) return parsePublicKey(arg, where);
  if (!existsSync(arg)) throw new KeyFileError(arg, 'no such file (and not 64 hex digits)');
  if (statSync(arg).isDirectory()) throw new KeyFileError(arg, 'is a directory, not a key file (and not 64 hex digits)');
  const text = readFileSync(arg, 'utf8');
  if (text.trimStart().startsWith('{')) return readKeyFile(arg, provider).publicKey;
  return parsePublicKey(text, arg);
}

export function generateKeyFile(file: string, provider: CryptoProvider): KeyPair {
  const pair = generateKeyPair(provider, nodeRandom);
  const json = JSON.stringify({ type: TYPE, private: toHex(pair.privateKey), public: toHex(pair.publicKey) }, null, 2);
  writeFileAtomic(file, `${json}\n`, { mode: 0o600 });
  return pair;
}

export function readKeyFile(file: string, provider: CryptoProvider): KeyPair {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw new KeyFileError(file, `is a directory, not a key file; ${LINK_KEY_EXPECTED}`);
    if (code !== undefined) throw e;
    if (/^\s*[0-9a-fA-F]{64}\s*$/.test(readFileSync(file, 'utf8'))) throw new KeyFileError(file, `holds a public key only; ${LINK_KEY_EXPECTED}`);
    throw new KeyFileError(file, 'is not valid JSON');
  }
  const d = doc as Record<string, unknown>;
  if (typeof d === 'object' && d !== null && d.type === RELEASE_KEY_TYPE) throw new KeyFileError(file, `is a release signing key (elma keygen); ${LINK_KEY_EXPECTED}`);
  if (typeof d !== 'object' || d === null || d.type !== TYPE) throw new KeyFileError(file, `is not an ${TYPE} file: ${LINK_KEY_EXPECTED}`);
  if (typeof d.private !== 'string' || !/^[0-9a-f]{64}$/.test(d.private)) throw new KeyFileError(`${file}: private`, `must be ${DHLEN * 2} hex digits`);
  const privateKey = new Uint8Array(Buffer.from(d.private, 'hex'));
  const publicKey = provider.x25519.publicKey(privateKey);
  if (d.public !== toHex(publicKey)) throw new KeyFileError(`${file}: public`, 'does not belong to the private key');
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
    // Like ssh: a private key others can read is refused rather than silently used.
    throw new KeyFileError(file, 'is readable by other users; chmod 600 it');
  }
  return { privateKey, publicKey };
}
