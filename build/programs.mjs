// The programs esbuild builds (docs/image.md, "The programs"), one ESM bundle each, shared by
// build/build.mjs, the device image builder (build/image/) and the bundle tests (test/build/).
//   elma        dist/elma.mjs        development: every command (bin/elma.js, the tests, the demo)
//   elma-edge   dist/elma-edge.mjs   the device program: the device image's `elma`; no cloud/ code
//   elma-cloud  dist/elma-cloud.mjs  the cloud program: serving, the store, the fleet, retraining
// Node built-ins stay external; everything else of ours is inlined so a program starts fast.

/** @typedef {{ name: string, entry: string, out: string, minify: boolean, external: string[] }} Program */

/** @type {Readonly<Record<string, Program>>} */
export const PROGRAMS = {
  elma: {
    name: 'elma', entry: 'cli/elma.ts', out: 'dist/elma.mjs', minify: false,
    // Packages with native addons found at run time (better-sqlite3's .node file, pg's optional
    // pg-native) cannot be inlined: they load from node_modules. esbuild itself is loaded by
    // `elma build image` only, from node_modules (its binary is per platform).
    external: ['better-sqlite3', 'pg', 'pg-native', 'esbuild'],
  },
  'elma-edge': {
    name: 'elma-edge', entry: 'cli/elma-edge.ts', out: 'dist/elma-edge.mjs', minify: true,
    // Nothing: a device has no node_modules but koffi's binary package, which koffi loads itself
    // with createRequire (esbuild leaves such calls alone). A test fails on any external import.
    external: [],
  },
  'elma-cloud': {
    name: 'elma-cloud', entry: 'cli/elma-cloud.ts', out: 'dist/elma-cloud.mjs', minify: true,
    external: ['better-sqlite3', 'pg', 'pg-native'],
  },
};

/**
 * esbuild's options for one program. `minify` renames identifiers too; keepNames keeps class and
 * function names, because ElmaError sets `name` from `new.target.name` and the log lines and error
 * messages show it. The source map is written beside the bundle (`sourcemap: 'linked'`: the
 * bundle's last line names it); `node --enable-source-maps` maps stack traces through it.
 * @param {Program} p
 * @param {import('esbuild').BuildOptions} [overrides]
 * @returns {import('esbuild').BuildOptions}
 */
export function esbuildOptions(p, overrides = {}) {
  return {
    entryPoints: [p.entry],
    outfile: p.out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    ...(p.minify ? { minify: true, keepNames: true } : { minifySyntax: true }),
    legalComments: 'none',
    external: p.external,
    logLevel: 'warning',
    ...overrides,
  };
}
