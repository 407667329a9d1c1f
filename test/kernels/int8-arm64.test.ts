/**
 * The int8 GEMM's arm64 paths (kernels/native/src/qgemm_arm.c) against the portable reference,
 * under qemu-aarch64 (Debian qemu-user): the C test test_qgemm cross-built alone (CMake with
 * build/cmake/aarch64-linux-gnu.cmake, target test_qgemm: the int8 sources, no BLAS needed) and
 * run on two emulated CPUs:
 *   -cpu cortex-a57  ARMv8.0 without the dot-product extension (the Jetson TX2's cores): the plain
 *                    NEON path runs (smull/smlal + sadalp), neon-dot is reported unsupported
 *   -cpu max         with FEAT_DotProd: the sdot path runs, and the plain NEON path too
 * Each run checks every path it can against the reference bit for bit (and the emulated VNNI/sdot
 * tiles). With the arm64 OpenBLAS there too, test_int8_layer (the int8 layer handle through the
 * library) runs the same way on both CPUs. Without the cross compiler or qemu: a loud skip; under CI (.ci/run installs them) a failure.
 */
import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { scratch } from '../_cli.ts';
import { testUnless } from '../_skip.ts';
import { findProgram } from '../../build/image/host-tools.ts';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const tmp = scratch('elma-int8-arm64-');
test.after.always(() => rmSync(tmp, { recursive: true, force: true }));

const lacking = [
  [findProgram('cmake') !== null, 'cmake (apt-get install cmake)'],
  [findProgram('aarch64-linux-gnu-gcc') !== null, 'the cross compiler (apt-get install gcc-aarch64-linux-gnu)'],
  [findProgram('qemu-aarch64') !== null, 'qemu-user (apt-get install qemu-user)'],
].filter(([ok]) => !ok).map(([, what]) => what);
const platform = process.platform === 'linux' && process.arch === 'x64' ? null : `cross-built on an x64 Linux machine; this is ${process.platform}-${process.arch}`;

function needs(): (title: string, impl: (t: ExecutionContext) => unknown) => void {
  if (platform !== null) return testUnless(platform);
  if (lacking.length > 0 && process.env.CI !== undefined) return (title) => test(title, (t) => { t.fail(`CI must have ${lacking.join('; ')} (.ci/run installs it)`); });
  return testUnless(lacking.length > 0 ? `missing ${lacking.join('; ')}` : null);
}

function sh(cmd: string, args: readonly string[]): { code: number; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: ROOT, timeout: 300_000 });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

needs()('int8 GEMM on arm64 under qemu-aarch64: plain NEON (cortex-a57) and sdot (max) equal the reference bit for bit', (t) => {
  const build = path.join(tmp, 'build');
  const cfg = sh('cmake', ['-S', ROOT, '-B', build, `-DCMAKE_TOOLCHAIN_FILE=${path.join(ROOT, 'build/cmake/aarch64-linux-gnu.cmake')}`,
    '-DELMA_NATIVE_ARCH=OFF', '-DELMA_QJS=OFF', '-DELMA_CUDA=OFF', '-DELMA_TENSORRT=OFF', '-DCMAKE_BUILD_TYPE=Release']);
  t.is(cfg.code, 0, cfg.out);
  // test_int8_layer (the int8 layer handle through the library) needs the arm64 OpenBLAS too.
  const withLibrary = cfg.out.includes('ELMA: BLAS =');
  const made = sh('cmake', ['--build', build, '--target', 'test_qgemm', ...(withLibrary ? ['test_int8_layer'] : []), '-j', '2']);
  t.is(made.code, 0, made.out);
  const exe = path.join(build, 'test_qgemm');
  const file = sh('file', [exe]);
  if (file.code === 0) t.regex(file.out, /ARM aarch64/, 'an arm64 program');

  const a57 = sh('qemu-aarch64', ['-cpu', 'cortex-a57', exe]);
  t.log(a57.out.trim().split('\n').filter((l) => /^(ok|skip|default|test_qgemm|   )/.test(l)).join('\n'));
  t.is(a57.code, 0, a57.out);
  t.regex(a57.out, /^skip neon-dot: not supported by this CPU$/m);
  t.regex(a57.out, /^ok neon: integer results equal the reference/m);
  t.regex(a57.out, /^ok portable: integer results equal the reference/m);
  t.regex(a57.out, /^ok neon-dot \(emulated\): integer results equal the reference/m);
  t.regex(a57.out, /^default path: neon$/m);
  t.notRegex(a57.out, /FAIL/);

  const max = sh('qemu-aarch64', ['-cpu', 'max', exe]);
  t.log(max.out.trim().split('\n').filter((l) => /^(ok|skip|default|test_qgemm|   )/.test(l)).join('\n'));
  t.is(max.code, 0, max.out);
  t.regex(max.out, /^ok neon-dot: integer results equal the reference/m);
  t.regex(max.out, /^ok neon: integer results equal the reference/m);
  t.regex(max.out, /^default path: neon-dot$/m);
  t.notRegex(max.out, /FAIL|^skip neon/m);

  if (!withLibrary) { t.log('test_int8_layer not built: no arm64 OpenBLAS (dpkg --add-architecture arm64 && apt-get install libopenblas-dev:arm64)'); return; }
  for (const [cpu, paths] of [['cortex-a57', 'neon portable'], ['max', 'neon-dot neon portable']] as const) {
    const r = sh('qemu-aarch64', ['-cpu', cpu, path.join(build, 'test_int8_layer')]);
    t.log(`${cpu}: ${r.out.trim().split('\n').filter((l) => /^(ok|int8 paths)/.test(l)).join('\n')}`);
    t.is(r.code, 0, r.out);
    t.regex(r.out, new RegExp(`^int8 paths this CPU runs: ${paths} \\(default ${paths.split(' ')[0]}\\)$`, 'm'));
    for (const p of paths.split(' ')) t.regex(r.out, new RegExp(`^ok ${p}: int8 layer against fp32`, 'm'));
  }
});
