/**
 * koffi's prebuilt binary for the image's architecture (docs/image.md, "koffi"). koffi's loader
 * (bundled into the device program) finds it with `require('@koromix/koffi-linux-<arch>')`
 * relative to the bundle, so the image carries that package in usr/lib/elma/node_modules: its
 * package.json, its loader (index.js) and the glibc build of koffi.node (not the musl one: JetPack
 * is Ubuntu).
 *
 * The version is the one package-lock.json pins for koffi. On a machine of the image's
 * architecture `npm ci` installed the package (package.json lists it as optional); elsewhere npm
 * skips it (its package.json says cpu: arm64), so it is fetched with `npm pack` — npm's cache
 * first — and its tarball checked against the lock file's sha512 integrity before use.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ImageError } from './image-error.ts';
import { findProgram, runProgram } from './host-tools.ts';
import type { ImageTarget } from './targets.ts';

export interface KoffiBinary {
  readonly package: string;
  readonly version: string;
  /** The package directory (package.json, index.js, <koffiDir>/koffi.node). */
  readonly dir: string;
  /** Where it came from: node_modules, or npm pack (cached in cacheDir). */
  readonly source: string;
}

interface LockEntry { readonly version?: string; readonly integrity?: string }

function lockEntry(root: string, pkg: string): LockEntry {
  const file = path.join(root, 'package-lock.json');
  let lock: { packages?: Record<string, LockEntry> };
  try {
    lock = JSON.parse(readFileSync(file, 'utf8')) as typeof lock;
  } catch (e) {
    throw new ImageError(file, `cannot be read (${(e as Error).message})`);
  }
  const entry = lock.packages?.[`node_modules/${pkg}`];
  if (entry?.version === undefined) throw new ImageError(file, `has no entry for node_modules/${pkg} (run npm install)`);
  return entry;
}

function versionAt(dir: string): string | null {
  try {
    return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}

/** Subresource Integrity (W3C SRI §3.1) as npm writes it: `sha512-<base64>`. */
function integrityOf(bytes: Buffer): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

export function koffiBinary(t: ImageTarget, o: { root: string; cacheDir: string; say: (line: string) => void }): KoffiBinary {
  const version = lockEntry(o.root, 'koffi').version!;
  const pkg = t.koffiPackage;
  const usable = (dir: string): boolean => versionAt(dir) === version && existsSync(path.join(dir, t.koffiDir, 'koffi.node'));
  const installed = path.join(o.root, 'node_modules', pkg);
  if (usable(installed)) return { package: pkg, version, dir: installed, source: 'node_modules' };
  const cached = path.join(o.cacheDir, `${pkg.replace('/', '+')}-${version}`);
  if (usable(cached)) return { package: pkg, version, dir: cached, source: `npm pack (cached in ${path.relative(o.root, cached)})` };

  const lock = lockEntry(o.root, pkg);
  if (lock.version !== version || lock.integrity === undefined) {
    throw new ImageError(path.join(o.root, 'package-lock.json'), `pins koffi ${version} but ${pkg} ${lock.version ?? 'not at all'} with no integrity; run npm install`);
  }
  const npm = findProgram('npm');
  if (npm === null) throw new ImageError(pkg, `is not installed and npm was not found to fetch it (npm pack ${pkg}@${version})`);
  o.say(`  ${pkg}@${version} is not installed here (npm skips other CPUs' packages): npm pack, checked against package-lock.json`);
  mkdirSync(o.cacheDir, { recursive: true });
  const tmp = mkdtempSync(path.join(o.cacheDir, '.fetch-'));
  try {
    runProgram(npm, ['pack', `${pkg}@${version}`, '--prefer-offline', '--pack-destination', tmp, '--silent'], `fetching ${pkg}@${version}`, { cwd: tmp });
    const tgz = readdirSync(tmp).find((n) => n.endsWith('.tgz'));
    if (tgz === undefined) throw new ImageError(pkg, 'npm pack wrote no tarball');
    const got = integrityOf(readFileSync(path.join(tmp, tgz)));
    if (got !== lock.integrity) throw new ImageError(`${pkg}@${version}`, `the fetched tarball's integrity ${got} is not package-lock.json's ${lock.integrity}`);
    runProgram('tar', ['-xzf', path.join(tmp, tgz), '-C', tmp], `unpacking ${tgz}`);
    rmSync(cached, { recursive: true, force: true });
    renameSync(path.join(tmp, 'package'), cached);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (!usable(cached)) throw new ImageError(cached, `holds no ${t.koffiDir}/koffi.node of koffi ${version}`);
  return { package: pkg, version, dir: cached, source: 'npm pack' };
}
