// Builds one minimal ESM bundle per program with esbuild (ARCHITECTURE.md, build/).
// Node built-ins stay external; everything else of ours is inlined so the program starts fast.
import { build } from 'esbuild';

const programs = [
  { entry: 'runtime/cli/elma.ts', out: 'dist/elma.mjs' },
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
    logLevel: 'warning',
  });
}
