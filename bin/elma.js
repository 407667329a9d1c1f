#!/usr/bin/env node
// The `elma` command: runs the esbuild bundle of cli/main.ts (built by `npm install`/`npm run build`).
import { existsSync } from 'node:fs';
const bundle = new URL('../dist/elma.mjs', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write('elma: dist/elma.mjs is missing; run `npm run build` (npm install does it) first\n');
  process.exit(2);
}
await import(bundle.href);
