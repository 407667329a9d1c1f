/**
 * The device image (docs/image.md; issue 14), built by `elma build image` as a person would:
 *   - x64: every file matches the manifest and SHA256SUMS, nothing from node_modules but koffi's
 *     binary; install.sh lays it out in a temporary root; the installed device program, run with this
 *     machine's Node from that tree, answers the model's golden questions on the image's native
 *     library; a second install keeps the configuration, key and slots; an altered image installs nothing.
 *   - arm64: cross-built (gcc-aarch64-linux-gnu, arm64 OpenBLAS from Debian's multiarch tree); the
 *     library's own C tests (test_native, through ctest) run under qemu-aarch64, on the very library
 *     the image carries.
 *   - bad input: an unknown architecture, a missing cross compiler (ELMA_CROSS_CC names one that is
 *     not there), a cross build that fails half-way, a model that does not verify, the unsigned
 *     default model without a key: one clear line each, and --out untouched.
 * Without the cross toolchain or qemu the arm64 test is a loud skip; under CI (which installs them:
 * .ci/run) a failure.
 */
import test, { type ExecutionContext } from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { elma, scratch } from '../_cli.ts';
import { testUnless } from '../_skip.ts';
import { findProgram } from '../../build/image/host-tools.ts';
import { cflagsOfToolchain, elfMachine } from '../../build/image/native-build.ts';
import { imageTarget } from '../../build/image/targets.ts';
import { listFiles } from '../../build/image/image-manifest.ts';
import { normalizeAnswer } from '../../engine/squad/metric.ts';
import { qjsBuildBlocker } from '../../build/quickjs/qjs-host-build.ts';
import { provisionSlots } from '../../runtime/slots/node/provision.ts';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const tmp = scratch('elma-image-');
test.after.always(() => rmSync(tmp, { recursive: true, force: true }));

function missing(checks: readonly [boolean, string][]): string | null {
  const m = checks.filter(([ok]) => !ok).map(([, what]) => what);
  return m.length === 0 ? null : m.join('; ');
}
// What no install can change: these tests build on an x64 Linux machine (the arm64 image cross-built).
const platformReason = process.platform === 'linux' && process.arch === 'x64' ? null : `the image tests build on an x64 Linux machine; this is ${process.platform}-${process.arch}`;
const hostReason = missing([
  [findProgram('cmake') !== null, 'cmake (apt-get install cmake)'],
  [findProgram('cc') !== null, 'a C compiler (apt-get install gcc)'],
  [['/usr/include/x86_64-linux-gnu/cblas.h', '/usr/include/cblas.h'].some(existsSync), 'OpenBLAS (apt-get install libopenblas-dev)'],
]);
const armReason = missing([
  [findProgram('aarch64-linux-gnu-gcc') !== null, 'the cross compiler (apt-get install gcc-aarch64-linux-gnu)'],
  [existsSync('/usr/include/aarch64-linux-gnu/cblas.h'), 'arm64 OpenBLAS (dpkg --add-architecture arm64 && apt-get install libopenblas-dev:arm64)'],
  [findProgram('qemu-aarch64') !== null, 'qemu-user (apt-get install qemu-user)'],
]);

/** testUnless, except that under CI (which installs every tool: .ci/run) a missing tool is a failure. */
function needs(reason: string | null): (title: string, impl: (t: ExecutionContext) => unknown) => void {
  if (platformReason !== null) return testUnless(platformReason);
  if (reason !== null && process.env.CI !== undefined) return (title) => test.serial(title, (t) => { t.fail(`CI must have ${reason} (.ci/run installs it)`); });
  if (reason !== null) return testUnless(`missing ${reason}`);
  return (title, impl) => test.serial(title, impl);
}

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

function sh(cmd: string, args: readonly string[], opts: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): { code: number; out: string; err: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input: opts.input ?? '', env: opts.env ?? process.env, cwd: opts.cwd, timeout: 240_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

interface Built { file: string; bytes: number; runtime: string; native_build_dir: string; manifest: Record<string, any>; seconds: number }

/** `elma build image --arch <arch> [--runtime <runtime>]` (undefined: the architecture's default) into tmp/elma-<arch>-<runtime>.tar.gz. */
async function buildImage(arch: string, runtime: string | undefined, extra: string[] = []): Promise<Built> {
  const key = path.join(tmp, 'release.key');
  if (!existsSync(key)) t0(await elma(['keygen', '--out', key]));
  const out = path.join(tmp, `elma-${arch}-${runtime ?? 'default'}.tar.gz`);
  const start = Date.now();
  const r = await elma(['build', 'image', '--arch', arch, '--out', out, '--release-key', key, '--json', ...(runtime === undefined ? [] : ['--runtime', runtime]), ...extra]);
  if (r.code !== 0) throw new Error(`build image --arch ${arch} failed (${r.code}): ${r.stderr}`);
  return { ...(JSON.parse(r.stdout) as Omit<Built, 'seconds'>), seconds: (Date.now() - start) / 1000 };
}
function t0(r: { code: number; stderr: string }): void {
  if (r.code !== 0) throw new Error(r.stderr);
}

function unpack(file: string, into: string): string {
  rmSync(into, { recursive: true, force: true });
  mkdirSync(into, { recursive: true });
  const r = sh('tar', ['-xzf', file, '-C', into]);
  if (r.code !== 0) throw new Error(`tar: ${r.err}`);
  const [top, ...rest] = listFiles(into).map((f) => f.split('/')[0]!).filter((v, i, a) => a.indexOf(v) === i);
  if (top === undefined || rest.length > 0) throw new Error(`the image must hold one folder, holds ${[top, ...rest].join(', ')}`);
  return path.join(into, top);
}

/** Every file against manifest.json and SHA256SUMS, both ways. */
function checkManifest(t: ExecutionContext, dir: string, built: Built): void {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { files: Record<string, { size: number; sha256: string; mode: string }>; bytes: number };
  const files = listFiles(dir);
  t.deepEqual(Object.keys(manifest.files).sort(), files.filter((f) => f !== 'manifest.json' && f !== 'SHA256SUMS').sort(), 'the manifest lists exactly the files there are');
  for (const [f, rec] of Object.entries(manifest.files)) {
    t.is(sha256(path.join(dir, f)), rec.sha256, f);
    t.is(statSync(path.join(dir, f)).size, rec.size, f);
  }
  const sums = readFileSync(path.join(dir, 'SHA256SUMS'), 'utf8').trim().split('\n').map((l) => l.split('  ') as [string, string]);
  t.deepEqual(sums.map(([, f]) => f).sort(), files.filter((f) => f !== 'SHA256SUMS').sort(), 'SHA256SUMS lists every other file');
  for (const [h, f] of sums) t.is(sha256(path.join(dir, f)), h, f);
  t.is(sh('sha256sum', ['--quiet', '--strict', '-c', 'SHA256SUMS'], { cwd: dir }).code, 0, 'sha256sum -c agrees');
  t.is(manifest.bytes, built.manifest.bytes);
  t.is(built.manifest.runtime, built.runtime);
  t.true(built.bytes < 6 * 1048576, `the image is ${built.bytes} bytes`);
  const target = imageTarget(built.manifest.arch as string);
  if (built.runtime === 'qjs') {
    // One static program and its bundle; nothing of Node's.
    t.deepEqual(files.filter((f) => f.startsWith('root/usr/lib/elma/')).sort(), ['README.md', 'THIRD-PARTY-NOTICES.txt', 'bin/elma-qjs', 'dist/elma-qjs-edge.js'].map((f) => `root/usr/lib/elma/${f}`));
    t.is(elfMachine(path.join(dir, 'root/usr/lib/elma/bin/elma-qjs')), target.elfMachine, 'elma-qjs is for the image\'s architecture');
    t.regex(readFileSync(path.join(dir, 'root/usr/lib/elma/THIRD-PARTY-NOTICES.txt'), 'utf8'), /==== QuickJS 2021-03-27 \(MIT[^\n]*\n\nQuickJS Javascript Engine[\s\S]*==== GNU C Library \(glibc\), statically linked/);
    return;
  }
  // Small: no node_modules but koffi's binary package, no musl build of it.
  t.deepEqual(files.filter((f) => f.includes('node_modules/')).sort(), ['package.json', 'index.js', `${target.koffiDir}/koffi.node`]
    .map((f) => `root/usr/lib/elma/node_modules/${target.koffiPackage}/${f}`).sort());
  t.is(elfMachine(path.join(dir, 'root/usr/lib/elma/dist/native/libelma_native.so')), target.elfMachine, 'the native library is for the image\'s architecture');
  t.is(elfMachine(path.join(dir, `root/usr/lib/elma/node_modules/${target.koffiPackage}/${target.koffiDir}/koffi.node`)), target.elfMachine, 'so is koffi\'s binary');
}

/** No node_modules above `dir`: the installed program must find koffi in its own tree, not in the repository's. */
function noNodeModulesAbove(dir: string): boolean {
  for (let d = dir; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, 'node_modules'))) return false;
    if (path.dirname(d) === d) return true;
  }
}

const hostTest = needs(hostReason);
const armTest = needs(armReason);
let x64: Promise<{ built: Built; dir: string }> | undefined;
const x64Image = (): Promise<{ built: Built; dir: string }> => (x64 ??= buildImage('x64', 'node').then((built) => ({ built, dir: unpack(built.file, path.join(tmp, 'x64')) })));
const SERVER_KEY = 'ab'.repeat(32);

hostTest('the x64 node image: its files match the manifest; installed into a temporary root, the device program answers from the image', async (t) => {
  const { built, dir } = await x64Image();
  t.log(`x64 image: ${built.bytes} bytes (${(built.bytes / 1048576).toFixed(2)} MiB), ${built.manifest.bytes} unpacked; built in ${built.seconds.toFixed(1)} s; requires ${JSON.stringify(built.manifest.requires)}`);
  checkManifest(t, dir, built);
  t.is(built.manifest.model.model_id, 'elma-default');
  t.true(built.manifest.model.signed_by_image_build);

  const root = path.join(tmp, 'root-x64');
  t.true(noNodeModulesAbove(tmp), `${tmp} has no node_modules above it`);
  const inst = sh('sh', [path.join(dir, 'install.sh'), '--root', root, '--cloud', '127.0.0.1:9', '--server-key', SERVER_KEY]);
  t.is(inst.code, 0, inst.err);
  t.regex(inst.out, /provisioned: elma-default version 1 in slot A \(6 golden questions answered correctly/);
  t.regex(inst.out, /enrol it on the cloud: elma cloud devices add <name> --key [0-9a-f]{64}/);
  const conf = JSON.parse(readFileSync(path.join(root, 'etc/elma/edge.json'), 'utf8')) as Record<string, unknown>;
  t.like(conf, { cloud: '127.0.0.1:9', server_key: SERVER_KEY, release_key: built.manifest.model.release_key, console: false, depth_limit: 6 });
  t.is(path.resolve(root, 'etc/elma', conf.slots as string), path.join(root, 'var/lib/elma/slots'));
  t.true(existsSync(path.join(root, 'var/lib/elma/slots/state.json')) && existsSync(path.join(root, 'var/lib/elma/slots/A/weights.safetensors')));
  t.is(statSync(path.join(root, 'etc/elma/device.key')).mode & 0o777, 0o600);
  t.is(readlinkSync(path.join(root, 'etc/systemd/system/multi-user.target.wants/elma-edge.service')), '/etc/systemd/system/elma-edge.service');
  t.true(existsSync(path.join(root, 'etc/systemd/system/serial-getty@ttyS0.service.d/elma-console.conf')));
  t.is(sha256(path.join(root, 'usr/lib/elma/dist/native/libelma_native.so')), sha256(path.join(dir, 'root/usr/lib/elma/dist/native/libelma_native.so')));

  const elmaBin = path.join(root, 'usr/bin/elma');
  const helpOut = sh(elmaBin, ['--help']).out;
  t.regex(helpOut, /^ {2}edge /m);
  t.notRegex(helpOut, /^ {2}(cloud|train|build) /m, 'the device program has no cloud command');
  // The golden questions of the model in slot A, as JSON lines to `elma edge --jsonl`.
  const golden = (JSON.parse(readFileSync(path.join(dir, 'slot-a/manifest.json'), 'utf8')) as { golden: { context: string; question: string; answer: string }[] }).golden;
  t.true(golden.length >= 3);
  const run = sh(elmaBin, ['edge', '--config', path.join(root, 'etc/elma/edge.json'), '--jsonl'], { input: golden.map((g) => JSON.stringify({ context: g.context, question: g.question })).join('\n') + '\n' });
  t.is(run.code, 0, run.err);
  const answers = run.out.trim().split('\n').map((l) => JSON.parse(l) as { question: string; answer: string; source: string; layer: number });
  // As the health check compares them: SQuAD's normalize_answer (the official metric).
  t.deepEqual(answers.map((a) => normalizeAnswer(a.answer)).sort(), golden.map((g) => normalizeAnswer(g.answer)).sort());
  t.true(answers.some((a) => a.answer !== ''), 'answers, not only "no answer"');
  t.true(answers.every((a) => a.source === 'device' || a.source === 'device-low-confidence'), run.out);
  t.regex(run.err, /model elma-default version 1 from slot A backend=native /, 'the image\'s native library and koffi binary load from the installed tree');
  t.notRegex(run.err, /warning/);

  // An upgrade: the program is replaced, the configuration, the key and the slots are kept.
  const key = readFileSync(path.join(root, 'etc/elma/device.key'));
  const again = sh('sh', [path.join(dir, 'install.sh'), '--root', root]);
  t.is(again.code, 0, again.err);
  t.regex(again.out, /slots: .* already provisioned; kept/);
  t.regex(again.out, /config: .*edge\.json kept/);
  t.deepEqual(readFileSync(path.join(root, 'etc/elma/device.key')), key);
});

hostTest('install.sh refuses an altered image, a Node of another architecture and bad arguments, and writes nothing', async (t) => {
  const { dir } = await x64Image();
  const altered = path.join(tmp, 'altered');
  rmSync(altered, { recursive: true, force: true });
  cpSync(dir, altered, { recursive: true });
  const prog = path.join(altered, 'root/usr/lib/elma/dist/elma-edge.mjs');
  writeFileSync(prog, `${readFileSync(prog, 'utf8')}\n// one line more\n`);
  const root = path.join(tmp, 'root-altered');
  const r = sh('sh', [path.join(altered, 'install.sh'), '--root', root, '--cloud', '127.0.0.1:9', '--server-key', SERVER_KEY]);
  t.is(r.code, 1);
  t.regex(r.err, /install\.sh: the image's files do not match SHA256SUMS \(a damaged or altered download\): nothing was installed/);
  t.false(existsSync(root));

  // A Node of another architecture: a stand-in that says arm64 (install.sh asks node itself).
  const fake = path.join(tmp, 'fake-node');
  writeFileSync(fake, `#!/bin/sh\ncase "$2" in process.arch) echo arm64 ;; *) exec ${process.execPath} "$@" ;; esac\n`, { mode: 0o755 });
  const wrongArch = sh('sh', [path.join(dir, 'install.sh'), '--root', root, '--node', fake, '--cloud', '127.0.0.1:9', '--server-key', SERVER_KEY]);
  t.is(wrongArch.code, 1);
  t.regex(wrongArch.err, /this is the x64 image but .*fake-node is a arm64 Node\.js/);
  const badKey = sh('sh', [path.join(dir, 'install.sh'), '--root', root, '--cloud', '127.0.0.1:9', '--server-key', 'xyz']);
  t.regex(badKey.err, /--server-key must be 64 hex digits/);
  const noCloud = sh('sh', [path.join(dir, 'install.sh'), '--root', root, '--server-key', SERVER_KEY]);
  t.regex(noCloud.err, /first install: --cloud HOST:PORT is needed/);
  const badBudget = sh('sh', [path.join(dir, 'install.sh'), '--root', root, '--budget-ms', 'soon', '--cloud', '127.0.0.1:9', '--server-key', SERVER_KEY]);
  t.regex(badBudget.err, /--budget-ms must be a whole number of milliseconds, got 'soon'/);
  t.false(existsSync(root));
});

let arm64: Promise<{ built: Built; dir: string }> | undefined;
const arm64Image = (): Promise<{ built: Built; dir: string }> => (arm64 ??= buildImage('arm64', 'node').then((built) => ({ built, dir: unpack(built.file, path.join(tmp, 'arm64')) })));

armTest('the arm64 node image: cross-built, and the library it carries passes its own C tests under qemu-aarch64', async (t) => {
  t.is(cflagsOfToolchain(path.join(ROOT, imageTarget('arm64').toolchainFile!)), imageTarget('arm64').cflags, 'the toolchain file and targets.ts agree on -march');
  const { built, dir } = await arm64Image();
  t.log(`arm64 image: ${built.bytes} bytes (${(built.bytes / 1048576).toFixed(2)} MiB), ${built.manifest.bytes} unpacked; built in ${built.seconds.toFixed(1)} s; native needs ${built.manifest.native.glibc.join(' ')}; koffi ${built.manifest.koffi.glibc.join(' ')}`);
  checkManifest(t, dir, built);
  t.is(built.manifest.native.cflags, '-march=armv8-a');
  t.true(built.manifest.native.needed.includes('libopenblas.so.0'));
  const lib = path.join(built.native_build_dir, 'libelma_native.so');
  t.is(sha256(path.join(dir, 'root/usr/lib/elma/dist/native/libelma_native.so')), sha256(lib), 'the image carries the library the C tests run on');
  t.is(elfMachine(path.join(built.native_build_dir, 'test_native')), 183, 'test_native is an arm64 program');
  t.regex(readFileSync(path.join(built.native_build_dir, 'CTestTestfile.cmake'), 'utf8'), /add_test\(native_kernels "[^"]*qemu-aarch64" /, 'ctest runs it through qemu-aarch64 (the toolchain file\'s emulator)');
  const start = Date.now();
  const r = sh('ctest', ['--test-dir', built.native_build_dir, '--output-on-failure', '-V'], { env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } });
  t.log(`ctest under qemu-aarch64: ${((Date.now() - start) / 1000).toFixed(1)} s`);
  t.is(r.code, 0, r.out + r.err);
  t.regex(r.out, /blas=OpenBLAS [^\n]*armv8[^\n]* simd=neon/, 'the arm64 build ran: OpenBLAS for armv8, NEON kernels');
  t.regex(r.out, /\b1 passed, 0 failed\b/);
  // The int8 GEMM and layer tests (kernels/native/test/test_qgemm.c, test_int8_layer.c) run there too: qemu's default CPU has sdot.
  t.regex(r.out, /test_qgemm: all passed \(3 paths on this CPU, 3 emulated\)/);
  t.regex(r.out, /test_int8_layer: all passed/);
  // The bf16 GEMM's test (test_bgemm.c): the portable path and the emulated AVX-512 tile (no Arm bf16 path).
  t.regex(r.out, /test_bgemm: all passed \(1 paths on this CPU, 1 emulated\)/);
  t.regex(r.out, /100% tests passed, 0 tests failed out of 4/);
});

// The stretch check: the arm64 image's own device program, run by an arm64 Node under qemu-user.
// Debian 12's arm64 nodejs is 18, so the Node is Debian 13's, unpacked by build/image/arm64-node-root.sh
// into ELMA_ARM64_NODE_ROOT (default ~/.cache/elma/arm64-node; .ci/run makes it).
const NODE_ROOT = process.env.ELMA_ARM64_NODE_ROOT ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(process.env.HOME ?? '/root', '.cache'), 'elma', 'arm64-node');
const armNodeTest = needs(armReason ?? (existsSync(path.join(NODE_ROOT, 'usr/bin/node')) ? null
  : `an arm64 Node.js root at ${NODE_ROOT} (sh build/image/arm64-node-root.sh ${NODE_ROOT})`));

armNodeTest('the arm64 node image installs and its device program answers under qemu-aarch64 with an arm64 Node 20', async (t) => {
  const { built, dir } = await arm64Image();
  const node = path.join(tmp, 'node-arm64');
  writeFileSync(node, `#!/bin/sh\nexec qemu-aarch64 -L '${NODE_ROOT}' '${NODE_ROOT}/usr/bin/node' "$@"\n`, { mode: 0o755 });
  t.regex(sh(node, ['-p', 'process.arch + " " + process.version']).out, /^arm64 v2\d\./, 'an arm64 Node 20 or later');
  const root = path.join(tmp, 'root-arm64');
  const start = Date.now();
  // Emulated, a golden question takes seconds, not milliseconds: the health check's budget is raised.
  const inst = sh('sh', [path.join(dir, 'install.sh'), '--root', root, '--node', node, '--budget-ms', '120000', '--cloud', '127.0.0.1:9', '--server-key', SERVER_KEY]);
  t.is(inst.code, 0, inst.out + inst.err);
  t.regex(inst.out, /provisioned: elma-default version 1 in slot A \(6 golden questions answered correctly/);
  const installS = (Date.now() - start) / 1000;
  const golden = (JSON.parse(readFileSync(path.join(dir, 'slot-a/manifest.json'), 'utf8')) as { golden: { context: string; question: string; answer: string }[] }).golden
    .filter((g) => g.answer !== '').slice(0, 2);
  const run = sh(path.join(root, 'usr/bin/elma'), ['edge', '--config', path.join(root, 'etc/elma/edge.json'), '--jsonl'],
    { input: golden.map((g) => JSON.stringify({ context: g.context, question: g.question })).join('\n') + '\n' });
  t.log(`arm64 under qemu: install ${installS.toFixed(0)} s (slot A's health check included), two questions ${((Date.now() - start) / 1000 - installS).toFixed(0)} s; image ${built.bytes} bytes`);
  t.is(run.code, 0, run.err);
  t.regex(run.err, /model elma-default version 1 from slot A backend=native /, 'the arm64 native library and koffi binary loaded');
  const answers = run.out.trim().split('\n').map((l) => JSON.parse(l) as { answer: string; source: string });
  t.deepEqual(answers.map((a) => normalizeAnswer(a.answer)).sort(), golden.map((g) => normalizeAnswer(g.answer)).sort());
});

// ---- the qjs runtime: elma-qjs and its bundle instead of Node (issue 18) -------------------------

type Golden = { context: string; question: string; answer: string };
const goldenOf = (dir: string): Golden[] => (JSON.parse(readFileSync(path.join(dir, 'slot-a/manifest.json'), 'utf8')) as { golden: Golden[] }).golden;
const jsonlOf = (qs: readonly Golden[]): string => qs.map((g) => JSON.stringify({ context: g.context, question: g.question })).join('\n') + '\n';

/** What makes a program run on a stock TX2 (issue 18): no interpreter, no dynamic section, no GLIBC_x.y needs, stripped. */
function checkStatic(t: ExecutionContext, file: string): void {
  const readelf = findProgram('aarch64-linux-gnu-readelf') ?? 'readelf';
  t.regex(sh(readelf, ['-d', file]).out, /There is no dynamic section in this file/, 'readelf -d: no dynamic section, so no NEEDED');
  t.regex(sh(readelf, ['-V', file]).out, /No version information found in this file/, 'readelf -V: no GLIBC_x.y version needs');
  t.notRegex(sh(readelf, ['-l', file]).out, /program interpreter/, 'readelf -l: no program interpreter');
  if (findProgram('file') !== null) t.regex(sh('file', ['-b', file]).out, /statically linked.*stripped/);
  t.true(statSync(file).size < 5 * 1048576, `elma-qjs is ${statSync(file).size} bytes (issue 18's goal: 5 MB)`);
}

/** The arguments' date 60 days on: one fixed --expires for both builds of the reproducibility check. */
const EXPIRES = new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10);
const qjsHostTest = needs(hostReason ?? qjsBuildBlocker('x64'));
let x64Qjs: Promise<{ built: Built; dir: string }> | undefined;
const x64QjsImage = (): Promise<{ built: Built; dir: string }> => (x64Qjs ??= buildImage('x64', 'qjs', ['--expires', EXPIRES]).then((built) => ({ built, dir: unpack(built.file, path.join(tmp, 'x64-qjs')) })));

/** A child process's stderr, until a line matches (or it ends). */
function untilLine(child: ReturnType<typeof spawn>, re: RegExp, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no line matching ${re} in ${ms} ms: ${err}`)), ms);
    child.stderr!.on('data', (b: Buffer) => {
      err += b.toString('utf8');
      if (re.test(err)) { clearTimeout(timer); resolve(err); }
    });
    child.on('close', () => { clearTimeout(timer); reject(new Error(`exited before a line matching ${re}: ${err}`)); });
  });
}

qjsHostTest('the x64 qjs image: elma-qjs and its bundle, no Node; installed, it answers from the image, serves the console, refuses bad input; reproducible', async (t) => {
  const { built, dir } = await x64QjsImage();
  t.log(`x64 qjs image: ${built.bytes} bytes (${(built.bytes / 1048576).toFixed(2)} MiB), ${built.manifest.bytes} unpacked, elma-qjs ${statSync(path.join(dir, 'root/usr/lib/elma/bin/elma-qjs')).size} bytes; built in ${built.seconds.toFixed(1)} s`);
  checkManifest(t, dir, built);
  checkStatic(t, path.join(dir, 'root/usr/lib/elma/bin/elma-qjs'));
  t.like(built.manifest, { runtime: 'qjs', requires: { node: null, glibc: null, shared_libraries: [] }, host: { variant: 'elma-qjs-small', linking: 'static', cflags: '-march=x86-64-v2' } });
  t.regex(readFileSync(path.join(dir, 'image.env'), 'utf8'), /^ELMA_RUNTIME=qjs$/m);

  const root = path.join(tmp, 'root-x64-qjs');
  const install = (args: string[]): ReturnType<typeof sh> => sh('sh', [path.join(dir, 'install.sh'), '--root', root, ...args]);
  // Refused before anything is written: a Node for an image that has none, a host name a static program cannot resolve.
  const withNode = install(['--node', process.execPath, '--cloud', '127.0.0.1:9', '--server-key', SERVER_KEY]);
  t.is(withNode.code, 1);
  t.is(withNode.err, 'install.sh: --node: this image runs on its own elma-qjs and needs no Node.js\n');
  const named = install(['--cloud', 'cloud.example:7000', '--server-key', SERVER_KEY]);
  t.is(named.code, 1);
  t.is(named.err, 'install.sh: --cloud cloud.example:7000: elma-qjs resolves no host names (a static program); give the cloud\'s IPv4 address, [IPv6] address or localhost\n');
  t.false(existsSync(root));

  const inst = install(['--cloud', '127.0.0.1:9', '--server-key', SERVER_KEY]);
  t.is(inst.code, 0, inst.err);
  t.regex(inst.out, /provisioned: elma-default version 1 in slot A \(6 golden questions answered correctly/);
  t.regex(inst.out, /run by elma \(elma-qjs, QuickJS 2021-03-27, x64\)/);
  t.regex(inst.out, /enrol it on the cloud: elma cloud devices add <name> --key [0-9a-f]{64}/);
  t.is(statSync(path.join(root, 'etc/elma/device.key')).mode & 0o777, 0o600);
  t.is(readlinkSync(path.join(root, 'etc/systemd/system/multi-user.target.wants/elma-edge.service')), '/etc/systemd/system/elma-edge.service');
  t.deepEqual(readFileSync(path.join(root, 'etc/systemd/system/elma-edge.service')), readFileSync(path.join(ROOT, 'deploy/systemd/elma-edge.service')), 'the same unit as the node image');
  t.is(sha256(path.join(root, 'usr/lib/elma/bin/elma-qjs')), sha256(path.join(dir, 'root/usr/lib/elma/bin/elma-qjs')));

  const elmaBin = path.join(root, 'usr/bin/elma');
  const help = sh(elmaBin, ['--help']);
  t.is(help.code, 0);
  for (const c of ['elma edge --config', 'elma edge console --socket', 'elma slots init', 'elma link-keygen']) t.true(help.out.includes(c), `--help lists ${c}: ${help.out}`);
  const cases: [string[], RegExp][] = [
    [['edge', '--frobnicate'], /^elma-qjs: unknown option --frobnicate; usage: elma-qjs <elma-qjs-edge\.js> --config <edge\.json>/],
    [['ask', '--question', 'x'], /^elma-qjs: ask: not in the elma-qjs device program \(it runs edge, edge console, slots init, link-keygen\); use the console's ask/],
    [['slots', 'init', '--slots', path.join(tmp, 's')], /^elma-qjs: --from is required; usage: elma slots init/],
  ];
  for (const [args, re] of cases) {
    const r = sh(elmaBin, args);
    t.is(r.code, 2, args.join(' '));
    t.is(r.out, '', args.join(' '));
    t.is(r.err.split('\n').length, 2, `one line: ${r.err}`);
    t.regex(r.err, re);
  }

  // The golden questions of the model in slot A, as JSON lines to the installed `elma edge --jsonl`.
  const golden = goldenOf(dir);
  const config = path.join(root, 'etc/elma/edge.json');
  const run = sh(elmaBin, ['edge', '--config', config, '--jsonl'], { input: jsonlOf(golden) });
  t.is(run.code, 0, run.err);
  const answers = run.out.trim().split('\n').map((l) => JSON.parse(l) as { answer: string; source: string });
  t.deepEqual(answers.map((a) => normalizeAnswer(a.answer)).sort(), golden.map((g) => normalizeAnswer(g.answer)).sort());
  t.true(answers.some((a) => a.answer !== '') && answers.every((a) => a.source.startsWith('device')), run.out);
  t.regex(run.err, /model elma-default version 1 from slot A backend=qjs-native /, 'elma-qjs\'s own kernels');

  // The service as systemd runs it (no console on stdin), and the console the serial getty attaches through its socket.
  const dev = spawn(elmaBin, ['edge', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => { dev.kill('SIGKILL'); });
  await untilLine(dev, /listening on \S*edge\.sock/, 30_000);
  const g = golden.find((q) => q.answer !== '')!;
  const con = sh(elmaBin, ['edge', 'console', '--socket', path.join(root, 'run/elma/edge.sock')], { input: `slots\ncontext ${g.context}\nask ${g.question}\nquit\n` });
  t.is(con.code, 0, con.err);
  t.regex(con.out, /^slot A: elma-default version 1, good, active$/m);
  t.true(con.out.split('\n').some((l) => l.startsWith(`answer: "${g.answer}"`)), con.out);
  const exited = new Promise<number | null>((r) => dev.on('close', (code) => r(code)));
  dev.kill('SIGTERM');
  t.is(await exited, 0, 'SIGTERM stops the device cleanly');
  const gone = sh(elmaBin, ['edge', 'console', '--socket', path.join(root, 'run/elma/none.sock')]);
  t.is(gone.err, `elma-qjs: ${path.join(root, 'run/elma/none.sock')}: no device program listens there (is elma edge running?)\n`);

  // An upgrade keeps the configuration, the key and the slots.
  const key = readFileSync(path.join(root, 'etc/elma/device.key'));
  const again = install([]);
  t.is(again.code, 0, again.err);
  t.regex(again.out, /slots: .* already provisioned; kept/);
  t.regex(again.out, /config: .*edge\.json kept/);
  t.deepEqual(readFileSync(path.join(root, 'etc/elma/device.key')), key);

  // Reproducible: the same inputs (the tree, --expires, the archive's time) give the same bytes.
  const epoch = String(Math.round(statSync(path.join(dir, 'install.sh')).mtimeMs / 1000));
  const second = path.join(tmp, 'elma-x64-qjs-again.tar.gz');
  const b2 = elmaChild(['build', 'image', '--arch', 'x64', '--runtime', 'qjs', '--out', second, '--release-key', path.join(tmp, 'release.key'), '--expires', EXPIRES], { SOURCE_DATE_EPOCH: epoch });
  t.is(b2.code, 0, b2.stderr);
  const m2 = JSON.parse(sh('tar', ['-xzOf', second, `${built.manifest.name as string}/manifest.json`]).out) as { source: unknown; files: Record<string, { sha256: string }> };
  const source2 = m2.source;
  if (JSON.stringify(source2) === JSON.stringify(built.manifest.source)) {
    const differ = Object.keys(m2.files).filter((f) => m2.files[f]!.sha256 !== (JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as typeof m2).files[f]?.sha256);
    t.is(sha256(second), sha256(built.file), `a second build of the same tree is byte for byte the same image (files that differ: ${differ.join(', ') || 'none'})`);
  } else {
    // Another commit landed between the two builds (a shared working tree): the inputs differ.
    t.log(`the repository moved between the builds (${JSON.stringify(built.manifest.source)} → ${JSON.stringify(source2)}): the archives are not compared`);
  }
});

const qjsArmTest = needs(armReason ?? qjsBuildBlocker('arm64'));

qjsArmTest('the arm64 image runs on elma-qjs by default: cross-built, static (no GLIBC needs: a stock TX2), and it answers under qemu-aarch64', async (t) => {
  const built = await buildImage('arm64', undefined);
  const dir = unpack(built.file, path.join(tmp, 'arm64-qjs'));
  const bin = path.join(dir, 'root/usr/lib/elma/bin/elma-qjs');
  t.log(`arm64 qjs image: ${built.bytes} bytes (${(built.bytes / 1048576).toFixed(2)} MiB), ${built.manifest.bytes} unpacked, elma-qjs ${statSync(bin).size} bytes; built in ${built.seconds.toFixed(1)} s`);
  t.is(built.runtime, 'qjs', 'qjs is arm64\'s default');
  checkManifest(t, dir, built);
  checkStatic(t, bin);
  t.like(built.manifest, { requires: { node: null, glibc: null, shared_libraries: [] }, host: { linking: 'static', cflags: '-march=armv8-a' } });
  // The ABI note: the oldest kernel the static glibc supports; the TX2's L4T runs 4.9.
  const kernel = /^Linux >= (\d+)\.(\d+)/.exec(built.manifest.host.kernel as string);
  t.truthy(kernel);
  t.true(Number(kernel![1]) * 100 + Number(kernel![2]) <= 409, built.manifest.host.kernel);

  // This x86-64 machine cannot run it, and install.sh says so before writing anything.
  const root = path.join(tmp, 'root-arm64-qjs');
  const inst = sh('sh', [path.join(dir, 'install.sh'), '--root', root, '--cloud', '127.0.0.1:9', '--server-key', SERVER_KEY]);
  t.is(inst.code, 1);
  t.is(inst.err, `install.sh: this is the arm64 image but its elma-qjs does not run on this x86_64 machine: use the image of this machine's architecture, or run install.sh on the device\n`);
  t.false(existsSync(root));

  // Under qemu-aarch64: the image's binary and bundle make a link key and answer a question as the
  // device program, from slot A provisioned here with the image's model (provisioning with elma-qjs,
  // six golden questions, is install.sh's part: the x64 test runs it; emulated it costs ~25 s).
  const qjs = (args: string[], input = ''): ReturnType<typeof sh> => sh('qemu-aarch64', [bin, path.join(dir, 'root/usr/lib/elma/dist/elma-qjs-edge.js'), ...args], { input });
  t.is(qjs(['--version']).out, 'elma (elma-qjs, QuickJS 2021-03-27, arm64)\n');
  const state = path.join(tmp, 'arm64-qjs-state');
  rmSync(state, { recursive: true, force: true });
  mkdirSync(state);
  const start = Date.now();
  provisionSlots({
    slots: path.join(state, 'slots'), from: path.join(dir, 'slot-a'), budgetMs: 10_000, now: () => new Date(),
    policy: { trustedKeys: [Buffer.from(built.manifest.model.release_key as string, 'hex')], now: Date.now(), device: { arch: 'arm64', backends: ['native', 'js'] } },
  });
  const key = qjs(['link-keygen', '--out', path.join(state, 'device.key')]);
  t.regex(key.out, /^[0-9a-f]{64}\n$/);
  writeFileSync(path.join(state, 'edge.json'), JSON.stringify({
    cloud: '127.0.0.1:9', server_key: SERVER_KEY, device_key: 'device.key', slots: 'slots', release_key: built.manifest.model.release_key,
    backend: 'auto', depth_limit: built.manifest.model.depth_limit, threshold_scale: 1, offload_form: 'text', outbox: 'outbox', update_interval_s: 0, console: false, socket: null,
  }));
  const question = goldenOf(dir).find((g) => g.answer !== '')!;
  const run = qjs(['edge', '--config', path.join(state, 'edge.json'), '--jsonl'], jsonlOf([question]));
  t.log(`under qemu-aarch64: link-keygen and one question ${((Date.now() - start) / 1000).toFixed(0)} s`);
  t.is(run.code, 0, run.err);
  t.regex(run.err, /model elma-default version 1 from slot A backend=qjs-native /);
  t.is(normalizeAnswer((JSON.parse(run.out) as { answer: string }).answer), normalizeAnswer(question.answer));
  if (arm64 !== undefined) {
    const node = (await arm64).built;
    t.log(`arm64 images: node ${node.bytes} bytes (${node.manifest.bytes} unpacked), qjs ${built.bytes} bytes (${built.manifest.bytes} unpacked)`);
  }
});

// ---- bad input: one line each, and nothing at --out ---------------------------------------------

const SENTINEL = 'an earlier image\n';
function outFile(name: string): string {
  const f = path.join(tmp, name);
  writeFileSync(f, SENTINEL);
  return f;
}
function oneLine(t: ExecutionContext, r: { code: number; stderr: string; stdout?: string }, re: RegExp): void {
  t.is(r.code, 1, r.stderr);
  t.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  t.regex(r.stderr.trim(), re);
}

test('build image: an unknown architecture or runtime is one clear line', async (t) => {
  const out = outFile('unknown-arch.tar.gz');
  oneLine(t, await elma(['build', 'image', '--arch', 'riscv64', '--out', out]), /^elma build: --arch: unknown architecture "riscv64"; an image is built for arm64 or x64/);
  oneLine(t, await elma(['build', 'image', '--arch', 'arm64', '--runtime', 'deno', '--out', out]), /^elma build: --runtime: unknown runtime "deno"; an image runs the device program on qjs or node \(default qjs for arm64, node for x64\)$/);
  t.is(readFileSync(out, 'utf8'), SENTINEL);
});

/** The CLI as a child process (the environment variable must not reach the other tests of this process). */
function elmaChild(args: string[], env: NodeJS.ProcessEnv): { code: number; stderr: string } {
  const r = sh(process.execPath, ['--import', 'tsx', path.join(ROOT, 'cli/elma.ts'), ...args], { env: { ...process.env, ...env }, cwd: ROOT });
  return { code: r.code, stderr: r.err };
}

needs(hostReason)('build image: a missing cross compiler is one clear line (ELMA_CROSS_CC names one that is not there)', async (t) => {
  const out = outFile('no-cross.tar.gz');
  const key = path.join(tmp, 'bad-input.key');
  if (!existsSync(key)) t0(await elma(['keygen', '--out', key]));
  oneLine(t, elmaChild(['build', 'image', '--arch', 'arm64', '--out', out, '--release-key', key], { ELMA_CROSS_CC: 'aarch64-nowhere-gcc' }),
    /^elma build: --arch arm64: the cross compiler aarch64-nowhere-gcc was not found on PATH \(apt-get install gcc-aarch64-linux-gnu, and libopenblas-dev:arm64 after dpkg --add-architecture arm64; ELMA_CROSS_CC names another compiler\)$/);
  t.is(readFileSync(out, 'utf8'), SENTINEL);
  // A compiler that is there but does not work fails in the build, after the model and the
  // program were staged: still nothing at --out, and the staging folder is gone.
  // (The node runtime's library: a broken compiler in the qjs build directory would cost its next build a full rebuild.)
  const broken = elmaChild(['build', 'image', '--arch', 'arm64', '--runtime', 'node', '--out', out, '--release-key', key], { ELMA_CROSS_CC: '/bin/false' });
  t.is(broken.code, 1);
  t.regex(broken.stderr, /^elma build: the arm64 native library: cmake -S .* failed/);
  t.is(readFileSync(out, 'utf8'), SENTINEL);
});

test('build image: a model that does not verify, or the unsigned default model without a key, is one clear line', async (t) => {
  const key = path.join(tmp, 'bad-input.key');
  if (!existsSync(key)) t0(await elma(['keygen', '--out', key]));
  const pub = (await elma(['keygen', '--out', path.join(tmp, 'other.key')])).stdout.trim();
  // A signed copy of the default model, then one byte of its weights changed.
  const model = path.join(tmp, 'model');
  rmSync(model, { recursive: true, force: true });
  cpSync(path.join(ROOT, 'models/default'), model, { recursive: true });
  t0(await elma(['bundle', 'pack', model, '--key', key, '--version', '3']));
  const w = path.join(model, 'weights.safetensors');
  const bytes = readFileSync(w);
  bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 1, bytes.length - 1);
  writeFileSync(w, bytes);
  const out = outFile('bad-model.tar.gz');
  const x = ['build', 'image', '--arch', 'x64', '--out', out];
  oneLine(t, await elma([...x, '--model', model, '--release-key', key]), /^elma build: --model .*model: does not verify: refused \(file-hash\): .*weights\.safetensors/);
  copyFileSync(path.join(ROOT, 'models/default/weights.safetensors'), w);
  oneLine(t, await elma([...x, '--model', model, '--release-pubkey', pub]), /^elma build: --model .*model: does not verify: refused \(unknown-key\)/);
  oneLine(t, await elma([...x, '--model', model]), /^elma build: --model .*model: needs --release-pubkey <key> \(or --release-key\)/);
  oneLine(t, await elma([...x, '--model', path.join(tmp, 'no-such-model'), '--release-pubkey', pub]), /^elma build: --model .*no-such-model: no such bundle directory or archive$/);
  oneLine(t, await elma(x), /^elma build: models\/default: is not a signed bundle: pass --release-key <secret key file>/);
  t.is(readFileSync(out, 'utf8'), SENTINEL);
  // And --out must be a .tar.gz in a directory that exists.
  oneLine(t, await elma(['build', 'image', '--arch', 'x64', '--out', path.join(tmp, 'image.zip'), '--release-key', key]), /--out .*image\.zip: must name a \.tar\.gz/);
  oneLine(t, await elma(['build', 'image', '--arch', 'x64', '--out', path.join(tmp, 'nope', 'i.tar.gz'), '--release-key', key]), /its directory .*nope does not exist/);
});
