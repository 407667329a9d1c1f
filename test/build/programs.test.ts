/**
 * The programs of build/programs.mjs (docs/image.md, "The programs"): the device program holds no
 * cloud/ code and imports nothing a device lacks (esbuild's metafile says what went in), the cloud
 * program holds the cloud and not the device program, both are minified with a source map beside
 * them, and each built bundle runs and offers its own commands.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { PROGRAMS, esbuildOptions, type Program } from '../../build/programs.mjs';
import { deviceProgramProblems, packagesOf } from '../../build/image/device-program.ts';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
// Inside the repository: the bundles load koffi's binary from its node_modules, as dist/ does.
mkdirSync(path.join(ROOT, 'out'), { recursive: true });
const tmp = mkdtempSync(path.join(ROOT, 'out', 'test-programs-'));
test.after.always(() => rmSync(tmp, { recursive: true, force: true }));

/** Each call into a directory of its own: tests run concurrently, and two of them build the same
 *  program (a shared path let one read the file while the other rewrote it). */
async function bundle(p: Program): Promise<{ file: string; meta: Metafile }> {
  const file = path.join(mkdtempSync(path.join(tmp, `${p.name}-`)), path.basename(p.out));
  const r = await build(esbuildOptions(p, { absWorkingDir: ROOT, outfile: file, metafile: true, logLevel: 'error' }));
  return { file, meta: r.metafile! };
}

const help = (file: string): string => execFileSync(process.execPath, [file, '--help'], { encoding: 'utf8' });
const commandsOf = (text: string): string[] => [...text.matchAll(/^ {2}(\S+) {2,}/gm)].map((m) => m[1]!);

test('the device program: the device code, no cloud code, no package left to node_modules', async (t) => {
  const { file, meta } = await bundle(PROGRAMS['elma-edge']);
  const inputs = Object.keys(meta.inputs);
  // Not vacuous: the device program and what it stands on are in it.
  for (const f of ['cli/commands/edge.ts', 'runtime/edge/device.ts', 'runtime/edge/worker.ts', 'runtime/slots/node/boot.ts', 'transport/noise/handshake-state.ts', 'kernels/native/library.ts']) {
    t.true(inputs.includes(f), `${f} is in the device program`);
  }
  t.deepEqual(inputs.filter((f) => f.startsWith('cloud/')), [], 'no cloud/ code');
  t.deepEqual(inputs.filter((f) => /^cli\/commands\/(cloud|serve|train|demo|build-image)/.test(f)), [], 'no cloud, training, demo or build command');
  t.deepEqual(deviceProgramProblems(meta), []);
  const external = Object.values(meta.outputs).flatMap((o) => o.imports).filter((i) => i.external === true).map((i) => i.path);
  t.true(external.length > 0 && external.every((p) => p.startsWith('node:')), `only node: built-ins stay external: ${[...new Set(external)].join(' ')}`);
  t.deepEqual(packagesOf(inputs), ['@noble/ciphers', '@noble/curves', '@noble/hashes', 'cbor-x', 'koffi']);
  t.deepEqual(commandsOf(help(file)), ['edge', 'ask', 'slots', 'update', 'bundle', 'link-keygen']);
});

test('the rule that refuses a device program catches cloud code and external packages', (t) => {
  const meta = { inputs: { 'cloud/store/sqlite-store.ts': {}, 'runtime/edge/device.ts': {} }, outputs: { 'x.mjs': { imports: [{ path: 'better-sqlite3', external: true }, { path: 'node:fs', external: true }] } } };
  t.deepEqual(deviceProgramProblems(meta), ['holds cloud code: cloud/store/sqlite-store.ts', 'imports packages a device does not have: better-sqlite3']);
});

test('the cloud program: the cloud, not the device program', async (t) => {
  const { file, meta } = await bundle(PROGRAMS['elma-cloud']);
  const inputs = Object.keys(meta.inputs);
  for (const f of ['cloud/cloud-service.ts', 'cloud/store/sqlite-store.ts', 'cloud/fleet/fleet-service.ts', 'cli/commands/cloud-serve.ts']) t.true(inputs.includes(f), `${f} is in the cloud program`);
  t.deepEqual(inputs.filter((f) => f.startsWith('runtime/edge/') || f === 'cli/commands/edge.ts' || f.startsWith('build/image/')), [], 'no device program, no image builder');
  const cmds = commandsOf(help(file));
  t.true(cmds.includes('cloud') && cmds.includes('train') && cmds.includes('keygen'), cmds.join(' '));
  t.false(cmds.includes('edge') || cmds.includes('demo') || cmds.includes('build'), cmds.join(' '));
});

test('device and cloud programs are minified, with the source map beside them; the development program is not', async (t) => {
  for (const p of [PROGRAMS['elma-edge'], PROGRAMS['elma-cloud']]) {
    const { file } = await bundle(p);
    const code = readFileSync(file, 'utf8');
    t.true(existsSync(`${file}.map`), `${p.name}: ${file}.map`);
    t.regex(code, new RegExp(`//# sourceMappingURL=${path.basename(file)}\\.map\\n$`), p.name);
    const lines = code.split('\n').length;
    t.true(code.length / lines > 300, `${p.name}: ${lines} lines for ${code.length} bytes (minified code has long lines)`);
    const map = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[] };
    t.true(map.sources.some((s) => s.endsWith('cli/run-program.ts')), `${p.name}: its map names the sources`);
  }
  t.false(PROGRAMS.elma.minify);
  t.is(PROGRAMS.elma.out, 'dist/elma.mjs', 'bin/elma.js and the tests run dist/elma.mjs');
});
