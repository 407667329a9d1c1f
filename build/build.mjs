// Builds one minimal ESM bundle per program with esbuild (ARCHITECTURE.md, build/).
// Node built-ins stay external; everything else of ours is inlined so the program starts fast.
import { build } from 'esbuild';

const programs = [
  { entry: 'cli/elma.ts', out: 'dist/elma.mjs' },
];

for (const p of programs) {
  await build({
    entryPoints: [p.entry],
    outfile: p.out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    minifySyntax: true,
    legalComments: 'none',
    // Packages with native addons found at run time (better-sqlite3's .node file, pg's optional
    // pg-native) cannot be inlined: they load from node_modules.
    external: ['better-sqlite3', 'pg', 'pg-native'],
    logLevel: 'warning',
  });
}
