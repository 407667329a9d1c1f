/**
 * build/quickjs/qjs-edge-bundle.ts and qjs-core-bundle.ts are modules (the image builder, the tests
 * and the benches import them) and scripts (`node --import tsx <file> <out.js>` writes a bundle).
 * Bundled into a program, every module's import.meta.url is the program's file, which is also the
 * argv[1] of that program's worker threads (runtime/elma-worker.ts): the script part must not run
 * there. It did: dist/elma.mjs's device inference worker (`elma edge`) tried to bundle elma-qjs's
 * device program instead of starting.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// Inside the repository, so the bundles find esbuild in node_modules.
mkdirSync(path.join(ROOT, 'out'), { recursive: true });
const tmp = mkdtempSync(path.join(ROOT, 'out', 'test-bundle-scripts-'));
test.after.always(() => rmSync(tmp, { recursive: true, force: true }));

for (const name of ['qjs-edge-bundle', 'qjs-core-bundle']) {
  test(`${name}.ts bundled into a program whose argv[1] is that program does nothing on load`, async (t) => {
    const program = path.join(tmp, `${name}.mjs`);
    await build({ entryPoints: [path.join(ROOT, 'build', 'quickjs', `${name}.ts`)], bundle: true, platform: 'node', format: 'esm', outfile: program, packages: 'external', logLevel: 'error' });
    const out = path.join(tmp, `${name}-out.js`);
    const r = spawnSync(process.execPath, [program, out], { encoding: 'utf8', timeout: 60_000 });
    t.is(r.status, 0, r.stderr);
    t.is(r.stderr, '');
    t.false(existsSync(out), 'no bundle written');
  });
}
