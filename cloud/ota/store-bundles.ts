/**
 * Published bundles shared through the store, so every cloud node offers the newest one (issue 12,
 * scale-out): a node that publishes puts the archive and its signed chunk index into the store;
 * every node looks for a newer version every few seconds, copies it to its cache directory,
 * unpacks it to answer hidden-state offloads of that version, and offers it. The cloud holds no
 * signing key: what it relays was signed by `elma cloud retrain` or `elma bundle pack`.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { withBundleFiles } from '../../models/bundle/node/open-bundle.ts';
import { indexFileOf } from '../../models/bundle/node/index-file.ts';
import type { QuestionStore } from '../store/question-store.ts';

export interface CachedVersion {
  readonly version: number;
  readonly dir: string;
  readonly tar: string;
  readonly index: string;
}

/** Put a packed bundle (its .tar and signed index file) into the store for every node. */
export async function putPublished(store: QuestionStore, modelId: string, version: number, tar: string, index = indexFileOf(tar)): Promise<void> {
  await store.putBundle(modelId, version, readFileSync(tar), readFileSync(index, 'utf8'));
}

/**
 * The newest stored version of `modelId` above `after`, copied into `cacheDir` and unpacked;
 * undefined when there is none. Versions in `exclude` (those a staged rollout owns: issue 16) are
 * never taken: they reach devices only through their rollout.
 */
export async function fetchNewer(store: QuestionStore, modelId: string, after: number, cacheDir: string, exclude: ReadonlySet<number> = new Set()): Promise<CachedVersion | undefined> {
  const versions = (await store.bundleVersions(modelId)).filter((v) => !exclude.has(v));
  if (versions.length === 0 || Math.max(...versions) <= after) return undefined;
  const newest = Math.max(...versions);
  const stored = await store.bundle(modelId, newest);
  if (stored === undefined) return undefined;
  return cacheBundle(cacheDir, modelId, newest, stored.tar, stored.indexJson);
}

/** Write a stored bundle's archive and index into `cacheDir` and unpack it beside them (for the model). */
export function cacheBundle(cacheDir: string, modelId: string, version: number, tarBytes: Uint8Array, indexJson: string): CachedVersion {
  mkdirSync(cacheDir, { recursive: true });
  const base = path.join(cacheDir, `${modelId}-v${version}`);
  const tar = `${base}.tar`;
  writeFileSync(`${tar}.partial`, tarBytes);
  renameSync(`${tar}.partial`, tar);
  const index = indexFileOf(tar);
  writeFileSync(index, indexJson);
  const dir = base;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  withBundleFiles(tar, (files) => {
    for (const e of files.entries()) {
      if (e.kind !== 'file') continue;
      if (e.name.includes('/') || e.name.includes('\\') || e.name.startsWith('.')) throw new Error(`${tar}: entry "${e.name}" is not a plain top-level file name`);
      writeFileSync(path.join(dir, e.name), files.read(e.name, 0, e.size));
    }
  });
  return { version, dir, tar, index };
}
