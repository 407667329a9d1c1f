/**
 * What runs the device program in an image (`elma build image --runtime`, docs/image.md "Two
 * runtimes"):
 *
 *   qjs   elma-qjs, one static native program (QuickJS with ELMA's C kernels linked in,
 *         build/qjs), and the device program bundled for it (build/quickjs/qjs-edge-bundle.ts).
 *         The device needs nothing: no Node.js, no glibc of any version, no libopenblas. The
 *         default for arm64: the Jetson TX2's last system (JetPack 4.6, glibc 2.27) cannot run
 *         Node 20 at all (docs/qjs-runtime.md).
 *   node  the Node program (dist/elma-edge.mjs), koffi and libelma_native; the device provides
 *         Node.js 20+, glibc 2.34+ and libopenblas.so.0. The default for x64: an x86-64 device
 *         runs a distribution with Node 20, and there the Node program answers ~3× faster per
 *         question (OpenBLAS picks AVX2/AVX-512 kernels at run time; elma-qjs's portable sgemm is
 *         SSE-only at the image's -march=x86-64-v2), has int8 precision and every device command.
 */
import { ImageError } from './image-error.ts';
import type { ImageArch } from './targets.ts';

export const IMAGE_RUNTIMES = ['qjs', 'node'] as const;
export type ImageRuntime = (typeof IMAGE_RUNTIMES)[number];

export const DEFAULT_RUNTIME: Readonly<Record<ImageArch, ImageRuntime>> = { arm64: 'qjs', x64: 'node' };

/** `--runtime` (undefined: the architecture's default); an ImageError naming the known ones otherwise. */
export function imageRuntime(name: string | undefined, arch: ImageArch): ImageRuntime {
  if (name === undefined) return DEFAULT_RUNTIME[arch];
  if (!(IMAGE_RUNTIMES as readonly string[]).includes(name)) {
    throw new ImageError('--runtime', `unknown runtime ${JSON.stringify(name)}; an image runs the device program on ${IMAGE_RUNTIMES.join(' or ')} (default ${DEFAULT_RUNTIME.arm64} for arm64, ${DEFAULT_RUNTIME.x64} for x64)`);
  }
  return name as ImageRuntime;
}
