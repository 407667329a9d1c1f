/**
 * Bundle signing keys and public keys as text (docs/bundles.md "Keys"). The secret key file is
 *
 *   {"type":"elma-bundle-signing-key","algorithm":"ed25519","key_id":…,"public":…,"secret":…}
 *
 * with the RFC 8032 §5.1.5 32-byte secret (the seed the signing scalar and prefix are hashed from).
 * The public key travels as 64 hex digits. Node file handling (mode 0600, no overwrite) lives in
 * node/key-file.ts; this file is platform-neutral.
 *
 * Zeroing: the secret's bytes are ours to wipe and callers do; the JSON text and the hex string
 * JSON.parse makes are JavaScript strings, which no JS program can wipe, and noble's internal
 * copies (the hashed scalar) are beyond our reach too. Keep signing on a machine you trust.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { BundleError } from '../errors.ts';
import { PUBLIC_KEY_BYTES, SECRET_KEY_BYTES, SIGNATURE_ALGORITHM, keyId } from './signature.ts';

export const SIGNING_KEY_TYPE = 'elma-bundle-signing-key';

/**
 * The `type` of the encrypted link's X25519 key files (transport/node/key-file.ts). Both kinds are
 * JSON files of 64-hex-digit keys made by sibling commands, so one is easily given for the other:
 * it is recognised to say which kind was expected, never used.
 */
export const LINK_KEY_TYPE = 'elma-link-key';

const RELEASE_KEY_FILE = 'the secret key file elma keygen wrote';

export interface SigningKey {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly keyId: string;
}

/** A fresh key pair from `random` (a CSPRNG: node:crypto randomBytes on Node). */
export function generateSigningKey(random: (n: number) => Uint8Array): SigningKey {
  const secretKey = random(SECRET_KEY_BYTES);
  if (secretKey.byteLength !== SECRET_KEY_BYTES) throw new RangeError(`random gave ${secretKey.byteLength} bytes, not ${SECRET_KEY_BYTES}`);
  const publicKey = ed25519.getPublicKey(secretKey);
  return { secretKey, publicKey, keyId: keyId(publicKey) };
}

/** The key file's text. It holds the secret: write it with mode 0600 and never print it. */
export function encodeSigningKey(key: SigningKey): string {
  const doc = {
    type: SIGNING_KEY_TYPE, algorithm: SIGNATURE_ALGORITHM, key_id: key.keyId,
    public: bytesToHex(key.publicKey), secret: bytesToHex(key.secretKey),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** What a file given as a release signing key holds instead, when it is another kind of key: a link key, or a bare public key. */
export function otherKeyKind(text: string): string | undefined {
  if (/^\s*[0-9a-fA-F]{64}\s*$/.test(text)) return 'holds a public key only';
  if (!text.includes(LINK_KEY_TYPE)) return undefined;
  try {
    const d = JSON.parse(text) as { type?: unknown } | null;
    return d !== null && typeof d === 'object' && d.type === LINK_KEY_TYPE ? 'is a link key (elma link-keygen)' : undefined;
  } catch {
    return undefined;
  }
}

/** Parse a key file's text; its public key must be the secret's (a damaged or hand-edited file is refused). */
export function parseSigningKey(text: string, where: string): SigningKey {
  let doc: unknown;
  const other = otherKeyKind(text);
  if (other !== undefined) throw new BundleError(where, `${other}; a release signing key is expected here (${RELEASE_KEY_FILE})`);
  try {
    doc = JSON.parse(text);
  } catch {
    throw new BundleError(where, 'is not valid JSON');
  }
  const d = (doc !== null && typeof doc === 'object' ? doc : {}) as Record<string, unknown>;
  if (d.type !== SIGNING_KEY_TYPE) throw new BundleError(where, `is not an ${SIGNING_KEY_TYPE} file: a release signing key is expected here (${RELEASE_KEY_FILE})`);
  if (d.algorithm !== SIGNATURE_ALGORITHM) throw new BundleError(`${where}: algorithm`, `must be "${SIGNATURE_ALGORITHM}"`);
  if (typeof d.secret !== 'string' || !/^[0-9a-f]{64}$/.test(d.secret)) throw new BundleError(`${where}: secret`, `must be ${SECRET_KEY_BYTES * 2} hex digits`);
  const secretKey = hexToBytes(d.secret);
  const publicKey = ed25519.getPublicKey(secretKey);
  if (d.public !== bytesToHex(publicKey)) {
    secretKey.fill(0);
    throw new BundleError(`${where}: public`, 'does not belong to the secret key');
  }
  return { secretKey, publicKey, keyId: keyId(publicKey) };
}

/** A public key from 64 hex digits (surrounding whitespace ignored); null when the text is not that. */
export function parsePublicKeyHex(text: string): Uint8Array | null {
  const s = text.trim();
  if (!new RegExp(`^[0-9a-fA-F]{${PUBLIC_KEY_BYTES * 2}}$`).test(s)) return null;
  const key = hexToBytes(s.toLowerCase());
  // RFC 8032 §5.1.3: a key must decode to a curve point, or nothing can ever verify under it.
  return ed25519.utils.isValidPublicKey(key, false) ? key : null;
}
