/**
 * elma-qjs (and elma-qjs-small) built for an architecture from Node (tests, bench:qjs): the top-level CMakeLists.txt
 * configured into a build directory of its own with portable flags (ELMA_NATIVE_ARCH OFF, never
 * -march=native: the build machine is not the device), CUDA and TensorRT off, and for arm64 the
 * toolchain file build/cmake/aarch64-linux-gnu.cmake (Debian's gcc-aarch64-linux-gnu, arm64
 * OpenBLAS from the multiarch tree). The build directory is kept, so a second build only relinks
 * what changed. `npm run build` makes the x64 one for this machine in dist/native (build/native.mjs).
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findProgram, runProgram } from '../image/host-tools.ts';
import { imageTarget } from '../image/targets.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export type QjsArch = 'x64' | 'arm64';

export interface BuiltHost {
  /** elma-qjs: the kernels on static OpenBLAS. */
  readonly binary: string;
  /** elma-qjs-small: the kernels on build/qjs/small-sgemm.c, no OpenBLAS. */
  readonly small: string;
  readonly buildDir: string;
  /** readelf for this architecture (the cross binutils' for arm64). */
  readonly readelf: string;
}

/** Why elma-qjs cannot be built for `arch` here (a tool or library missing), or null. */
export function qjsBuildBlocker(arch: QjsArch): string | null {
  const t = imageTarget(arch);
  const missing: string[] = [];
  if (findProgram('cmake') === null) missing.push('cmake (apt-get install cmake)');
  if (!existsSync(path.join(ROOT, 'node_modules', 'qjsc', 'deps', 'quickjs_2021_03_27', 'quickjs.c'))) missing.push('the QuickJS sources (npm ci installs the devDependency qjsc)');
  if (arch === 'arm64') {
    // The toolchain file's compiler: ELMA_CROSS_CC, else Debian's.
    if (findProgram(process.env.ELMA_CROSS_CC || t.crossCompiler) === null) missing.push(`the cross compiler (apt-get install ${t.crossPackages})`);
    if (!existsSync(`/usr/lib/${t.triplet}/libopenblas.a`)) missing.push(`static arm64 OpenBLAS (${t.crossPackages})`);
  } else {
    if (findProgram('cc') === null) missing.push('a C compiler (apt-get install gcc)');
    if (!['/usr/lib/x86_64-linux-gnu/libopenblas.a', '/usr/lib/libopenblas.a'].some(existsSync)) missing.push('static OpenBLAS (apt-get install libopenblas-dev)');
  }
  return missing.length === 0 ? null : missing.join('; ');
}

export interface BuildOptions {
  /** Which programs (default both; the device image builds elma-qjs-small only). */
  readonly targets?: readonly ('elma-qjs' | 'elma-qjs-small')[];
  /** The C compiler (an absolute path): CMAKE_C_COMPILER, or for arm64 the toolchain file's ELMA_CROSS_CC. */
  readonly cc?: string;
}

/** Configure and build elma-qjs and elma-qjs-small for `arch` in `buildDir` (default out/qjs-<arch>). */
export function buildElmaQjs(arch: QjsArch, buildDir = path.join(ROOT, 'out', `qjs-${arch}`), o: BuildOptions = {}): BuiltHost {
  const t = imageTarget(arch);
  const what = `elma-qjs for ${arch}`;
  const cmake = findProgram('cmake');
  if (cmake === null) throw new Error(`${what}: cmake was not found on PATH`);
  const args = ['-S', ROOT, '-B', buildDir, '-DCMAKE_BUILD_TYPE=Release', '-DELMA_NATIVE_ARCH=OFF', '-DELMA_CUDA=OFF', '-DELMA_TENSORRT=OFF'];
  const env = { ...process.env };
  if (arch === 'arm64') {
    args.push(`-DCMAKE_TOOLCHAIN_FILE=${path.join(ROOT, t.toolchainFile!)}`);
    if (o.cc !== undefined) env.ELMA_CROSS_CC = o.cc;
  } else {
    args.push(`-DCMAKE_C_FLAGS=${t.cflags}`);
    if (o.cc !== undefined) args.push(`-DCMAKE_C_COMPILER=${o.cc}`);
  }
  const cfg = runProgram(cmake, args, what, { env });
  if (!cfg.out.includes('ELMA: elma-qjs =')) {
    throw new Error(`${what}: not configured: ${/elma-qjs not built: ([^\n]*)/.exec(cfg.out)?.[1] ?? /no CBLAS[^\n]*/.exec(cfg.out)?.[0] ?? 'see cmake'}`);
  }
  const targets = o.targets ?? ['elma-qjs', 'elma-qjs-small'];
  runProgram(cmake, ['--build', buildDir, '--target', ...targets, '-j', String(os.availableParallelism())], what, { env });
  const binary = path.join(buildDir, 'elma-qjs'), small = path.join(buildDir, 'elma-qjs-small');
  for (const b of targets.map((n) => path.join(buildDir, n))) if (!existsSync(b)) throw new Error(`${what}: the build finished without ${b}`);
  const readelf = (arch === 'arm64' ? findProgram(`${t.triplet}-readelf`) : null) ?? findProgram('readelf') ?? 'readelf';
  return { binary, small, buildDir, readelf };
}
