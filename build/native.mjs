// Builds the native libraries with CMake into dist/native (docs/backends.md, "Building").
// Runs from `npm run build`, `npm ci` (prepare) and `npm test` (pretest). Never fails the npm
// command: a machine without cmake, a C compiler or BLAS gets a warning and runs on the
// TypeScript (or ONNX Runtime) backend; a CUDA or TensorRT part that fails to build is a warning
// too, and the CPU library is built first, on its own, so it never depends on them.
// ELMA_SKIP_NATIVE=1 skips the whole step.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist', 'native');
const warn = (m) => process.stderr.write(`build:native: ${m}\n`);

function run(cmd, args, quiet = true) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: quiet ? 'pipe' : 'inherit' });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, missing: r.error?.code === 'ENOENT' };
}

function main() {
  if (process.env.ELMA_SKIP_NATIVE === '1') return warn('skipped (ELMA_SKIP_NATIVE=1)');
  if (run('cmake', ['--version']).missing) return warn('cmake not found: the native backend is not built (ELMA runs on js/onnx)');
  const cfg = run('cmake', ['-S', root, '-B', out, '-DCMAKE_BUILD_TYPE=Release']);
  if (!cfg.ok) return warn(`cmake configure failed; the native backend is not built:\n${cfg.out.split('\n').slice(-15).join('\n')}`);
  if (!cfg.out.includes('ELMA: BLAS =')) return warn('no CBLAS (apt-get install libopenblas-dev): the native backend is not built');
  const jobs = String(os.availableParallelism());
  const cpu = run('cmake', ['--build', out, '--target', 'elma_native', 'elma_cpu', 'test_native', 'test_qgemm', 'test_int8_layer', 'test_bgemm', '-j', jobs]);
  if (!cpu.ok) return warn(`the CPU library failed to build; ELMA runs on js/onnx:\n${cpu.out.split('\n').slice(-20).join('\n')}`);
  // elma-qjs (build/qjs, issue 18: QuickJS + these kernels, static; docs/qjs-runtime.md): optional too.
  if (cfg.out.includes('ELMA: elma-qjs =')) {
    const qjs = run('cmake', ['--build', out, '--target', 'elma-qjs', 'elma-qjs-small', '-j', jobs]);
    if (!qjs.ok) warn(`elma-qjs failed to build (the libraries are fine):\n${qjs.out.split('\n').slice(-20).join('\n')}`);
  } else {
    warn(`elma-qjs not built: ${/elma-qjs not built: ([^\n]*)/.exec(cfg.out)?.[1] ?? 'not configured (ELMA_QJS=OFF?)'}`);
  }
  // Everything else CMake found (CUDA, TensorRT): optional.
  const rest = run('cmake', ['--build', out, '-j', jobs]);
  if (!rest.ok) warn(`an optional GPU part failed to build (the CPU library is fine):\n${rest.out.split('\n').slice(-20).join('\n')}`);
  const lib = ['libelma_native.so', 'libelma_native.dylib'].find((f) => existsSync(path.join(out, f)));
  process.stderr.write(`build:native: ${lib !== undefined ? `built dist/native/${lib}` : 'no library produced'}${existsSync(path.join(out, 'elma-qjs')) ? ' and dist/native/elma-qjs' : ''}\n`);
}

main();
