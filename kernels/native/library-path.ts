/**
 * Where ELMA's native libraries are: built by the top-level CMakeLists.txt into dist/native.
 * Apart from library.ts (which loads them) so that cpu-library.ts, which library.ts uses before
 * every load, can find libelma_cpu without an import cycle.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** `libelma_native.so` on Linux, `libelma_native.dylib` on macOS, `elma_native.dll` on Windows. */
export function libraryFileName(base: string): string {
  if (process.platform === 'darwin') return `lib${base}.dylib`;
  if (process.platform === 'win32') return `${base}.dll`;
  return `lib${base}.so`;
}

/**
 * Where the library is: `envVar` when set (a path to the file), else `dist/native/<file>` in the
 * first folder above this module that has one (this file runs from kernels/native/ in the sources
 * and from dist/ in the esbuild bundle). null when there is none.
 */
export function findLibrary(base: string, envVar: string): string | null {
  const explicit = process.env[envVar];
  if (explicit !== undefined && explicit !== '') return explicit;
  const file = libraryFileName(base);
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'dist', 'native', file);
    if (existsSync(candidate)) return candidate;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

