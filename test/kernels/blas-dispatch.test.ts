/**
 * The CPU dispatch of OpenBLAS's kernels (issue 19; kernels/native/blas-coretype.ts,
 * blas-dispatch.ts; docs/backends.md "CPU dispatch"): the feature → kernel-set rules on feature
 * sets of CPUs this machine is not, and the dispatch end to end in child processes, where the
 * library reports the kernel set OpenBLAS actually loaded (openblas_get_corename through
 * elma_blas_core).
 *
 * The unknown CPU: OpenBLAS 0.3.21 detects by vendor, family and model, and a model it does not
 * know falls through to its generic "Prescott" kernels. qemu-x86_64 (user mode) runs the very
 * same Node, koffi and libraries while answering CPUID as a CPU of our choosing: GenuineIntel
 * family 6 model 207, issue 19's Xeon's model number. The limits of that simulation: QEMU's code
 * generator has no AVX-512, so the emulated CPU has AVX2 and FMA but not the issue's AVX-512,
 * VNNI and BF16 (the rule for those is tested as a pure function below); the emulated CPU's
 * speed says nothing about a real one (no timings here: bench:dispatch measures); and user-mode
 * QEMU emulates CPUID and XGETBV, not a kernel, so the OS-enabled state is what QEMU reports.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openblasCoretypeFor, parseFeatureList } from '../../kernels/native/blas-coretype.ts';
import { loadCpuLibrary } from '../../kernels/native/cpu-library.ts';
import { findLibrary } from '../../kernels/native/library.ts';
import { buildNative, nativeToolchain } from '../../build/image/native-build.ts';
import { imageTarget } from '../../build/image/targets.ts';
import { testWithNative } from '../_native.ts';
import { testUnless, type TestRegistrar } from '../_skip.ts';

const f = (list: string): ReadonlySet<string> => parseFeatureList(list);

// Feature sets as elma_cpu_features() reports them.
const AMD_ZEN3 = f('sse sse2 sse3 ssse3 sse4_1 sse4_2 popcnt pclmulqdq aes avx fma f16c bmi1 bmi2 avx2');
const INTEL_207 = f('sse sse2 sse3 ssse3 sse4_1 sse4_2 popcnt pclmulqdq aes avx fma f16c bmi1 bmi2 avx2 avx512f avx512dq avx512ifma avx512cd avx512bw avx512vl avx512vbmi avx512_vbmi2 avx512_vnni avx512_bitalg avx512_vpopcntdq avx512_fp16 amx_tile amx_bf16 amx_int8 avx_vnni avx512_bf16');
const SANDY_BRIDGE = f('sse sse2 sse3 ssse3 sse4_1 sse4_2 popcnt pclmulqdq aes avx');
const SSE2_ONLY = f('sse sse2');
const ARM_DOTPROD = f('fp asimd crc32 atomics fphp asimdhp asimdrdm lrcpc asimddp'); // Neoverse N1, Cortex-A78 (Orin)
const ARM_V80 = f('fp asimd crc32'); // Cortex-A57 (TX2, Nano)

test('this AMD Zen 3 (AVX2, FMA): Haswell kernels', (t) => {
  t.deepEqual(openblasCoretypeFor('x64', AMD_ZEN3), { coretype: 'Haswell', because: 'avx2+fma+avx' });
});

test('issue 19\'s Xeon (family 6 model 207: AVX-512 with VNNI and BF16): SkylakeX, the AVX-512 kernels', (t) => {
  t.is(openblasCoretypeFor('x64', INTEL_207)?.coretype, 'SkylakeX');
});

test('AVX-512 without all of F, CD, BW, DQ and VL (e.g. Knights Landing: F and CD only) is not SkylakeX', (t) => {
  const knl = f('sse sse2 sse3 ssse3 sse4_1 sse4_2 popcnt avx fma avx2 avx512f avx512cd');
  t.is(openblasCoretypeFor('x64', knl)?.coretype, 'Haswell');
});

test('AVX without AVX2: Sandybridge; AVX2 without FMA: still Sandybridge', (t) => {
  t.is(openblasCoretypeFor('x64', SANDY_BRIDGE)?.coretype, 'Sandybridge');
  t.is(openblasCoretypeFor('x64', f('sse sse2 sse3 ssse3 sse4_1 sse4_2 popcnt avx avx2'))?.coretype, 'Sandybridge');
});

test('SSE4.2 without AVX (or AVX not enabled by the OS, so not reported): Nehalem; SSE3 alone: Prescott', (t) => {
  t.is(openblasCoretypeFor('x64', f('sse sse2 sse3 ssse3 sse4_1 sse4_2 popcnt'))?.coretype, 'Nehalem');
  t.is(openblasCoretypeFor('x64', f('sse sse2 sse3'))?.coretype, 'Prescott');
});

test('a plain SSE2 x86-64: no rule, the BLAS chooses for itself', (t) => {
  t.is(openblasCoretypeFor('x64', SSE2_ONLY), null);
});

test('arm64 with dot product (ARMv8.2: Neoverse N1, Cortex-A78): neoversen1; without (ARMv8.0): cortexa57', (t) => {
  t.deepEqual(openblasCoretypeFor('arm64', ARM_DOTPROD), { coretype: 'neoversen1', because: 'asimd+asimddp+atomics+asimdrdm' });
  t.is(openblasCoretypeFor('arm64', ARM_V80)?.coretype, 'cortexa57');
  // A64FX: SVE and ARMv8.2 but no dot product: the ARMv8.0 set, never one compiled for 8.4.
  t.is(openblasCoretypeFor('arm64', f('fp asimd crc32 atomics fphp asimdhp asimdrdm sve'))?.coretype, 'cortexa57');
});

test('other architectures and x86 features on arm64 (or the reverse) match nothing', (t) => {
  t.is(openblasCoretypeFor('ia32', AMD_ZEN3), null);
  t.is(openblasCoretypeFor('riscv64', ARM_DOTPROD), null);
  t.is(openblasCoretypeFor('arm64', AMD_ZEN3), null);
  t.is(openblasCoretypeFor('x64', ARM_DOTPROD), null);
});

test('parseFeatureList splits on any whitespace and drops empty names', (t) => {
  t.deepEqual([...parseFeatureList('  sse  sse2\tavx \n')], ['sse', 'sse2', 'avx']);
  t.is(parseFeatureList('').size, 0);
});

// --- libelma_cpu on this machine ---------------------------------------------------------------

const cpuMissing = ((): string | null => { const c = loadCpuLibrary(); return typeof c === 'string' ? c : null; })();
const withCpu = testUnless(cpuMissing);

withCpu('libelma_cpu reads this CPU\'s features from the instruction set (CPUID / HWCAP)', (t) => {
  const c = loadCpuLibrary();
  if (typeof c === 'string') return t.fail(c);
  const features = parseFeatureList(c.features());
  if (process.arch === 'x64') {
    t.true(features.has('sse2'), 'every x86-64 has SSE2');
    // /proc/cpuinfo's flags are the kernel's reading of the same CPUID bits (and of XCR0 for AVX).
    if (process.platform === 'linux') {
      const flags = new Set(/^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]!.trim().split(/\s+/));
      for (const name of ['avx', 'avx2', 'fma', 'avx512f', 'avx512bw', 'avx512vl', 'avx512_vnni', 'avx512_bf16']) {
        t.is(features.has(name), flags.has(name), `${name}: CPUID says ${features.has(name)}, /proc/cpuinfo ${flags.has(name)}`);
      }
    }
    t.regex(c.description(), /^(GenuineIntel|AuthenticAMD|\w+) family \d+ model \d+$/);
  } else if (process.arch === 'arm64') {
    t.true(features.has('asimd'));
  }
});

withCpu('the C environment functions refuse bad arguments and round-trip a value', (t) => {
  const c = loadCpuLibrary();
  if (typeof c === 'string') return t.fail(c);
  t.is(c.envSet('', 'x', true), -1);
  t.is(c.envUnset(''), -1);
  t.is(c.envSet('ELMA_TEST_DISPATCH_VAR', 'abc', true), 0);
  t.is(c.envGet('ELMA_TEST_DISPATCH_VAR'), 'abc');
  t.is(c.envSet('ELMA_TEST_DISPATCH_VAR', 'def', false), 0, 'overwrite = 0 leaves the value');
  t.is(c.envGet('ELMA_TEST_DISPATCH_VAR'), 'abc');
  t.is(c.envUnset('ELMA_TEST_DISPATCH_VAR'), 0);
  t.is(c.envGet('ELMA_TEST_DISPATCH_VAR'), null);
});

// --- end to end, in child processes ------------------------------------------------------------

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PROBE = path.join(ROOT, 'test/kernels/_blas-dispatch-probe.ts');

interface ProbeResult {
  dispatch: { source: string; coretype: string | null; choice: { coretype: string } | null; features: string[] } | null;
  blasCore: string;
  info: string;
  linearNmse: number;
  coretypeAfterLoad: string | null;
  thread: string;
}

/** The probe in a child; env: a string sets, null removes. `prefix`: a program to run Node under (qemu). */
function runProbe(env: Record<string, string | null>, args: string[] = [], prefix: string[] = []): ProbeResult {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['OPENBLAS_CORETYPE', 'ELMA_BLAS_DISPATCH', 'OPENBLAS_VERBOSE']) delete childEnv[k];
  for (const [k, v] of Object.entries(env)) { if (v === null) delete childEnv[k]; else childEnv[k] = v; }
  const cmd = [...prefix, process.execPath, '--import', 'tsx', PROBE, ...args];
  const r = spawnSync(cmd[0]!, cmd.slice(1), { cwd: ROOT, env: childEnv, encoding: 'utf8', timeout: 240_000 });
  if (r.status !== 0) throw new Error(`probe failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ProbeResult;
}

const same = (a: string | null | undefined, b: string | null | undefined): boolean => (a ?? '').toLowerCase() === (b ?? '').toLowerCase();
const native = testWithNative('elma_native');
const hereChoice = ((): string | null => {
  const c = loadCpuLibrary();
  return typeof c === 'string' ? null : openblasCoretypeFor(process.arch, parseFeatureList(c.features()))?.coretype ?? null;
})();
/** Why the dispatch has nothing to act on here (a native library built on another CBLAS), or null. */
const openblas = ((): string | null => {
  const lib = findLibrary('elma_native', 'ELMA_NATIVE_LIB');
  if (lib === null) return null; // testWithNative skips (or fails under ELMA_REQUIRE_NATIVE) on its own
  return /libopenblas/.test(spawnSync('ldd', [lib], { encoding: 'utf8' }).stdout ?? '') ? null : `${lib} is not linked to OpenBLAS`;
})();

/** Tests of the dispatch's own choice need OpenBLAS and a rule for this CPU; the others only OpenBLAS. */
const withOpenblas = openblas === null ? native : testUnless(openblas);
const withChoice = openblas === null && hereChoice !== null ? native : testUnless(openblas ?? 'no kernel set\'s rule matches this CPU: nothing for the dispatch to choose');

withChoice('out of the box, OpenBLAS runs the kernel set chosen from the CPU\'s features, and OPENBLAS_CORETYPE is not left behind', (t) => {
  const r = runProbe({});
  t.is(r.dispatch?.source, 'elma');
  t.true(same(r.blasCore, hereChoice), `OpenBLAS runs ${r.blasCore}, the features say ${hereChoice}`);
  t.false(same(r.blasCore, 'Prescott'));
  t.regex(r.info, new RegExp(`blas_core=${r.blasCore} .*blas_dispatch=elma:${hereChoice}`));
  t.is(r.coretypeAfterLoad, null, 'OPENBLAS_CORETYPE was set only while OpenBLAS loaded');
  t.true(r.linearNmse < 1e-10, `linear NMSE ${r.linearNmse}`);
});

withChoice('in a worker thread (where process.env is a copy C never sees) the dispatch still reaches OpenBLAS', (t) => {
  const r = runProbe({}, ['worker']);
  t.is(r.thread, 'worker');
  t.is(r.dispatch?.source, 'elma');
  t.true(same(r.blasCore, hereChoice), `OpenBLAS runs ${r.blasCore}, the features say ${hereChoice}`);
});

withOpenblas('a user\'s OPENBLAS_CORETYPE wins over the dispatch', (t) => {
  const generic = process.arch === 'arm64' ? 'armv8' : 'Prescott';
  const r = runProbe({ OPENBLAS_CORETYPE: generic });
  t.is(r.dispatch?.source, 'user');
  t.true(same(r.blasCore, generic), `OpenBLAS runs ${r.blasCore}`);
  t.is(r.coretypeAfterLoad, generic, 'the user\'s variable is left as it was');
  t.true(r.linearNmse < 1e-10);
});

withOpenblas('ELMA_BLAS_DISPATCH=0 leaves the choice to OpenBLAS', (t) => {
  const r = runProbe({ ELMA_BLAS_DISPATCH: '0' });
  t.is(r.dispatch?.source, 'off');
  t.not(r.blasCore, '');
  t.regex(r.info, /blas_dispatch=off$/);
});

// The unknown CPU, under qemu-x86_64 (x64 hosts only; .ci/run installs qemu-user, so under CI a
// missing qemu-x86_64 is a failure).
const QEMU_CPU = 'max,vendor=GenuineIntel,family=6,model=207';
const qemu = spawnSync('qemu-x86_64', ['--version'], { encoding: 'utf8' }).status === 0;
function qemuRegistrar(): TestRegistrar {
  if (process.platform !== 'linux' || process.arch !== 'x64') return testUnless('qemu-x86_64 emulates an x64 CPU on x64 Linux only');
  if (openblas !== null) return testUnless(openblas);
  if (qemu) return native;
  if (process.env.CI !== undefined) return (title) => { test(title, (t) => { t.fail('CI must have qemu-x86_64 (.ci/run installs qemu-user)'); }); };
  return testUnless('missing qemu-x86_64 (apt-get install qemu-user)');
}
const qemuTest = qemuRegistrar();

/**
 * The library the emulated CPU runs: libelma_native built as the x64 image builds it
 * (-march=x86-64-v2, build/image/native-build.ts), not the host's: that one is built with
 * -march=native, and on a host with AVX-512 (a Zen 4 or 5, a recent Xeon) it holds instructions
 * qemu-x86_64 7.2 does not emulate (SIGILL). About 12 s on 2 cores.
 */
function portableLibrary(): string {
  const t = imageTarget('x64');
  return buildNative(t, nativeToolchain(t), { root: ROOT, buildDir: path.join(ROOT, 'out', 'test-blas-dispatch-x64'), say: () => {} }).library;
}

qemuTest(`on a CPU OpenBLAS does not know (qemu -cpu ${QEMU_CPU}): generic kernels by itself, Haswell with the dispatch, and the same numbers`, (t) => {
  const prefix = ['qemu-x86_64', '-cpu', QEMU_CPU];
  const lib = portableLibrary();
  const alone = runProbe({ ELMA_BLAS_DISPATCH: '0', ELMA_NATIVE_LIB: lib }, [], prefix);
  t.is(alone.blasCore, 'Prescott', 'the simulation is real: OpenBLAS\'s own detection falls back to its generic kernels');
  t.true(alone.dispatch!.features.includes('avx2') && alone.dispatch!.features.includes('fma'), 'the emulated CPU has AVX2 and FMA');
  const dispatched = runProbe({ ELMA_NATIVE_LIB: lib }, [], prefix);
  t.is(dispatched.dispatch?.source, 'elma');
  t.is(dispatched.blasCore, 'Haswell', 'chosen from CPUID\'s features, not the model number');
  t.true(dispatched.linearNmse < 1e-10, `linear NMSE ${dispatched.linearNmse} on the emulated CPU's Haswell kernels`);
  t.true(alone.linearNmse < 1e-10);
});
