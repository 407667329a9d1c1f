/**
 * A model bundle directory read and verified on elma-qjs: the manifest, every file it lists (size
 * and sha256), no unlisted files. The same checks and messages as models/bundle/bundle-dir.ts on
 * Node, over the host's file functions instead of node:fs (passed in, so this file stays
 * platform-neutral), with the hashing done in C by the host (qjs-modules.d.ts `sha256`).
 */
import { BundleError } from '../../models/errors.ts';
import { MANIFEST_FILE, parseManifest, type Manifest } from '../../models/bundle/manifest.ts';
import type { AlbertConfig } from '../../engine/albert/config.ts';

/** The host's file functions this needs ("elma:host" on elma-qjs). */
export interface HostFiles {
  readFile(path: string): ArrayBuffer;
  readDir(path: string): string[];
  sha256(bytes: Uint8Array): string;
  /** Strict UTF-8 to text, null when invalid: utf8Decode's rule (the host does it in C). */
  decodeUtf8(bytes: Uint8Array): string | null;
}

export interface VerifiedBundle {
  readonly dir: string;
  /** The host's UTF-8 decoder, for the bundle's text files. */
  readonly decodeUtf8: (bytes: Uint8Array) => string | null;
  readonly manifest: Manifest;
  readonly config: AlbertConfig;
  /** Every file the manifest lists, verified, by name. */
  readonly files: ReadonlyMap<string, Uint8Array>;
}

const errno = (e: unknown): string | undefined => (e as { code?: unknown } | null)?.code as string | undefined;

function join(dir: string, name: string): string {
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

export function readVerifiedBundle(dir: string, host: HostFiles): VerifiedBundle {
  let names: string[];
  try {
    names = host.readDir(dir);
  } catch (e) {
    const code = errno(e);
    throw new BundleError(dir, code === 'ENOENT' ? 'no such bundle directory' : code === 'ENOTDIR' ? 'is not a directory' : `cannot be read (${(e as Error).message})`);
  }
  const manifestFile = join(dir, MANIFEST_FILE);
  if (!names.includes(MANIFEST_FILE)) throw new BundleError(dir, `is not a bundle: ${MANIFEST_FILE} is missing`);
  let json: unknown;
  try {
    const text = host.decodeUtf8(new Uint8Array(host.readFile(manifestFile)));
    if (text === null) throw new Error('not UTF-8');
    json = JSON.parse(text);
  } catch (e) {
    throw new BundleError(manifestFile, `is not valid JSON (${(e as Error).message})`);
  }
  const { manifest, config } = parseManifest(json, manifestFile);
  for (const name of names) {
    if (name !== MANIFEST_FILE && !name.startsWith('signature') && manifest.files[name] === undefined) {
      throw new BundleError(join(dir, name), 'is not listed in the manifest (unexpected file)');
    }
  }
  const files = new Map<string, Uint8Array>();
  for (const [name, entry] of Object.entries(manifest.files)) {
    const file = join(dir, name);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(host.readFile(file));
    } catch (e) {
      throw new BundleError(file, errno(e) === 'ENOENT' ? 'is listed in the manifest but missing' : `cannot be read (${(e as Error).message})`);
    }
    if (bytes.byteLength !== entry.size) throw new BundleError(file, `is ${bytes.byteLength} bytes, the manifest says ${entry.size} (truncated or replaced)`);
    if (host.sha256(bytes) !== entry.sha256) throw new BundleError(file, 'sha256 differs from the manifest (corrupted or replaced)');
    files.set(name, bytes);
  }
  return { dir, manifest, config, files, decodeUtf8: (b) => host.decodeUtf8(b) };
}
