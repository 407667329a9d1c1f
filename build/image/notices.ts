/**
 * THIRD-PARTY-NOTICES.txt: the licence text of every npm package whose code the image carries
 * (inlined into the device program, or koffi's binary package), as their MIT/BSD/Apache licences
 * ask of a redistribution. A package without a licence file is named with its package.json
 * `license` field, so that a reader sees it was looked at.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

function licenceText(dir: string): string | null {
  if (!existsSync(dir)) return null;
  const file = readdirSync(dir).sort().find((n) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(n));
  return file === undefined ? null : readFileSync(path.join(dir, file), 'utf8').trim();
}

/** Code that is not an npm package's (QuickJS's C sources, a statically linked C library): a title and its licence text. */
export interface NoticeSection { readonly title: string; readonly text: string }

/** `packages`: npm package names; `extraDirs`: package directories outside node_modules (a fetched koffi binary). */
export function thirdPartyNotices(root: string, packages: readonly string[], extraDirs: readonly string[] = [], sections: readonly NoticeSection[] = []): string {
  const dirs = [...packages.map((p) => path.join(root, 'node_modules', p)), ...extraDirs];
  const parts = [`ELMA's device image carries code of these packages; their licences follow.\n`];
  for (const dir of dirs) {
    let pkg: { name?: string; version?: string; license?: string } = {};
    try {
      pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as typeof pkg;
    } catch { /* named by its directory */ }
    const name = pkg.name ?? path.basename(dir);
    // koffi's binary packages hold no licence file: theirs is koffi's (MIT, the same author).
    const text = licenceText(dir) ?? (name.startsWith('@koromix/koffi-') ? licenceText(path.join(root, 'node_modules', 'koffi')) : null);
    parts.push(`==== ${name}${pkg.version === undefined ? '' : `@${pkg.version}`} (${pkg.license ?? 'no license field'}) ====\n\n${text ?? '(no licence file in the package)'}\n`);
  }
  for (const s of sections) parts.push(`==== ${s.title} ====\n\n${s.text.trim()}\n`);
  return parts.join('\n');
}
