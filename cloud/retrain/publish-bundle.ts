/**
 * Publishing a retrained model: bundle version N+1 written as a directory `<out>/<model>-v<N+1>`
 * (models/bundle/bundle-dir.ts writeBundle), then signed with the release key and packed into
 * `<out>/<model>-v<N+1>.tar` with its signed chunk index `<tar>.index.json`, exactly as
 * `elma bundle pack --out` does (node/pack-dir.ts packDir, node/index-file.ts writeChunkIndexFile):
 * what `elma serve --offer` and `elma update` take. A version already in `out` is never replaced
 * (devices may hold it): that is a RetrainError before anything is written.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { writeBundle, type ManifestFields } from '../../models/bundle/bundle-dir.ts';
import { indexFileOf, writeChunkIndexFile } from '../../models/bundle/node/index-file.ts';
import { packDir } from '../../models/bundle/node/pack-dir.ts';
import { DEFAULT_EXPIRY_DAYS } from '../../models/bundle/release.ts';
import type { SigningKey } from '../../models/bundle/signing-key.ts';
import type { BundleTarget } from '../../models/bundle/target.ts';
import { RetrainError } from './errors.ts';

export interface PublishedBundle {
  readonly version: number;
  readonly dir: string;
  readonly tar: string;
  readonly index: string;
}

export interface PublishOptions {
  readonly out: string;
  /** The new manifest (its version is the one published). */
  readonly fields: ManifestFields;
  readonly files: ReadonlyMap<string, Uint8Array>;
  /** The caller owns the key and zeroes its secret afterwards. */
  readonly key: SigningKey;
  /** ISO 8601 UTC instant (default: DEFAULT_EXPIRY_DAYS days from now, as `bundle pack`). */
  readonly expires?: string;
  /** Default any/any, as `bundle pack`. */
  readonly target?: BundleTarget;
  readonly chunkSize?: number;
}

/** Where version `version` of `modelId` goes in `out` (absolute paths: a report names them for other processes). */
export function publishedPaths(out: string, modelId: string, version: number): Omit<PublishedBundle, 'version'> {
  const base = path.resolve(out, `${modelId}-v${version}`);
  return { dir: base, tar: `${base}.tar`, index: indexFileOf(`${base}.tar`) };
}

/** Refuses (RetrainError) when `out` already holds anything of this version. */
export function checkUnpublished(out: string, modelId: string, version: number): void {
  for (const p of Object.values(publishedPaths(out, modelId, version))) {
    if (existsSync(p)) throw new RetrainError(p, `exists: ${modelId} version ${version} was already published there; it is never replaced (devices may hold it)`);
  }
}

export function publishBundle(o: PublishOptions): PublishedBundle {
  const { model_id: modelId, version } = o.fields;
  checkUnpublished(o.out, modelId, version);
  mkdirSync(o.out, { recursive: true });
  const paths = publishedPaths(o.out, modelId, version);
  writeBundle(paths.dir, o.fields, o.files);
  const expires = o.expires ?? new Date(Date.now() + DEFAULT_EXPIRY_DAYS * 86_400_000).toISOString();
  const packed = packDir(paths.dir, { version, expires, target: o.target ?? { arch: 'any', backend: 'any' } }, o.key, paths.tar);
  const index = writeChunkIndexFile(paths.tar, packed.release.manifest, o.key, o.chunkSize);
  return { version, dir: paths.dir, tar: paths.tar, index: index.file };
}
