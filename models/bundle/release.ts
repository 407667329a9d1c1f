/**
 * Making a signed release of a bundle (`elma bundle pack`; the cloud publisher later): set the
 * release fields (version, expiry, target, minimum runtime), hash every listed file again, validate
 * the result as a device would, sign the canonical manifest. Platform-neutral: files come through
 * BundleFiles and the result is bytes for the caller to write (node/pack-dir.ts).
 */
import { BundleError } from '../errors.ts';
import { utf8Decode } from '../../engine/utf8.ts';
import { digestFile, readSmallFile, type BundleFiles } from './bundle-files.ts';
import { MANIFEST_FILE, isIsoInstant, parseManifest, type FileEntry, type Manifest } from './manifest.ts';
import { encodeSignature, signManifest, utf8Bytes, SIGNATURE_FILE, type SignatureDoc } from './signature.ts';
import { MAX_MANIFEST_BYTES, fileLabel } from './signed-manifest.ts';
import type { BundleTarget } from './target.ts';
import type { SigningKey } from './signing-key.ts';

export interface ReleaseFields {
  /** The model version; devices refuse anything not above what they run. */
  readonly version: number;
  /** An ISO 8601 UTC instant (isIsoInstant). */
  readonly expires: string;
  readonly target: BundleTarget;
  /** Default: keep the bundle's own min_runtime_version. */
  readonly minRuntimeVersion?: string;
}

export interface SignedRelease {
  readonly manifest: Manifest;
  readonly signature: SignatureDoc;
  /** manifest.json as written (indented; the signature covers its canonical form, not these bytes). */
  readonly manifestBytes: Uint8Array;
  readonly signatureBytes: Uint8Array;
}

/** TUF's reference repository tooling expires targets metadata after 90 days by default. */
export const DEFAULT_EXPIRY_DAYS = 90;
const DAY_MS = 86_400_000;

/**
 * `--expires`: `+N` days from `now`, a date (`2027-01-31`, midnight UTC) or a date and time with a
 * zone (`2027-01-31T12:00:00Z`, `...+02:00`); the ISO 8601 UTC instant, or null when it is none of these.
 */
export function parseExpiry(text: string, now: number): string | null {
  const rel = /^\+(\d{1,5})$/.exec(text);
  if (rel !== null) return Number(rel[1]) > 0 ? new Date(now + Number(rel[1]) * DAY_MS).toISOString() : null;
  const m = /^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/.exec(text);
  if (m === null) return null;
  // Date.parse rolls 2027-02-30 over into March; a date that does not survive the trip is refused.
  const day = Date.parse(`${m[1]}T00:00:00Z`);
  if (!Number.isFinite(day) || new Date(day).toISOString().slice(0, 10) !== m[1]) return null;
  const ms = m[2] === undefined ? day : Date.parse(text);
  if (!Number.isFinite(ms)) return null;
  const iso = new Date(ms).toISOString();
  return isIsoInstant(iso) ? iso : null;
}

/** The bundle's current manifest, validated (the runtime check is skipped: a publisher may pack for newer devices). */
function readBase(files: BundleFiles): Manifest {
  const label = fileLabel(files, MANIFEST_FILE);
  const bytes = readSmallFile(files, MANIFEST_FILE, MAX_MANIFEST_BYTES);
  if (bytes === null) throw new BundleError(label, `is larger than ${MAX_MANIFEST_BYTES} bytes`);
  const text = utf8Decode(bytes);
  if (text === null) throw new BundleError(label, 'is not UTF-8 text');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new BundleError(label, `is not valid JSON (${(e as Error).message})`);
  }
  return parseManifest(json, label, null).manifest;
}

/** The listed files' sizes and hashes as they are now; refuses a bundle with missing, unlisted or odd entries. */
function hashFiles(files: BundleFiles, base: Manifest): Record<string, FileEntry> {
  const entries = new Map(files.entries().map((e) => [e.name, e]));
  if (!entries.has(MANIFEST_FILE)) throw new BundleError(files.where, `is not a bundle: ${MANIFEST_FILE} is missing`);
  for (const e of entries.values()) {
    if (e.kind !== 'file') throw new BundleError(fileLabel(files, e.name), `is a ${e.kind}; a bundle holds regular files only`);
    if (e.name !== MANIFEST_FILE && e.name !== SIGNATURE_FILE && base.files[e.name] === undefined) {
      throw new BundleError(fileLabel(files, e.name), `is not listed in ${MANIFEST_FILE}; remove it, or list it, before packing`);
    }
  }
  const out: Record<string, FileEntry> = {};
  for (const name of Object.keys(base.files).sort()) {
    const e = entries.get(name);
    if (e === undefined) throw new BundleError(fileLabel(files, name), `is listed in ${MANIFEST_FILE} but missing`);
    out[name] = digestFile(files, name, e.size);
  }
  return out;
}

/** The signed release of the bundle in `files`. The caller owns `key` and zeroes its secret afterwards. */
export function signRelease(files: BundleFiles, fields: ReleaseFields, key: SigningKey): SignedRelease {
  if (!Number.isSafeInteger(fields.version) || fields.version < 1) throw new RangeError(`version must be a positive integer, got ${fields.version}`);
  if (!isIsoInstant(fields.expires)) throw new RangeError(`expires must be an ISO 8601 UTC instant, got ${fields.expires}`);
  const base = readBase(files);
  const manifest: Manifest = {
    ...base,
    version: fields.version,
    min_runtime_version: fields.minRuntimeVersion ?? base.min_runtime_version,
    expires: fields.expires,
    target: fields.target,
    files: hashFiles(files, base),
  };
  parseManifest(manifest, fileLabel(files, MANIFEST_FILE), null); // never sign what a device would refuse as malformed
  const signature = signManifest(manifest, key.secretKey);
  return {
    manifest, signature,
    manifestBytes: utf8Bytes(`${JSON.stringify(manifest, null, 2)}\n`),
    signatureBytes: encodeSignature(signature),
  };
}
