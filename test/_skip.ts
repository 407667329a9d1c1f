/**
 * Tests that need something this machine may lack (GNU tar, ONNX Runtime, the native library):
 * when it is missing they are ava skips whose title says why, and a line on stderr says so too,
 * never passes. .ci/run installs what they need, so they run there.
 */
import test, { type ExecutionContext } from 'ava';

export type TestRegistrar = (title: string, impl: (t: ExecutionContext) => unknown) => void;

/**
 * `test` when `reason` is null (`test.serial` with `serial`: for tests that change process-wide
 * state such as process.env across an await, which ava would otherwise run beside the file's
 * other tests); else a registrar of skips titled with the reason.
 */
export function testUnless(reason: string | null, o: { serial?: boolean } = {}): TestRegistrar {
  if (reason === null) return o.serial === true ? (title, impl) => { test.serial(title, impl); } : (title, impl) => { test(title, impl); };
  return (title, impl) => {
    console.warn(`elma tests: SKIPPED "${title}": ${reason}`);
    test.skip(`${title} [SKIPPED: ${reason}]`, impl);
  };
}
