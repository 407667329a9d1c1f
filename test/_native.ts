/**
 * Loading the native libraries in tests. A library that was never built (no cmake, compiler or
 * BLAS on this machine) skips its tests loudly: an ava skip whose title names the reason, and a
 * line on stderr. With ELMA_REQUIRE_NATIVE=1 (set by .ci/run, which installs the compiler and
 * BLAS) a missing library is a failing test instead. Any other load error (a library that is
 * there but does not load, a wrong ABI) is always a failing test: a broken build, not a machine
 * without one.
 */
import test from 'ava';
import { findLibrary } from '../kernels/native/library.ts';
import { BackendError } from '../kernels/errors.ts';
import { probeBackend } from '../runtime/backend-select.ts';
import { testUnless, type TestRegistrar } from './_skip.ts';

export const NATIVE_REQUIRED = process.env.ELMA_REQUIRE_NATIVE === '1';

/** The native libraries: base name and the environment variable that overrides the path. */
const ENV_VARS = { elma_native: 'ELMA_NATIVE_LIB', elma_train: 'ELMA_TRAIN_LIB' } as const;
export type NativeLib = keyof typeof ENV_VARS;

/** Why `lib` is missing (it was never built), or null when the file is there. */
export function nativeMissing(lib: NativeLib): string | null {
  return findLibrary(lib, ENV_VARS[lib]) === null ? `lib${lib} was not built (npm run build:native needs cmake, a C compiler and OpenBLAS)` : null;
}

/**
 * `load()`'s result; or undefined after registering a skip (library missing, not required) or a
 * failing test (missing while ELMA_REQUIRE_NATIVE=1; any other error). `label` names what the
 * skipped tests cover.
 */
export function loadNativeForTests<T>(lib: NativeLib, label: string, load: () => T): T | undefined {
  const missing = nativeMissing(lib);
  if (missing !== null) {
    if (NATIVE_REQUIRED) test(`${label}: the native library is required here (ELMA_REQUIRE_NATIVE=1)`, (t) => { t.fail(missing); });
    else testUnless(missing)(`${label}`, () => {});
    return undefined;
  }
  try {
    return load();
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    test(`${label}: lib${lib} loads`, (t) => { t.fail(`lib${lib} is there but does not load: ${why}`); });
    return undefined;
  }
}

/**
 * A registrar for tests that need `lib`: `test` when it is there, else skips naming why (failing
 * tests under ELMA_REQUIRE_NATIVE=1).
 */
export function testWithNative(lib: NativeLib): TestRegistrar {
  const missing = nativeMissing(lib);
  if (missing !== null && NATIVE_REQUIRED) return (title) => { test(title, (t) => { t.fail(`${missing} (ELMA_REQUIRE_NATIVE=1)`); }); };
  return testUnless(missing);
}

/**
 * For suites that run on every available backend (AVAILABLE_BACKENDS leaves out the ones that do
 * not load, silently): the native backend through loadNativeForTests, and a loud skip naming the
 * reason for onnx and cuda when they do not load here.
 */
export function reportUnavailableBackends(label: string): void {
  loadNativeForTests('elma_native', `${label} on native`, () => {
    const b = probeBackend('native');
    if (b instanceof BackendError) throw b;
    return b;
  });
  for (const name of ['onnx', 'cuda'] as const) {
    const b = probeBackend(name);
    if (b instanceof BackendError) testUnless(b.message)(`${label} on ${name}`, () => {});
  }
}
