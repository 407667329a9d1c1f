// Builds one minimal ESM bundle per program with esbuild (build/programs.mjs says which; ARCHITECTURE.md, build/).
import { build } from 'esbuild';
import { PROGRAMS, esbuildOptions } from './programs.mjs';

for (const p of Object.values(PROGRAMS)) await build(esbuildOptions(p));
