/**
 * Signed bundles in memory for the bundle tests: a valid unsigned manifest (the HF fixture's
 * architecture), content files, a fixed signing key, and BundleFiles/RandomAccess over plain maps,
 * so that every refusal can be produced by changing one thing.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { HF } from '../_fixtures.ts';
import { parseAlbertConfig, toHfConfig } from '../../engine/albert/config.ts';
import type { BundleFiles, EntryKind, RandomAccess } from '../../models/bundle/bundle-files.ts';
import { BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, DEFAULT_QA, MANIFEST_FILE, RUNTIME_VERSION, type Manifest } from '../../models/bundle/manifest.ts';
import { signRelease, type ReleaseFields } from '../../models/bundle/release.ts';
import { generateSigningKey, type SigningKey } from '../../models/bundle/signing-key.ts';
import { SIGNATURE_FILE } from '../../models/bundle/signature.ts';
import type { VerifyPolicy } from '../../models/bundle/verify.ts';

const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
export const enc = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
export const dec = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

/** A key from a fixed seed (RFC 8032 §7.1 TEST 1's and TEST 2's secret keys), so runs are repeatable. */
export function fixedKey(which: 1 | 2 = 1): SigningKey {
  const seed = which === 1 ? '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60' : '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb';
  return generateSigningKey(() => hex(seed));
}

const config = parseAlbertConfig(JSON.parse(readFileSync(path.join(HF, 'albert_tiny_qa', 'config.json'), 'utf8')));

/** Content files of a bundle: not a loadable model (verification never loads one), just bytes. */
export function contentFiles(): Map<string, Uint8Array> {
  const weights = new Uint8Array(3000).map((_, i) => (i * 7919) & 0xff);
  return new Map([['weights.safetensors', weights], ['tokenizer.json', enc('{"model":{"type":"Unigram"}}')], ['spiece.model', new Uint8Array(0)]]);
}

/** An unsigned manifest for `files` (their hashes are filled in by signRelease). */
export function baseManifest(files: ReadonlyMap<string, Uint8Array>): Manifest {
  return {
    format: BUNDLE_FORMAT, format_version: BUNDLE_FORMAT_VERSION, model_id: 'tiny-qa', version: 1,
    created: '2026-01-01T00:00:00.000Z', min_runtime_version: RUNTIME_VERSION, architecture: toHfConfig(config),
    exits: { thresholds: new Array<number>(config.numHiddenLayers).fill(0.25), depth_limit: 2, calibration: { target_f1_drop: 1 } },
    qa: { ...DEFAULT_QA, max_seq_length: 128, doc_stride: 32 }, weights: 'weights.safetensors', tokenizer: 'tokenizer.json',
    files: Object.fromEntries([...files.keys()].map((n) => [n, { sha256: '0'.repeat(64), size: 0 }])),
    golden: [{ context: 'The Normans gave their name to Normandy, a région of France.', question: 'Who gave their name to Normandy?', answer: 'The Normans' }],
  };
}

/** BundleFiles over a map; `kinds` marks entries that are not regular files. */
export function memoryFiles(files: ReadonlyMap<string, Uint8Array>, where = 'mem', kinds: ReadonlyMap<string, EntryKind> = new Map()): BundleFiles {
  return {
    where,
    entries: () => [...files].map(([name, b]) => ({ name, kind: kinds.get(name) ?? 'file', size: kinds.has(name) ? 0 : b.byteLength })),
    read(name, offset, length) {
      const b = files.get(name);
      if (b === undefined) throw new Error(`no ${name}`);
      return b.slice(offset, offset + length);
    },
  };
}

export function memoryAccess(bytes: Uint8Array): RandomAccess {
  return { size: bytes.byteLength, readAt: (o, n) => bytes.slice(o, Math.min(bytes.byteLength, o + n)) };
}

export const EXPIRES = '2027-01-01T00:00:00.000Z';
export const NOW = Date.parse('2026-06-01T00:00:00Z');

export const RELEASE: ReleaseFields = { version: 5, expires: EXPIRES, target: { arch: 'any', backend: 'any' } };

/** A signed bundle (manifest.json, signature.ed25519 and the content files) as a map. */
export function signedBundle(fields: Partial<ReleaseFields> = {}, key: SigningKey = fixedKey()): Map<string, Uint8Array> {
  const files = contentFiles();
  const unsigned = new Map(files).set(MANIFEST_FILE, enc(JSON.stringify(baseManifest(files))));
  const r = signRelease(memoryFiles(unsigned), { ...RELEASE, ...fields }, key);
  return new Map(files).set(MANIFEST_FILE, r.manifestBytes).set(SIGNATURE_FILE, r.signatureBytes);
}

export function policy(over: Partial<VerifyPolicy> = {}): VerifyPolicy {
  return { trustedKeys: [fixedKey().publicKey], now: NOW, device: { arch: 'arm64', backends: ['js', 'cuda'] }, ...over };
}

export function manifestOf(files: ReadonlyMap<string, Uint8Array>): Record<string, unknown> {
  return JSON.parse(dec(files.get(MANIFEST_FILE)!)) as Record<string, unknown>;
}
