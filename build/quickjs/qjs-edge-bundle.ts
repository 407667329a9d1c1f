/**
 * The device program for elma-qjs as one ES module (issue 18; docs/qjs-runtime.md "The device
 * program"): esbuild bundles qjs-edge.ts and, through it, the device code exactly as the Node
 * program runs it (runtime/edge, runtime/link, runtime/slots, runtime/ota, transport, models,
 * engine), with three kinds of substitution, all at bundle time:
 *
 *   - node:fs, node:path, node:net, node:crypto resolve to node-api/, the Node APIs the device code
 *     calls, implemented on elma:host; any other node: module is refused here, by name;
 *   - Buffer, process, TextEncoder/TextDecoder, performance and the timers are injected from
 *     node-api/globals.ts wherever the code uses them as globals;
 *   - two modules of ours with a Node-only facility have elma-qjs twins with the same exports
 *     (type-checked against them): runtime/backend-select.ts (koffi, onnxruntime) and
 *     runtime/voice/console-listener.ts (child processes);
 *   - three @noble modules are noble's with one function in C: `sha256` (qjs-sha2.ts; interpreted,
 *     hashing a bundle at install took seconds per MiB), `chacha20poly1305` (qjs-chacha.ts; every
 *     frame of the link, ~2.3 s per MiB interpreted) and `blake2s` (qjs-blake2.ts; Noise's hash and
 *     HKDF, a third of the handshake interpreted).
 *
 * esbuild fails the bundle if the device code imports a name a node-api module does not export.
 *
 *   node --import tsx build/quickjs/qjs-edge-bundle.ts <out.js>     writes the bundle
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const ENTRY = path.join(HERE, 'qjs-edge.ts');

/** node: modules and their elma-qjs implementations. */
export const NODE_API: Readonly<Record<string, string>> = {
  'node:fs': path.join(HERE, 'node-api', 'fs.ts'),
  'node:path': path.join(HERE, 'node-api', 'path.ts'),
  'node:net': path.join(HERE, 'node-api', 'net.ts'),
  'node:crypto': path.join(HERE, 'node-api', 'crypto.ts'),
};

/** Modules of ours replaced by their elma-qjs twins (repository-relative paths). */
export const TWINS: Readonly<Record<string, string>> = {
  'runtime/backend-select.ts': 'build/quickjs/qjs-backend-select.ts',
  'runtime/voice/console-listener.ts': 'build/quickjs/qjs-console-listener.ts',
};

/** Packages' modules replaced by a twin that re-exports them with one function in C. */
export const PACKAGE_TWINS: Readonly<Record<string, string>> = {
  '@noble/hashes/sha2.js': 'build/quickjs/qjs-sha2.ts',
  '@noble/ciphers/chacha.js': 'build/quickjs/qjs-chacha.ts',
  '@noble/hashes/blake2.js': 'build/quickjs/qjs-blake2.ts',
};

/** The plugin that makes a bundle for elma-qjs, with these package twins (default PACKAGE_TWINS). */
const qjsPlatform = (packageTwins: Readonly<Record<string, string>>): Plugin => ({
  name: 'elma-qjs-platform',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => {
      const to = NODE_API[args.path];
      if (to !== undefined) return { path: to };
      return { errors: [{ text: `${path.relative(ROOT, args.importer)} imports ${args.path}, which elma-qjs does not provide (it has ${Object.keys(NODE_API).join(', ')})` }] };
    });
    b.onResolve({ filter: /^@noble\// }, (args) => {
      const twin = packageTwins[args.path];
      // The twin itself imports the real module.
      if (twin === undefined || path.resolve(args.importer) === path.join(ROOT, twin)) return undefined;
      return { path: path.join(ROOT, twin) };
    });
    b.onResolve({ filter: /\.ts$/ }, (args) => {
      if (args.importer === '') return undefined;
      const target = path.relative(ROOT, path.resolve(args.resolveDir, args.path));
      const twin = TWINS[target];
      return twin === undefined ? undefined : { path: path.join(ROOT, twin) };
    });
  },
});

export interface EdgeBundle {
  readonly code: string;
  readonly metafile: Metafile;
}

/** The device program for elma-qjs (QuickJS 2021-03-27: ES2020, plus the class fields and private members it has natively). */
export function bundleQjsEdge(o: { minify?: boolean } = {}): Promise<EdgeBundle> {
  return bundleForQjs(ENTRY, o);
}

/**
 * Any program written against Node's APIs, bundled for elma-qjs as the device program is (the tests
 * check node-api/ this way). `packageTwins` replaces PACKAGE_TWINS: bench:qjs-edge bundles @noble's
 * own chacha20poly1305 and blake2s with `{ '@noble/hashes/sha2.js': ... }` to measure what C gains.
 */
export async function bundleForQjs(entry: string, o: { minify?: boolean; packageTwins?: Readonly<Record<string, string>> } = {}): Promise<EdgeBundle> {
  const out = await build({
    entryPoints: [entry], bundle: true, write: false, format: 'esm', platform: 'neutral', target: 'es2020',
    mainFields: ['module', 'main'], conditions: ['import', 'default'],
    supported: {
      'class-field': true, 'class-static-field': true, 'class-private-field': true, 'class-private-method': true,
      'class-private-accessor': true, 'class-private-static-field': true, 'class-private-static-method': true,
      'class-private-static-accessor': true,
    },
    inject: [path.join(HERE, 'node-api', 'polyfills.ts'), path.join(HERE, 'node-api', 'globals.ts')],
    external: ['elma:*'], plugins: [qjsPlatform(o.packageTwins ?? PACKAGE_TWINS)], metafile: true,
    minify: o.minify ?? true, keepNames: true, logLevel: 'silent', legalComments: 'none',
  });
  return { code: out.outputFiles[0]!.text, metafile: out.metafile };
}

// Run as a script only: bundled into dist/elma.mjs, every module's import.meta.url is the bundle's,
// and a worker thread of that program (runtime/elma-worker.ts) has the bundle as its argv[1].
if (import.meta.url.endsWith('/qjs-edge-bundle.ts') && process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (file === undefined) {
    process.stderr.write('usage: node --import tsx build/quickjs/qjs-edge-bundle.ts <out.js>\n');
    process.exit(2);
  }
  const { code } = await bundleQjsEdge();
  writeFileSync(file, code);
  process.stderr.write(`wrote ${file} (${Math.round(code.length / 1024)} KiB)\n`);
}
