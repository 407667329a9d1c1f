/**
 * The architectures a device image is built for (docs/image.md), named as Node names them
 * (`process.arch`), with what building for each takes: the compiler, the flags, the koffi binary.
 *
 * The C flags are portable baselines, never -march=native (ELMA_NATIVE_ARCH is OFF: the build
 * machine is not the device):
 *   arm64  -march=armv8-a: the Jetson TX2's Cortex-A57 and Denver2 are ARMv8.0-A; Xavier's Carmel
 *          and Orin's Cortex-A78AE are ARMv8.2-A, a superset. AArch64 always has Advanced SIMD.
 *   x64    -march=x86-64-v2 (SSE4.2, SSSE3, POPCNT; x86-64 psABI microarchitecture levels): every
 *          x86-64 CPU since 2009 has it, including the Atom/Celeron/Pentium Silver boxes that lack
 *          AVX; v3 (AVX2, FMA) would exclude those. The heavy matrix products are OpenBLAS's sgemm,
 *          which picks AVX2/AVX-512 kernels at run time anyway (DYNAMIC_ARCH), so v2 costs little.
 */
import path from 'node:path';
import { ImageError } from './image-error.ts';

export const IMAGE_ARCHS = ['arm64', 'x64'] as const;
export type ImageArch = (typeof IMAGE_ARCHS)[number];

export interface ImageTarget {
  readonly arch: ImageArch;
  /** GNU triplet: the cross compiler's prefix and Debian's multiarch directory. */
  readonly triplet: string;
  /** `uname -m` on such a device. */
  readonly uname: string;
  /** ELF e_machine (System V ABI): EM_AARCH64 183, EM_X86_64 62. */
  readonly elfMachine: number;
  /** -march for the native library when built on a machine of this architecture (a cross build takes it from the toolchain file). */
  readonly cflags: string;
  /** The CMake toolchain file for building on another architecture, relative to the repository; null: no cross build. */
  readonly toolchainFile: string | null;
  /** The cross C compiler (Debian's package gcc-<triplet>); ELMA_CROSS_CC overrides it. */
  readonly crossCompiler: string;
  /** What to apt-get install for a cross build. */
  readonly crossPackages: string;
  /** koffi's prebuilt binary package and its glibc directory (node_modules/koffi's loader looks there). */
  readonly koffiPackage: string;
  readonly koffiDir: string;
}

const TARGETS: Readonly<Record<ImageArch, ImageTarget>> = {
  arm64: {
    arch: 'arm64', triplet: 'aarch64-linux-gnu', uname: 'aarch64', elfMachine: 183, cflags: '-march=armv8-a',
    toolchainFile: path.join('build', 'cmake', 'aarch64-linux-gnu.cmake'), crossCompiler: 'aarch64-linux-gnu-gcc',
    crossPackages: 'gcc-aarch64-linux-gnu, and libopenblas-dev:arm64 after dpkg --add-architecture arm64',
    koffiPackage: '@koromix/koffi-linux-arm64', koffiDir: 'linux_arm64',
  },
  x64: {
    arch: 'x64', triplet: 'x86_64-linux-gnu', uname: 'x86_64', elfMachine: 62, cflags: '-march=x86-64-v2',
    toolchainFile: null, crossCompiler: 'x86_64-linux-gnu-gcc', crossPackages: 'gcc-x86-64-linux-gnu',
    koffiPackage: '@koromix/koffi-linux-x64', koffiDir: 'linux_x64',
  },
};

/** The target for `--arch`; an ImageError naming the known ones otherwise. */
export function imageTarget(arch: string): ImageTarget {
  if (!(IMAGE_ARCHS as readonly string[]).includes(arch)) {
    throw new ImageError('--arch', `unknown architecture ${JSON.stringify(arch)}; an image is built for ${IMAGE_ARCHS.join(' or ')} (Node's names: arm64 for a Jetson)`);
  }
  return TARGETS[arch as ImageArch];
}

/** Whether building for `t` on this machine is a cross build. */
export function isCross(t: ImageTarget, hostArch: string = process.arch): boolean {
  return t.arch !== hostArch;
}
