/**
 * The device program for the image: build/programs.mjs's elma-edge bundle, built afresh into the
 * image (minified, its source map beside it without the sources' text, to keep the image small:
 * stack traces still map to file and line with `node --enable-source-maps`). esbuild's metafile
 * says what went in; an image whose program holds cloud/ code or needs a package from
 * node_modules (a device has none but koffi's binary) is refused here, and test/build checks the
 * same of the plain build.
 */
import path from 'node:path';
import { PROGRAMS, esbuildOptions } from '../programs.mjs';
import { ImageError } from './image-error.ts';

export interface DeviceProgram {
  readonly file: string;
  readonly map: string;
  /** The source files and packages bundled (esbuild metafile inputs, relative to the repository). */
  readonly inputs: readonly string[];
  /** The npm packages inlined (for the third-party notices). */
  readonly packages: readonly string[];
}

/** What of esbuild's metafile rules a device program out: cloud code, and imports left to node_modules. */
export function deviceProgramProblems(meta: { inputs: Record<string, unknown>; outputs: Record<string, { imports: { path: string; external?: boolean }[] }> }): string[] {
  const problems: string[] = [];
  const cloud = Object.keys(meta.inputs).filter((f) => f.startsWith('cloud/'));
  if (cloud.length > 0) problems.push(`holds cloud code: ${cloud.slice(0, 5).join(', ')}${cloud.length > 5 ? ` and ${cloud.length - 5} more` : ''}`);
  const external = new Set(Object.values(meta.outputs).flatMap((o) => o.imports).filter((i) => i.external === true && !i.path.startsWith('node:')).map((i) => i.path));
  if (external.size > 0) problems.push(`imports packages a device does not have: ${[...external].join(', ')}`);
  return problems;
}

/** The npm package names among esbuild's inputs (node_modules/@scope/name/... → @scope/name). */
export function packagesOf(inputs: readonly string[]): string[] {
  const names = new Set<string>();
  for (const f of inputs) {
    const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f);
    if (m !== null) names.add(m[1]!);
  }
  return [...names].sort();
}

export async function buildDeviceProgram(root: string, outDir: string): Promise<DeviceProgram> {
  const { build } = await import('esbuild');
  const p = PROGRAMS['elma-edge'];
  const file = path.join(outDir, path.basename(p.out));
  const r = await build(esbuildOptions(p, { absWorkingDir: root, outfile: file, metafile: true, sourcesContent: false, logLevel: 'error' }));
  const meta = r.metafile!;
  const problems = deviceProgramProblems(meta);
  if (problems.length > 0) throw new ImageError(`the device program (${p.entry})`, problems.join('; '));
  const inputs = Object.keys(meta.inputs).sort();
  return { file, map: `${file}.map`, inputs, packages: packagesOf(inputs) };
}
