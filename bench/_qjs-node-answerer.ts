/**
 * Node's side of bench:qjs (bench/qjs.ts): build/quickjs/qjs-cli.ts's command on Node, with the
 * same bundle reader, answerer and output (one JSON line per answer), on a Node backend: `native`
 * (libelma_native through koffi, as the device program runs today) or `js`. Bundled by esbuild for
 * Node like the device program (dist/elma-edge.mjs), so both programs start from one file.
 *
 *   node node-answerer.mjs --bundle <dir> --questions <file.json> --backend native|js
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { utf8Decode } from '../engine/utf8.ts';
import { readVerifiedBundle } from '../build/quickjs/qjs-bundle.ts';
import { openQjsAnswerer } from '../build/quickjs/qjs-answerer.ts';
import { jsBackend } from '../kernels/js/index.ts';
import { createNativeBackend } from '../kernels/native/index.ts';

const arg = (name: string): string => {
  const i = process.argv.indexOf(name);
  const v = i > 0 ? process.argv[i + 1] : undefined;
  if (v === undefined) throw new TypeError(`${name} is required`);
  return v;
};

const backend = arg('--backend') === 'js' ? jsBackend : createNativeBackend();
const bundle = readVerifiedBundle(arg('--bundle'), {
  readFile: (p) => { const b = readFileSync(p); return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer; },
  readDir: (p) => readdirSync(p),
  sha256: (bytes) => createHash('sha256').update(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).digest('hex'),
  decodeUtf8: (bytes) => utf8Decode(bytes),
});
const questions = (JSON.parse(readFileSync(arg('--questions'), 'utf8')) as { id: string; question: string; context: string }[])
  .map((q) => ({ ...q, title: '', answers: [], isImpossible: false }));
const answerer = openQjsAnswerer(bundle, backend, () => performance.now());
for (const q of questions) process.stdout.write(`${JSON.stringify(answerer.answer([q])[0])}\n`);
