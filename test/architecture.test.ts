/**
 * The layout rules of ARCHITECTURE.md that a test can check: the platform-neutral core (engine,
 * kernels/js and the backend interface, the format logic of models) imports nothing from `node:*`
 * and no Node-only package, so it can run on QuickJS.
 */
import test from 'ava';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

function tsFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir)).flatMap((name) => {
    const rel = path.join(dir, name);
    if (statSync(path.join(root, rel)).isDirectory()) return tsFiles(rel);
    return name.endsWith('.ts') ? [rel] : [];
  });
}

const NEUTRAL = [
  'common/elma-error.ts',
  ...tsFiles('engine'), ...tsFiles('kernels/js'), 'kernels/backend.ts', 'kernels/activation.ts',
  'models/safetensors.ts', 'models/tensor-source.ts', 'models/errors.ts', ...tsFiles('models/weights'),
  // the bundle format and its verification; Node file access lives in models/bundle/node/ and bundle-dir.ts.
  ...tsFiles('models/bundle').filter((f) => !f.startsWith(path.join('models', 'bundle', 'node')) && !f.endsWith('bundle-dir.ts')),
  ...tsFiles('models/synth'), ...tsFiles('models/vocab'),
  // transport's protocol logic; its Node glue lives in transport/node/.
  ...tsFiles('transport').filter((f) => !f.startsWith(`transport${path.sep}node${path.sep}`)),
];

test('the platform-neutral core imports nothing from node:*', (t) => {
  t.true(NEUTRAL.length > 20);
  for (const file of NEUTRAL) {
    const src = readFileSync(path.join(root, file), 'utf8');
    const imports = [...src.matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
    for (const spec of imports) {
      t.false(spec.startsWith('node:') || ['fs', 'path', 'os', 'crypto', 'url', 'util'].includes(spec), `${file} imports ${spec}`);
    }
    const code = src.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''); // comments may name them
    t.notRegex(code, /\bprocess\.|\bBuffer\b|require\(/, `${file} uses a Node global`);
  }
});

test('the core stays out of runtime, cloud and transport', (t) => {
  for (const file of NEUTRAL) {
    const src = readFileSync(path.join(root, file), 'utf8');
    t.notRegex(src, /from ['"](\.\.\/)+(runtime|cloud|transport)\//, file);
  }
});

test('the device never imports the cloud or the command line; the kernels never import the engine', (t) => {
  const rules: [string, RegExp][] = [['runtime', /from ['"](\.\.\/)+(cloud|cli)\//], ['kernels', /from ['"](\.\.\/)+engine\//]];
  for (const [dir, banned] of rules) {
    const files = tsFiles(dir);
    t.true(files.length > 5, dir);
    for (const file of files) t.notRegex(readFileSync(path.join(root, file), 'utf8'), banned, file);
  }
});

test('one atomic-file writer: nothing else renames a temporary file into place', (t) => {
  const writers = ['cli', 'cloud', 'runtime', 'models', 'transport', 'common'].flatMap(tsFiles)
    // (models/bundle/bundle-dir.ts moves a whole directory into place, which is another thing.)
    .filter((f) => f !== path.join('models', 'bundle', 'bundle-dir.ts') && /\brenameSync\(tmp/.test(readFileSync(path.join(root, f), 'utf8')));
  t.deepEqual(writers, [path.join('common', 'node', 'atomic-file.ts')]);
});
