/**
 * The image's manifest (docs/image.md, "The manifest"): manifest.json says what the image is, what
 * the device must provide and every file's size, sha256 and mode; SHA256SUMS lists the same hashes
 * in the format `sha256sum -c` reads (coreutils), which is how install.sh checks the unpacked image
 * before it installs anything. SHA256SUMS covers manifest.json too; nothing can list its own hash.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const MANIFEST = 'manifest.json';
export const SUMS = 'SHA256SUMS';

export interface FileRecord { readonly size: number; readonly sha256: string; readonly mode: string }

/** Every regular file under `dir`, relative with '/' separators, sorted by name (code points). */
export function listFiles(dir: string, base = ''): string[] {
  return readdirSync(path.join(dir, base), { withFileTypes: true }).flatMap((e) => {
    const rel = base === '' ? e.name : `${base}/${e.name}`;
    return e.isDirectory() ? listFiles(dir, rel) : e.isFile() ? [rel] : [];
  }).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function fileRecords(dir: string, skip: readonly string[]): Record<string, FileRecord> {
  const out: Record<string, FileRecord> = {};
  for (const rel of listFiles(dir)) {
    if (skip.includes(rel)) continue;
    const file = path.join(dir, rel);
    const bytes = readFileSync(file);
    out[rel] = { size: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex'), mode: (statSync(file).mode & 0o111) !== 0 ? '0755' : '0644' };
  }
  return out;
}

/** Write manifest.json (`fields` plus files and their total) and SHA256SUMS into the staged image `dir`. */
export function writeImageManifest(dir: string, fields: Record<string, unknown>): { files: Record<string, FileRecord>; bytes: number } {
  const files = fileRecords(dir, [MANIFEST, SUMS]);
  const bytes = Object.values(files).reduce((n, f) => n + f.size, 0);
  writeFileSync(path.join(dir, MANIFEST), `${JSON.stringify({ ...fields, bytes, files }, null, 2)}\n`);
  const all = fileRecords(dir, [SUMS]);
  writeFileSync(path.join(dir, SUMS), Object.entries(all).map(([rel, f]) => `${f.sha256}  ${rel}\n`).join(''));
  return { files, bytes };
}
