/**
 * The detached bundle signature (ARCHITECTURE.md "Bundle"; docs/bundles.md "Signature"): Ed25519
 * (RFC 8032 §5.1, pure, no prehash, no context) over the UTF-8 bytes of the canonical manifest
 * (manifest.ts canonicalJson: keys sorted, no whitespace), stored next to the manifest as
 *
 *   signature.ed25519  {"type":"elma-bundle-signature","algorithm":"ed25519","key_id":…,"signature":…}
 *
 * Signing the canonical form rather than the file's bytes means a manifest re-indented or with its
 * keys reordered still verifies, and any change to any value does not. The signed bytes name their
 * own format (`"format":"elma-bundle"` is inside them), which keeps a bundle signature from being
 * taken for a signature over anything else. Platform-neutral: no Node imports.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { utf8Encode } from '../../engine/utf8.ts';
import { BundleRefusal } from '../errors.ts';
import { canonicalJson } from './manifest.ts';

export const SIGNATURE_FILE = 'signature.ed25519';
export const SIGNATURE_TYPE = 'elma-bundle-signature';
export const SIGNATURE_ALGORITHM = 'ed25519';
/** RFC 8032 §5.1.5 (keys) and §5.1.6 (signature R || S). */
export const PUBLIC_KEY_BYTES = 32;
export const SECRET_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;
/** A signature file is ~200 bytes; anything much larger is refused unread (TUF "endless data"). */
export const MAX_SIGNATURE_FILE_BYTES = 4096;

export interface SignatureDoc {
  readonly type: typeof SIGNATURE_TYPE;
  readonly algorithm: typeof SIGNATURE_ALGORITHM;
  /** keyId() of the public key that verifies it: lets a device say "unknown key" rather than "bad signature". */
  readonly key_id: string;
  /** 128 hex digits. */
  readonly signature: string;
}

/** UTF-8 bytes of a string (no TextEncoder: QuickJS has none). canonicalJson output is well-formed UTF-16. */
export function utf8Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 3);
  let n = 0;
  for (const ch of s) n += utf8Encode(ch.codePointAt(0)!, out, n);
  return out.slice(0, n);
}

/** The bytes a bundle signature covers: the canonical manifest, UTF-8. */
export function signedBytes(manifest: unknown): Uint8Array {
  return utf8Bytes(canonicalJson(manifest));
}

/**
 * The id of a public key: the first 8 bytes of its sha256, 16 hex digits (TUF keyids are a hash of
 * the key too). Short on purpose, so nobody pastes it where the 64-digit public key belongs; it is
 * only a name, the signature check itself always uses the pinned key.
 */
export function keyId(publicKey: Uint8Array): string {
  return bytesToHex(sha256(publicKey).subarray(0, 8));
}

/** Sign a manifest. The caller owns `secretKey` and zeroes it when done. */
export function signManifest(manifest: unknown, secretKey: Uint8Array): SignatureDoc {
  if (secretKey.byteLength !== SECRET_KEY_BYTES) throw new RangeError(`an Ed25519 secret key is ${SECRET_KEY_BYTES} bytes`);
  // RFC 8032 §5.1.6: deterministic, so the same manifest and key always give the same signature.
  const sig = ed25519.sign(signedBytes(manifest), secretKey);
  const publicKey = ed25519.getPublicKey(secretKey);
  return { type: SIGNATURE_TYPE, algorithm: SIGNATURE_ALGORITHM, key_id: keyId(publicKey), signature: bytesToHex(sig) };
}

/**
 * Strict RFC 8032 §5.1.7 verification (noble's `zip215: false`: non-canonical encodings of R, S or
 * the key are refused, so a signature has one valid encoding).
 */
export function signatureValid(doc: SignatureDoc, manifest: unknown, publicKey: Uint8Array): boolean {
  try {
    return ed25519.verify(hexToBytes(doc.signature), signedBytes(manifest), publicKey, { zip215: false });
  } catch {
    return false; // a key or signature that is not a curve point: invalid, not an internal error
  }
}

export function encodeSignature(doc: SignatureDoc): Uint8Array {
  return utf8Bytes(`${JSON.stringify(doc, null, 2)}\n`);
}

/** Parse signature.ed25519's bytes; refuses (malformed-signature) anything but the exact shape above. */
export function parseSignature(text: string, where: string): SignatureDoc {
  const fail = (field: string, problem: string): never => {
    throw new BundleRefusal('malformed-signature', field === '' ? where : `${where}: ${field}`, problem);
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    fail('', 'is not valid JSON');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return fail('', 'is not a JSON object');
  const d = doc as Record<string, unknown>;
  if (d.type !== SIGNATURE_TYPE) fail('type', `is ${JSON.stringify(d.type)}, not "${SIGNATURE_TYPE}"`);
  if (d.algorithm !== SIGNATURE_ALGORITHM) fail('algorithm', `is ${JSON.stringify(d.algorithm)}; this runtime verifies "${SIGNATURE_ALGORITHM}" only`);
  if (typeof d.key_id !== 'string' || !/^[0-9a-f]{16}$/.test(d.key_id)) fail('key_id', 'must be 16 lower-case hex digits');
  if (typeof d.signature !== 'string' || !new RegExp(`^[0-9a-f]{${SIGNATURE_BYTES * 2}}$`).test(d.signature)) {
    fail('signature', `must be ${SIGNATURE_BYTES * 2} lower-case hex digits`);
  }
  return d as unknown as SignatureDoc;
}
