/**
 * The target of a bundle: the machine architecture and the compute backend it was built for
 * (issue 6, "Bundles"). Plain float32 safetensors run anywhere, so most bundles say `any/any`; a
 * bundle that carries something machine-specific (a TensorRT plan, weights laid out for one
 * backend, thresholds calibrated for one backend's numerics) names it so that a device refuses it
 * instead of loading something it cannot run. Platform-neutral: no Node imports.
 */

export interface BundleTarget {
  /** Node's `process.arch` names (`arm64` for a Jetson, `x64`), or `any`. */
  readonly arch: string;
  /** A backend name of ELMA (`js`, `native`, `onnx`, `cuda`, `tensorrt`), or `any`. */
  readonly backend: string;
}

/** What one device is and can run: its architecture and the backends that load on it. */
export interface DeviceTarget {
  readonly arch: string;
  readonly backends: readonly string[];
}

export const ANY = 'any';
/** Node's names only, so that a typo such as `aarch64` (which no device reports) is refused at pack time. */
export const TARGET_ARCHS: readonly string[] = [ANY, 'arm64', 'x64', 'arm', 'ia32', 'riscv64', 'ppc64', 's390x', 'loong64'];
/** runtime/backend-select.ts BACKEND_NAMES, plus TensorRT (ARCHITECTURE.md "Parts", kernels/tensorrt). */
export const TARGET_BACKENDS: readonly string[] = [ANY, 'js', 'native', 'onnx', 'cuda', 'tensorrt'];

const NAME = /^[a-z0-9_]+$/;

/** Whether `x` has the shape of a target (any lower-case names: a newer publisher may know more). */
export function isTarget(x: unknown): x is BundleTarget {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return false;
  const t = x as Record<string, unknown>;
  return typeof t.arch === 'string' && NAME.test(t.arch) && typeof t.backend === 'string' && NAME.test(t.backend);
}

/** `arch/backend` → a target; null when it is not that shape or names an arch/backend ELMA does not know. */
export function parseTarget(text: string): BundleTarget | null {
  const m = /^([a-z0-9_]+)\/([a-z0-9_]+)$/.exec(text);
  if (m === null || !TARGET_ARCHS.includes(m[1]!) || !TARGET_BACKENDS.includes(m[2]!)) return null;
  return { arch: m[1]!, backend: m[2]! };
}

export function formatTarget(t: BundleTarget): string {
  return `${t.arch}/${t.backend}`;
}

/** Why `target` cannot run on `device`, or null when it can. */
export function targetMismatch(target: BundleTarget, device: DeviceTarget): string | null {
  if (target.arch !== ANY && target.arch !== device.arch) {
    return `is built for ${target.arch}, this device is ${device.arch}`;
  }
  if (target.backend !== ANY && !device.backends.includes(target.backend)) {
    return `needs the ${target.backend} backend, this device has ${device.backends.join(', ') || 'none'}`;
  }
  return null;
}
