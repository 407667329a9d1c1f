/**
 * The second step of verification: may this device install this authentic manifest now? Each rule
 * answers one attack of the Uptane/TUF threat model (docs/bundles.md "Why each check"):
 *
 *   expires        indefinite freeze: an old, validly signed bundle served forever (TUF 1.0 §5.4.4, §5.6.5)
 *   version        rollback and replay: an older, or the same, signed bundle offered again (TUF §5.4.3;
 *                  an equal version is refused too, as the issue asks: "not greater than the installed")
 *   min runtime    a model this runtime cannot run (the bundle pairs with a newer runtime)
 *   target         a bundle built for another machine or backend (Uptane's "wrong software" for an ECU)
 *   weights format weights stored in a form this runtime can neither run nor convert (issue 19)
 *
 * Signed bundles must carry `expires` and `target`; unsigned development bundles need not.
 * Platform-neutral: the clock and the device's description come from the caller.
 */
import { BundleRefusal } from '../errors.ts';
import { compareVersions, RUNTIME_VERSION, type Manifest } from './manifest.ts';
import { formatTarget, targetMismatch, type DeviceTarget } from './target.ts';
import { isWeightsFormat, weightsFormatOf, WEIGHTS_FORMATS } from '../weights/weights-format.ts';

export interface ReleasePolicy {
  /** The device clock, in milliseconds since the epoch. */
  readonly now: number;
  /** The version of the installed model; absent when nothing is installed. */
  readonly installedVersion?: number;
  /** Default: this runtime's RUNTIME_VERSION. */
  readonly runtimeVersion?: string;
  readonly device: DeviceTarget;
}

/** Refuses (expired, rollback, runtime, target, weights-format, or malformed-manifest for a missing field) or returns. */
export function checkRelease(manifest: Manifest, label: string, policy: ReleasePolicy): void {
  const at = (field: string): string => `${label}: ${field}`;
  if (manifest.expires === undefined) throw new BundleRefusal('malformed-manifest', at('expires'), 'is missing; a signed bundle must expire (elma bundle pack sets it)');
  if (manifest.target === undefined) throw new BundleRefusal('malformed-manifest', at('target'), 'is missing; a signed bundle must name its target (elma bundle pack sets it)');
  if (!(policy.now < Date.parse(manifest.expires))) {
    throw new BundleRefusal('expired', at('expires'), `the bundle expired at ${manifest.expires} (device time ${new Date(policy.now).toISOString()}); an old bundle replayed?`);
  }
  const installed = policy.installedVersion;
  if (installed !== undefined && !(manifest.version > installed)) {
    const what = manifest.version === installed ? 'replay of the installed bundle' : 'downgrade';
    throw new BundleRefusal('rollback', at('version'), `${manifest.version} is not greater than the installed version ${installed} (${what})`);
  }
  const runtime = policy.runtimeVersion ?? RUNTIME_VERSION;
  if (compareVersions(manifest.min_runtime_version, runtime) > 0) {
    throw new BundleRefusal('runtime', at('min_runtime_version'), `needs runtime ${manifest.min_runtime_version}, this device runs ${runtime}`);
  }
  const mismatch = targetMismatch(manifest.target, policy.device);
  if (mismatch !== null) throw new BundleRefusal('target', at('target'), `${formatTarget(manifest.target)} ${mismatch}`);
  const format = weightsFormatOf(manifest);
  if (!isWeightsFormat(format)) {
    throw new BundleRefusal('weights-format', at('weights_format'),
      `"${format}" is not a weights format this runtime can run or convert (it reads ${WEIGHTS_FORMATS.join(', ')}); a newer runtime is needed`);
  }
}
