/**
 * elma-qjs for a `--runtime qjs` image (docs/image.md, "The qjs image"): build/qjs's
 * elma-qjs-small, built for the image's architecture by build/quickjs/qjs-host-build.ts with the
 * image's portable flags (arm64 cross-compiled through build/cmake/aarch64-linux-gnu.cmake), in
 * out/image-build/qjs-<arch> (kept between builds: a second image relinks nothing).
 *
 * Why the small variant: it is the same host and kernels with build/qjs/small-sgemm.c under them
 * instead of Debian's static OpenBLAS, whose DYNAMIC_ARCH kernels for every CPU make elma-qjs
 * 12.7 MiB (arm64) against 1.4 MiB; its answers match Node's (test/build/qjs-host.test.ts).
 *
 * The program is checked to be what a stock TX2 runs (issue 18): ELF for the architecture, fully
 * static — no program interpreter, no dynamic section, so no DT_NEEDED and no GLIBC_x.y version
 * needs (readelf -l, -d, -V) — and stripped (no .symtab: readelf -S); the kernel it needs is read
 * off its ABI note (readelf -n). A static program cannot dlopen JetPack's CUDA or TensorRT
 * (docs/qjs-runtime.md, "Static, and what it means for CUDA").
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildElmaQjs, qjsBuildBlocker } from '../quickjs/qjs-host-build.ts';
import { ImageError } from './image-error.ts';
import { runProgram } from './host-tools.ts';
import { cflagsOfToolchain, elfMachine, glibcVersions, type NativeToolchain } from './native-build.ts';
import type { ImageTarget } from './targets.ts';

export interface QjsHostBinary {
  /** The built program (elma-qjs-small in the build directory). */
  readonly file: string;
  readonly buildDir: string;
  readonly variant: 'elma-qjs-small';
  readonly quickjs: string;
  readonly cflags: string;
  /** `cc --version`'s first line. */
  readonly compiler: string;
  /** "Linux >= 3.7.0", from the ELF ABI note. */
  readonly kernel: string;
}

/** Why a built program is not a static, stripped one for `t` (empty: it is). */
export function staticProblems(t: ImageTarget, readelf: string, file: string): string[] {
  const problems: string[] = [];
  const machine = elfMachine(file);
  if (machine !== t.elfMachine) problems.push(`is ELF machine ${machine}, not ${t.arch} (${t.elfMachine})`);
  const read = (flag: string): string => runProgram(readelf, [flag, '--wide', file], `readelf ${file}`).out;
  if (/Requesting program interpreter/.test(read('-l'))) problems.push('has a program interpreter (dynamically linked)');
  const needed = [...read('-d').matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]!);
  if (needed.length > 0) problems.push(`needs shared libraries ${needed.join(', ')}`);
  const glibc = glibcVersions(readelf, file);
  if (glibc.length > 0) problems.push(`needs glibc symbol versions ${glibc.join(' ')}`);
  if (/\s\.symtab\s/.test(read('-S'))) problems.push('is not stripped (has a .symtab)');
  return problems;
}

export function buildQjsHost(t: ImageTarget, tc: NativeToolchain, o: { root: string; buildDir: string; say: (line: string) => void }): QjsHostBinary {
  const what = `elma-qjs for ${t.arch}`;
  const blocker = qjsBuildBlocker(t.arch);
  if (blocker !== null) throw new ImageError(`--runtime qjs --arch ${t.arch}`, `elma-qjs cannot be built here: missing ${blocker}`);
  const cflags = tc.cross ? cflagsOfToolchain(path.join(o.root, t.toolchainFile!)) : t.cflags;
  o.say(`  cmake: ${tc.cross ? `cross (${path.basename(tc.cc)}, ${t.toolchainFile})` : path.basename(tc.cc)}, ${cflags}, target elma-qjs-small, in ${path.relative(o.root, o.buildDir) || o.buildDir}`);
  let file: string;
  try {
    file = buildElmaQjs(t.arch, o.buildDir, { targets: ['elma-qjs-small'], cc: tc.cc }).small;
  } catch (e) {
    if (e instanceof ImageError) throw e;
    throw new ImageError(what, (e as Error).message.replace(`${what}: `, ''));
  }
  const problems = staticProblems(t, tc.readelf, file);
  if (problems.length > 0) throw new ImageError(file, `is not the static program a device image needs: it ${problems.join('; ')}`);
  const abi = /OS: Linux, ABI: ([0-9.]+)/.exec(runProgram(tc.readelf, ['-n', '--wide', file], `readelf ${file}`).out)?.[1];
  const quickjs = readFileSync(path.join(o.root, 'node_modules', 'qjsc', 'deps', 'quickjs_2021_03_27', 'VERSION'), 'utf8').trim();
  const compiler = runProgram(tc.cc, ['--version'], what).out.split('\n')[0]!.trim();
  return { file, buildDir: o.buildDir, variant: 'elma-qjs-small', quickjs, cflags, compiler, kernel: abi === undefined ? 'Linux' : `Linux >= ${abi}` };
}
