/**
 * Bad input to the backends is a clear error, never a crash (issue 3): a missing library, a file
 * that is not a library, a library for another architecture, a corrupt ONNX file, an explicit
 * backend that is not available, an unknown backend name.
 */
import test from 'ava';
import { copyFileSync, mkdtempSync, openSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BackendError } from '../../kernels/errors.ts';
import { createNativeBackend } from '../../kernels/native/index.ts';
import { findLibrary } from '../../kernels/native/library.ts';
import { OrtSession } from '../../kernels/onnx/session.ts';
import { AVAILABLE_BACKENDS, probeBackend, selectBackend } from '../../runtime/backend-select.ts';
import { UsageError } from '../../cli/command.ts';
import { jsBackend } from '../../kernels/js/index.ts';
import { testWithNative } from '../_native.ts';
import { testUnless } from '../_skip.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'elma-backend-'));
const nativeLib = findLibrary('elma_native', 'ELMA_NATIVE_LIB');

test('a missing native library is a BackendError naming the file and how to build it', (t) => {
  const e = t.throws(() => createNativeBackend({ library: path.join(dir, 'nope.so') }), { instanceOf: BackendError });
  t.regex(e.message, /nope\.so: no such file.*build:native/);
});

test('a file that is not a shared library is a BackendError, not a crash', (t) => {
  const f = path.join(dir, 'garbage.so');
  writeFileSync(f, 'this is not an ELF file');
  const e = t.throws(() => createNativeBackend({ library: f }), { instanceOf: BackendError });
  t.regex(e.message, /garbage\.so: cannot be loaded: not an ELF shared library/);
});

testWithNative('elma_native')('a library built for another architecture is refused with a clear message', (t) => {
  if (nativeLib === null) throw new Error('unreachable: testWithNative registers a skip');
  // The same library with its ELF e_machine patched to another architecture (AArch64 ↔ x86-64):
  // what a Jetson build copied onto a server looks like to the loader.
  const f = path.join(dir, 'foreign.so');
  copyFileSync(nativeLib, f);
  const fd = openSync(f, 'r+');
  writeSync(fd, Buffer.from([process.arch === 'arm64' ? 62 : 183, 0]), 0, 2, 18);
  closeSync(fd);
  const e = t.throws(() => createNativeBackend({ library: f }), { instanceOf: BackendError });
  t.regex(e.message, /foreign\.so: cannot be loaded: built for (arm64|x64), this machine is/);
});

const onnx = probeBackend('onnx');
testUnless(onnx instanceof BackendError ? onnx.message : null)('a corrupt ONNX file is a BackendError naming it', (t) => {
  const e = t.throws(() => new OrtSession(Uint8Array.from([8, 7, 18, 3, 0xff, 0xff]), 'layer.onnx', 1), { instanceOf: BackendError });
  t.regex(e.message, /layer\.onnx: not a model ONNX Runtime can load/);
});

test('an explicit backend that is not available fails with a usage error; an unknown name too', (t) => {
  t.throws(() => selectBackend('tpu'), { instanceOf: UsageError, message: /unknown backend "tpu"/ });
  if (!AVAILABLE_BACKENDS.includes('cuda')) {
    t.throws(() => selectBackend('cuda'), { instanceOf: UsageError, message: /backend cuda is not available on this machine: .*available: auto, js/ });
  }
  t.is(selectBackend('js'), jsBackend);
});

test('auto picks the fastest available backend; js is always available', (t) => {
  const warnings: string[] = [];
  const b = selectBackend('auto', { warn: (m) => warnings.push(m) });
  t.true(AVAILABLE_BACKENDS.includes('js'));
  const expected = ['cuda', 'native', 'onnx', 'js'].find((n) => (AVAILABLE_BACKENDS as readonly string[]).includes(n)) ?? 'js';
  t.is(b.name, expected);
  t.is(warnings.length, AVAILABLE_BACKENDS.includes('native') ? 0 : 1);
});
