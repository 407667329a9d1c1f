/**
 * Reading and writing bundle directories on a Node file system.
 *
 * Writing goes to a temporary sibling directory that is renamed into place once every file is
 * written and synced, so a crash never leaves a half-written bundle under the final name.
 * Reading checks every listed file's size and sha256 and refuses unlisted files.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { BundleError } from '../errors.ts';
import { parseSafetensors } from '../safetensors.ts';
import { tensorSource } from '../tensor-source.ts';
import { albertWeightsFrom, type AlbertWeights } from '../../engine/albert/weights.ts';
import type { AlbertConfig } from '../../engine/albert/config.ts';
import { MANIFEST_FILE, parseManifest, type FileEntry, type Manifest } from './manifest.ts';
import { checkWeightsFormat } from '../weights/weights-check.ts';
import { int8Matrices, type Int8Matrix } from '../weights/int8-matrix.ts';
import { weightsFormatOf, type WeightsFormat } from '../weights/weights-format.ts';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function writeFileSynced(file: string, bytes: Uint8Array): void {
  const fd = openSync(file, 'w');
  try {
    let off = 0;
    while (off < bytes.byteLength) off += writeSync(fd, bytes, off, bytes.byteLength - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
}

export type ManifestFields = Omit<Manifest, 'files'>;

/**
 * Write a bundle: the given files plus a manifest listing their hashes. `dir` must not exist or be
 * an existing bundle to replace (a directory with a manifest.json); anything else is refused.
 */
export function writeBundle(dir: string, fields: ManifestFields, files: ReadonlyMap<string, Uint8Array>): Manifest {
  const target = path.resolve(dir);
  if (existsSync(target) && !existsSync(path.join(target, MANIFEST_FILE))) {
    const entries = statSync(target).isDirectory() ? readdirSync(target) : ['(a file)'];
    if (entries.length > 0) throw new BundleError(target, 'exists and is not a bundle; refusing to overwrite it');
  }
  const entries: Record<string, FileEntry> = {};
  for (const [name, bytes] of files) entries[name] = { sha256: sha256Hex(bytes), size: bytes.byteLength };
  const manifest: Manifest = { ...fields, files: entries };
  parseManifest(manifest, `${target}/${MANIFEST_FILE}`); // never write a bundle we would refuse to read
  const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(tmp, { recursive: true });
  try {
    for (const [name, bytes] of files) writeFileSynced(path.join(tmp, name), bytes);
    writeFileSynced(path.join(tmp, MANIFEST_FILE), new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`));
    fsyncDir(tmp);
    if (existsSync(target)) rmSync(target, { recursive: true });
    renameSync(tmp, target);
    fsyncDir(path.dirname(target));
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return manifest;
}

export interface LoadedBundle {
  readonly dir: string;
  readonly manifest: Manifest;
  readonly config: AlbertConfig;
  /** Float32 whatever the file stores: fp16 and int8 tensors are converted on load (issue 19). */
  readonly weights: AlbertWeights;
  /** How the file stores them (the manifest's weights_format; fp32 when absent). */
  readonly weightsFormat: WeightsFormat;
  /** The file's int8 tensors as stored, checked (views of the file's bytes; empty unless int8): what
   *  a backend that runs int8 natively takes instead of quantising `weights` again (runtime/qa-bundle.ts). */
  readonly int8: ReadonlyMap<string, Int8Matrix>;
}

/** Read the manifest of a bundle directory, without touching the other files. */
export function readManifest(dir: string): { manifest: Manifest; config: AlbertConfig } {
  const file = path.join(dir, MANIFEST_FILE);
  if (!existsSync(dir)) throw new BundleError(dir, 'no such bundle directory');
  if (!existsSync(file)) throw new BundleError(dir, `is not a bundle: ${MANIFEST_FILE} is missing`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new BundleError(file, `is not valid JSON (${(e as Error).message})`);
  }
  return parseManifest(json, file);
}

/** Read a file of the bundle after checking its size and hash against the manifest. */
export function readBundleFile(dir: string, manifest: Manifest, name: string): Uint8Array {
  const entry = manifest.files[name];
  if (entry === undefined) throw new BundleError(path.join(dir, MANIFEST_FILE), `lists no file ${name}`);
  const file = path.join(dir, name);
  if (!existsSync(file)) throw new BundleError(file, 'is listed in the manifest but missing');
  const bytes = new Uint8Array(readFileSync(file));
  if (bytes.byteLength !== entry.size) throw new BundleError(file, `is ${bytes.byteLength} bytes, the manifest says ${entry.size} (truncated or replaced)`);
  if (sha256Hex(bytes) !== entry.sha256) throw new BundleError(file, 'sha256 differs from the manifest (corrupted or replaced)');
  return bytes;
}

/**
 * Load and verify a whole bundle: manifest, every file's hash, no extra files, weights against the
 * config and against the manifest's weights_format (fp16 and int8 converted to float32 here).
 */
export function loadBundle(dir: string): LoadedBundle {
  const { manifest, config } = readManifest(dir);
  for (const name of readdirSync(dir)) {
    if (name !== MANIFEST_FILE && !name.startsWith('signature') && manifest.files[name] === undefined) {
      throw new BundleError(path.join(dir, name), 'is not listed in the manifest (unexpected file)');
    }
  }
  for (const name of Object.keys(manifest.files)) if (name !== manifest.weights) readBundleFile(dir, manifest, name);
  const wfile = path.join(dir, manifest.weights);
  const st = parseSafetensors(readBundleFile(dir, manifest, manifest.weights), wfile);
  const weightsFormat = checkWeightsFormat(st, weightsFormatOf(manifest), wfile);
  const weights = albertWeightsFrom(tensorSource(st, wfile), config, wfile);
  if (config.head === 'question-answering' && weights.exitHeads.length !== config.numHiddenLayers) {
    throw new BundleError(wfile, 'has no exit heads');
  }
  const int8 = weightsFormat === 'int8' ? int8Matrices(st, wfile) : new Map<string, Int8Matrix>();
  return { dir, manifest, config, weights, weightsFormat, int8 };
}
