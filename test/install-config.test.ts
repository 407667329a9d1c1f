/**
 * Installing without ONNX Runtime's GPU download and without npm warnings (issue 15): onnxruntime-node's
 * postinstall fetches the CUDA and TensorRT providers from NuGet on linux/x64 unless told to skip.
 * The project's .npmrc used to say so (`onnxruntime-node-install=skip`), but npm 11 warns about any
 * key it does not know on every npm and npx command. The install script also reads the environment
 * variable ONNXRUNTIME_NODE_INSTALL, which npm does not look at: .ci/run sets it for its `npm ci`
 * and the README's quick start shows it.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ORT_SCRIPT = path.join(ROOT, 'node_modules/onnxruntime-node/script');

test('npm reads no project config it does not know (no "Unknown project config" warning on every npm and npx)', (t) => {
  const r = spawnSync('npm', ['config', 'get', 'registry'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'warn' } });
  t.is(r.status, 0, r.stderr);
  t.notRegex(r.stderr, /Unknown (project|env) config/);
  if (existsSync(path.join(ROOT, '.npmrc'))) t.notRegex(readFileSync(path.join(ROOT, '.npmrc'), 'utf8'), /onnxruntime/);
});

test('.ci/run and the README quick start skip the download with ONNXRUNTIME_NODE_INSTALL=skip', (t) => {
  const ci = readFileSync(path.join(ROOT, '.ci/run'), 'utf8');
  const exported = ci.search(/^export ONNXRUNTIME_NODE_INSTALL=skip$/m);
  t.true(exported >= 0, '.ci/run exports ONNXRUNTIME_NODE_INSTALL=skip');
  t.true(exported < ci.search(/^npm ci\b/m), '... before its npm ci');
  t.regex(readFileSync(path.join(ROOT, 'README.md'), 'utf8'), /^ONNXRUNTIME_NODE_INSTALL=skip npm ci\b/m);
});

test('onnxruntime-node\'s install script reads ONNXRUNTIME_NODE_INSTALL=skip and exits at once, fetching nothing', (t) => {
  const { parseInstallFlag } = createRequire(import.meta.url)(path.join(ORT_SCRIPT, 'install-utils.js')) as { parseInstallFlag: () => unknown };
  const saved = process.env.ONNXRUNTIME_NODE_INSTALL;
  try {
    process.env.ONNXRUNTIME_NODE_INSTALL = 'skip';
    t.is(parseInstallFlag(), false, 'false: "skip the installation of the files that are not bundled"');
  } finally {
    if (saved === undefined) delete process.env.ONNXRUNTIME_NODE_INSTALL;
    else process.env.ONNXRUNTIME_NODE_INSTALL = saved;
  }
  // The script itself, as npm's postinstall runs it, behind a proxy that accepts nothing: a
  // download would fail; the skip exits 0 without a word.
  const dead = 'http://127.0.0.1:9';
  const r = spawnSync(process.execPath, ['./script/install'], {
    cwd: path.dirname(ORT_SCRIPT), encoding: 'utf8', timeout: 30_000,
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', GLOBAL_AGENT_HTTPS_PROXY: dead, HTTPS_PROXY: dead, https_proxy: dead },
  });
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout + r.stderr, '');
});
