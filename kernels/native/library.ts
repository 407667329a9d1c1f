/**
 * Finding and loading a shared library built by the top-level CMakeLists.txt into dist/native,
 * through koffi (no copies: typed arrays are passed to C as pointers). Shared by the native, CUDA
 * and TensorRT backends. Every way loading can fail ends as one BackendError naming the file.
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import koffi from 'koffi';
import { BackendError } from '../errors.ts';
import { withBlasDispatch } from './blas-dispatch.ts';

export { findLibrary, libraryFileName } from './library-path.ts';

export type NativeLibrary = ReturnType<typeof koffi.load>;

/** ELF e_machine values (System V ABI, elf.h EM_*) for the architectures Node runs on. */
const ELF_MACHINE: Readonly<Record<number, string>> = { 3: 'ia32', 40: 'arm', 62: 'x64', 183: 'arm64', 243: 'riscv64' };

/**
 * On ELF systems, check the header before dlopen: glibc answers a library for another
 * architecture with "cannot open shared object file: No such file or directory", which sends
 * people looking for a missing file. Returns a reason, or null when the file looks loadable.
 */
function elfProblem(file: string): string | null {
  if (process.platform !== 'linux') return null;
  const h = Buffer.alloc(20);
  const fd = openSync(file, 'r');
  let n: number;
  try { n = readSync(fd, h, 0, 20, 0); } finally { closeSync(fd); }
  if (n < 20 || h.readUInt32BE(0) !== 0x7f454c46) return 'not an ELF shared library';
  const machine = h.readUInt16LE(18);
  const arch = ELF_MACHINE[machine] ?? `ELF machine ${machine}`;
  if (arch !== process.arch) return `built for ${arch}, this machine is ${process.arch} (rebuild with npm run build:native)`;
  return null;
}

/**
 * dlopen through koffi, with the loader's reason in the error (wrong architecture, missing dependency, ...).
 * Every library ELMA loads may link OpenBLAS (libelma_native, libelma_train, libelma_cuda's
 * callers), so each load goes through the CPU dispatch first: OpenBLAS chooses its kernels in its
 * constructor, during the first dlopen that brings it in (blas-dispatch.ts).
 */
export function loadLibrary(backend: string, file: string): NativeLibrary {
  if (!existsSync(file)) throw new BackendError(backend, `${file}: no such file (build it with npm run build:native)`);
  const problem = elfProblem(file);
  if (problem !== null) throw new BackendError(backend, `${file}: cannot be loaded: ${problem}`);
  try {
    return withBlasDispatch(() => koffi.load(file));
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    const hint = /ELF|architecture|wrong|invalid|mach-o/i.test(why)
      ? ` (not a library for this ${process.platform}-${process.arch} machine: rebuild with npm run build:native)` : '';
    throw new BackendError(backend, `${file}: cannot be loaded: ${why}${hint}`);
  }
}
