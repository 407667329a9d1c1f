/**
 * What one runtime (runtimes.ts) puts into an image besides what every image has (the model, the
 * systemd units, install.sh, the manifest): its files in usr/lib/elma, staged by node-payload.ts
 * or qjs-payload.ts, and what the rest of the build needs to know of them.
 */
export interface RuntimePayload {
  /** manifest.json's fields of this runtime: `requires` (what the device must provide), `program`, and the runtime's own parts. */
  readonly fields: Record<string, unknown>;
  /** image.env's lines of this runtime, read by install.sh. */
  readonly env: Readonly<Record<string, string>>;
  /** THIRD-PARTY-NOTICES.txt. */
  readonly notices: string;
  /** The launcher that becomes usr/bin/elma, relative to the repository. */
  readonly launcher: string;
  /** README.txt's line of what must be on the device before install.sh runs. */
  readonly install: string;
  /** The summary's "the device needs ..." */
  readonly needs: string;
  /** The CMake build directory of the runtime's native part (its C tests, ctest --test-dir). */
  readonly buildDir: string;
}
