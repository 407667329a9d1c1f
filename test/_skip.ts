/**
 * Tests that need something this machine may lack (GNU tar, ONNX Runtime, the native library):
 * when it is missing they are ava skips whose title says why, and a line on stderr says so too,
 * never passes. .ci/run installs what they need, so they run there.
 */
import test, { type ExecutionContext } from 'ava';

export type TestRegistrar = (title: string, impl: (t: ExecutionContext) => unknown) => void;

/** `test` when `reason` is null; else a registrar of skips titled with the reason. */
export function testUnless(reason: string | null): TestRegistrar {
  if (reason === null) return (title, impl) => { test(title, impl); };
  return (title, impl) => {
    console.warn(`elma tests: SKIPPED "${title}": ${reason}`);
    test.skip(`${title} [SKIPPED: ${reason}]`, impl);
  };
}
