/**
 * The Node side of elma-qjs (docs/qjs-runtime.md): bundle the QA core's command (qjs-cli.ts) with
 * esbuild into the one ES module the host runs, and find the built host. Its "elma:host" and
 * "elma:kernels" imports stay imports (external): the host provides them (build/qjs/).
 *
 *   node --import tsx build/quickjs/qjs-core-bundle.ts <out.js>     writes the bundle
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const ENTRY = path.join(HERE, 'qjs-cli.ts');

/** The core for elma-qjs as one ES module (QuickJS 2021-03-27 runs ES2020). */
export async function bundleQjsCore(o: { minify?: boolean } = {}): Promise<string> {
  const out = await build({
    entryPoints: [ENTRY], bundle: true, write: false, format: 'esm', platform: 'neutral', target: 'es2020',
    external: ['elma:*'], minify: o.minify ?? true, keepNames: true, logLevel: 'silent', legalComments: 'none',
  });
  return out.outputFiles[0]!.text;
}

/**
 * The host `npm run build` made for this machine (build/native.mjs: dist/native/elma-qjs, or
 * elma-qjs-small), or the one ELMA_QJS (ELMA_QJS_SMALL) names; null when there is none.
 */
export function findElmaQjs(variant: 'elma-qjs' | 'elma-qjs-small' = 'elma-qjs'): string | null {
  const env = process.env[variant === 'elma-qjs' ? 'ELMA_QJS' : 'ELMA_QJS_SMALL'];
  if (env !== undefined && env !== '') return env;
  const built = path.join(ROOT, 'dist', 'native', variant);
  return existsSync(built) ? built : null;
}

// Run as a script only: bundled into dist/elma.mjs, every module's import.meta.url is the bundle's,
// and a worker thread of that program (runtime/elma-worker.ts) has the bundle as its argv[1].
if (import.meta.url.endsWith('/qjs-core-bundle.ts') && process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (file === undefined) {
    process.stderr.write('usage: node --import tsx build/quickjs/qjs-core-bundle.ts <out.js>\n');
    process.exit(2);
  }
  writeFileSync(file, await bundleQjsCore());
  process.stderr.write(`wrote ${file}\n`);
}
