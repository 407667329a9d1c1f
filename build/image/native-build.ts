/**
 * The native library for the image's architecture (docs/image.md, "The native library"): the
 * top-level CMakeLists.txt configured afresh in its own build directory with ELMA_NATIVE_ARCH OFF
 * (portable flags: targets.ts), CUDA and TensorRT off (JetPack's CUDA is not on the build
 * machine), and for arm64 on an x86-64 machine the toolchain file build/cmake/aarch64-linux-gnu.cmake
 * with Debian's cross compiler and arm64 OpenBLAS from the multiarch tree. Builds libelma_native
 * and its C tests (test_native: `ctest` in the build directory runs them, under qemu-user for
 * arm64); libelma_train, the backward pass, stays with the cloud.
 *
 * What the device must provide is read off the result: the glibc symbol versions (readelf -V) and
 * the shared libraries (DT_NEEDED) it asks for.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImageError } from './image-error.ts';
import { findProgram, requireProgram, runProgram } from './host-tools.ts';
import { isCross, type ImageTarget } from './targets.ts';

export interface NativeToolchain {
  readonly cmake: string;
  /** The C compiler's absolute path. */
  readonly cc: string;
  readonly readelf: string;
  readonly cross: boolean;
}

/** What a cross or native build of `t` needs on this machine; an ImageError naming the first thing missing. */
export function nativeToolchain(t: ImageTarget, env: NodeJS.ProcessEnv = process.env): NativeToolchain {
  const cross = isCross(t);
  if (cross && t.toolchainFile === null) {
    throw new ImageError(`--arch ${t.arch}`, `cannot be cross-built on this ${process.arch} machine (build the ${t.arch} image on a ${t.arch} machine)`);
  }
  const cmake = requireProgram('cmake', `--arch ${t.arch}`, 'apt-get install cmake');
  const wanted = cross ? (env.ELMA_CROSS_CC ?? t.crossCompiler) : (env.CC ?? 'cc');
  const cc = findProgram(wanted, env);
  if (cc === null) {
    throw new ImageError(`--arch ${t.arch}`, cross
      ? `the cross compiler ${wanted} was not found${wanted.includes('/') ? '' : ' on PATH'} (apt-get install ${t.crossPackages}; ELMA_CROSS_CC names another compiler)`
      : `the C compiler ${wanted} was not found (apt-get install gcc)`);
  }
  const readelf = findProgram(`${t.triplet}-readelf`, env) ?? requireProgram('readelf', `--arch ${t.arch}`, 'apt-get install binutils');
  return { cmake, cc, readelf, cross };
}

export interface NativeLibrary {
  /** The built libelma_native.so. */
  readonly library: string;
  /** The built libelma_cpu.so (CPU features for the BLAS dispatch, no BLAS behind it: docs/backends.md "CPU dispatch"). */
  readonly cpuLibrary: string;
  /** The build directory (ctest --test-dir runs the C tests there). */
  readonly buildDir: string;
  readonly cflags: string;
  /** `cc --version`'s first line. */
  readonly compiler: string;
  /** GLIBC_x.y versions the library needs, oldest first. */
  readonly glibc: readonly string[];
  /** DT_NEEDED: the shared libraries it loads. */
  readonly needed: readonly string[];
}

/** ELF e_machine of a file, or null when it is not ELF. */
export function elfMachine(file: string): number | null {
  const h = readFileSync(file).subarray(0, 20);
  if (h.length < 20 || h.readUInt32BE(0) !== 0x7f454c46) return null;
  return h.readUInt16LE(18);
}

/** The GLIBC_x.y symbol versions an ELF file needs (readelf -V's version-needs section), oldest first. */
export function glibcVersions(readelf: string, file: string): string[] {
  const { out } = runProgram(readelf, ['-V', '--wide', file], `readelf ${file}`);
  const found = new Set([...out.matchAll(/Name: (GLIBC_[0-9.]+)/g)].map((m) => m[1]!));
  return [...found].sort(compareGlibc);
}

export function compareGlibc(a: string, b: string): number {
  const pa = a.replace('GLIBC_', '').split('.').map(Number), pb = b.replace('GLIBC_', '').split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function neededLibraries(readelf: string, file: string): string[] {
  const { out } = runProgram(readelf, ['-d', '--wide', file], `readelf ${file}`);
  return [...out.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]!);
}

export function buildNative(t: ImageTarget, tc: NativeToolchain, o: { root: string; buildDir: string; say: (line: string) => void }): NativeLibrary {
  const what = `the ${t.arch} native library`;
  // Afresh every time: a cache from another compiler or another target must never leak in.
  rmSync(path.join(o.buildDir, 'CMakeCache.txt'), { force: true });
  rmSync(path.join(o.buildDir, 'CMakeFiles'), { recursive: true, force: true });
  mkdirSync(o.buildDir, { recursive: true });
  const args = ['-S', o.root, '-B', o.buildDir, '-DCMAKE_BUILD_TYPE=Release', '-DELMA_NATIVE_ARCH=OFF', '-DELMA_CUDA=OFF', '-DELMA_TENSORRT=OFF'];
  // A cross build takes its flags from the toolchain file (CMAKE_C_FLAGS_INIT; a test checks they
  // are targets.ts's), so that the file alone builds the same library by hand.
  const cflags = tc.cross ? cflagsOfToolchain(path.join(o.root, t.toolchainFile!)) : t.cflags;
  const env = { ...process.env };
  if (tc.cross) {
    args.push(`-DCMAKE_TOOLCHAIN_FILE=${path.join(o.root, t.toolchainFile!)}`);
    env.ELMA_CROSS_CC = tc.cc;
  } else {
    args.push(`-DCMAKE_C_COMPILER=${tc.cc}`, `-DCMAKE_C_FLAGS=${cflags}`);
  }
  o.say(`  cmake: ${tc.cross ? `cross (${path.basename(tc.cc)}, ${t.toolchainFile})` : path.basename(tc.cc)}, ${cflags}, ELMA_NATIVE_ARCH=OFF, in ${path.relative(o.root, o.buildDir) || o.buildDir}`);
  const cfg = runProgram(tc.cmake, args, what, { env });
  if (!cfg.out.includes('ELMA: BLAS =')) {
    throw new ImageError(what, `no CBLAS for ${t.arch} was found (apt-get install ${tc.cross ? `libopenblas-dev:${t.arch} after dpkg --add-architecture ${t.arch}` : 'libopenblas-dev'})`);
  }
  runProgram(tc.cmake, ['--build', o.buildDir, '--target', 'elma_native', 'elma_cpu', 'test_native', 'test_qgemm', 'test_int8_layer', 'test_bgemm', '-j', String(os.availableParallelism())], what, { env });
  const library = path.join(o.buildDir, 'libelma_native.so');
  if (!existsSync(library)) throw new ImageError(what, `the build finished without ${library}`);
  const cpuLibrary = path.join(o.buildDir, 'libelma_cpu.so');
  if (!existsSync(cpuLibrary)) throw new ImageError(what, `the build finished without ${cpuLibrary}`);
  const machine = elfMachine(library);
  if (machine !== t.elfMachine) throw new ImageError(library, `is ELF machine ${machine}, not ${t.arch} (${t.elfMachine}): the toolchain built for the wrong architecture`);
  const compiler = runProgram(tc.cc, ['--version'], what).out.split('\n')[0]!.trim();
  return { library, cpuLibrary, buildDir: o.buildDir, cflags, compiler, glibc: glibcVersions(tc.readelf, library), needed: neededLibraries(tc.readelf, library) };
}

/** The flags a toolchain file sets (CMAKE_C_FLAGS_INIT). */
export function cflagsOfToolchain(file: string): string {
  const m = /set\(CMAKE_C_FLAGS_INIT "([^"]*)"\)/.exec(readFileSync(file, 'utf8'));
  if (m === null) throw new ImageError(file, 'sets no CMAKE_C_FLAGS_INIT');
  return m[1]!;
}
