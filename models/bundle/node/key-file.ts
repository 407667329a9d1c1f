/**
 * Node glue for bundle keys: the secret key file (signing-key.ts format) written with mode 0600 and
 * never over an existing file unless asked, read only when no other user can read it (as ssh does
 * with identity files); and the public key a device pins, given inline or as a file.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { BundleError } from '../../errors.ts';
import { LINK_KEY_TYPE, SIGNING_KEY_TYPE, encodeSigningKey, generateSigningKey, otherKeyKind, parsePublicKeyHex, parseSigningKey, type SigningKey } from '../signing-key.ts';
import { writeFileAtomic } from '../../../common/node/atomic-file.ts';

export const nodeRandom = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

/**
 * Create a key pair and write it to `file` (0600). Without `replace`, an existing file is never
 * overwritten (BundleError). Returns the key: the caller zeroes `secretKey`.
 */
export function createSigningKeyFile(file: string, replace: boolean): SigningKey {
  if (!replace && existsSync(file)) throw new BundleError(file, 'exists; pass --force to replace it (its key is lost)');
  const key = generateSigningKey(nodeRandom);
  const text = Buffer.from(encodeSigningKey(key), 'utf8');
  try {
    writeFileAtomic(file, text, { mode: 0o600, replace });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new BundleError(file, 'exists; pass --force to replace it (its key is lost)');
    throw e;
  } finally {
    text.fill(0);
  }
  return key;
}

/** Read a secret key file. The caller zeroes the returned `secretKey` after signing. */
export function readSigningKeyFile(file: string): SigningKey {
  if (!existsSync(file)) throw new BundleError(file, 'no such key file');
  if (statSync(file).isDirectory()) throw new BundleError(file, 'is a directory, not a signing key file (elma keygen writes one)');
  const bytes = readFileSync(file);
  try {
    const text = bytes.toString('utf8');
    // The wrong kind of key first: a public key file is readable by all, and that is not its fault.
    const other = otherKeyKind(text);
    if (other === undefined && process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
      throw new BundleError(file, 'is readable by other users; chmod 600 it (a signing key must stay secret)');
    }
    return parseSigningKey(text, file);
  } finally {
    bytes.fill(0);
  }
}

/**
 * The public key a verifier pins: 64 hex digits given inline, or a file holding them. A secret key
 * file is refused: a device should never hold the key that signs its updates.
 */
export function readPublicKeyArg(arg: string, flag: string): Uint8Array {
  const inline = parsePublicKeyHex(arg);
  if (inline !== null) return inline;
  // 64 hex digits that are no Ed25519 point: most likely a link key's X25519 public key.
  if (HEX_KEY.test(arg.trim())) throw new BundleError(`--${flag}`, `${arg.trim()} is not an Ed25519 public key (a link key from elma link-keygen?); ${RELEASE_PUBLIC_KEY}`);
  if (!existsSync(arg)) throw new BundleError(`--${flag}`, `${JSON.stringify(arg)} is neither a public key (64 hex digits) nor a file`);
  if (statSync(arg).isDirectory()) throw new BundleError(`--${flag}`, `${JSON.stringify(arg)} is a directory; ${RELEASE_PUBLIC_KEY}`);
  const bytes = readFileSync(arg);
  if (bytes.includes(SIGNING_KEY_TYPE)) {
    bytes.fill(0);
    throw new BundleError(arg, 'is a secret signing key; give verifiers only the public key (elma keygen printed it)');
  }
  if (bytes.includes(LINK_KEY_TYPE)) {
    bytes.fill(0);
    throw new BundleError(arg, `is a link key (elma link-keygen); ${RELEASE_PUBLIC_KEY}`);
  }
  const text = bytes.toString('utf8');
  const key = parsePublicKeyHex(text);
  if (key !== null) return key;
  if (HEX_KEY.test(text.trim())) throw new BundleError(arg, `does not hold an Ed25519 public key (a link key from elma link-keygen?); ${RELEASE_PUBLIC_KEY}`);
  throw new BundleError(arg, 'does not hold an Ed25519 public key (64 hex digits)');
}

const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const RELEASE_PUBLIC_KEY = 'a release key is expected here (the public key elma keygen printed)';
