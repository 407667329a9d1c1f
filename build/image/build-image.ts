/**
 * `elma build image` (docs/image.md): one .tar.gz that installs ELMA's device program on a device
 * of one architecture, run by one of two runtimes (runtimes.ts: elma-qjs, the default for arm64,
 * or Node, the default for x64). In order, cheapest checks first, so bad input fails before
 * anything is built and nothing is ever half-written at --out:
 *   1. the target (targets.ts, runtimes.ts), --out's directory, the build tools (cmake, the cross compiler)
 *   2. the model for slot A, verified or signed (image-model.ts)
 *   3. the runtime's files: for node koffi's binary, the device program and the native library
 *      (node-payload.ts); for qjs the device program bundled for elma-qjs and the static
 *      elma-qjs (qjs-payload.ts)
 *   4. the launcher, the systemd units, the install script
 *   5. the layout, the manifest and SHA256SUMS (image-manifest.ts), the tarball (tarball.ts)
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ImageError } from './image-error.ts';
import { imageTarget, type ImageTarget } from './targets.ts';
import { imageRuntime, type ImageRuntime } from './runtimes.ts';
import { nativeToolchain } from './native-build.ts';
import { stageNodePayload } from './node-payload.ts';
import { stageQjsPayload } from './qjs-payload.ts';
import type { RuntimePayload } from './runtime-payload.ts';
import { stageModel, type ModelChoice } from './image-model.ts';
import { writeImageManifest, type FileRecord } from './image-manifest.ts';
import { sourceDateEpoch, writeTarball } from './tarball.ts';

export interface BuildImageOptions extends ModelChoice {
  /** The repository. */
  readonly root: string;
  readonly arch: string;
  /** qjs or node; undefined: the architecture's default (runtimes.ts). */
  readonly runtime?: string;
  /** The .tar.gz to write. */
  readonly out: string;
  /** Where CMake builds the runtime's native part (default out/image-build/<arch> for node, out/image-build/qjs-<arch> for qjs). */
  readonly buildDir?: string;
  /** Where a fetched koffi binary is kept (default out/image-cache). */
  readonly cacheDir?: string;
  readonly say: (line: string) => void;
}

export interface BuiltImage {
  readonly file: string;
  /** The .tar.gz's size. */
  readonly bytes: number;
  /** The files' total size, unpacked. */
  readonly unpackedBytes: number;
  readonly name: string;
  readonly runtime: ImageRuntime;
  readonly manifest: Record<string, unknown>;
  readonly files: Record<string, FileRecord>;
  /** The CMake build directory of the runtime's native part: libelma_native and its C tests (ctest --test-dir), or elma-qjs. */
  readonly nativeBuildDir: string;
}

function checkOut(out: string): void {
  if (!/\.(tar\.gz|tgz)$/.test(out)) throw new ImageError(`--out ${out}`, 'must name a .tar.gz (or .tgz) file');
  const dir = path.dirname(path.resolve(out));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ImageError(`--out ${out}`, `its directory ${dir} does not exist`);
  if (existsSync(out) && statSync(out).isDirectory()) throw new ImageError(`--out ${out}`, 'is a directory');
}

function gitCommit(root: string): { commit: string; dirty: boolean } | null {
  const rev = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' });
  if (rev.status !== 0) return null;
  const st = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' });
  return { commit: rev.stdout.trim(), dirty: st.stdout.trim() !== '' };
}

const RUNTIME_NAMES: Readonly<Record<ImageRuntime, string>> = { node: 'Node.js', qjs: 'elma-qjs (QuickJS, static)' };

const README = (name: string, t: ImageTarget, runtime: ImageRuntime, install: string): string => `${name}: ELMA's device program for ${t.arch} (${t.uname}) Linux, run by ${RUNTIME_NAMES[runtime]}.

Install (as root, on the device; ${install}):
  sh install.sh --cloud HOST:PORT --server-key <the cloud's link public key, 64 hex digits>
  systemctl start elma-edge
manifest.json says what is in it and what the device must provide; install.sh --help its options.
The full story: docs/image.md in ELMA's repository.
`;

function imageEnv(name: string, t: ImageTarget, runtime: ImageRuntime, payload: RuntimePayload, releaseKey: string, depthLimit: number): string {
  return `# Read by install.sh (POSIX sh): what this image is. manifest.json says the same and more.
ELMA_IMAGE_NAME=${name}
ELMA_IMAGE_ARCH=${t.arch}
ELMA_RUNTIME=${runtime}
${Object.entries(payload.env).map(([k, v]) => `${k}=${v}\n`).join('')}ELMA_RELEASE_KEY=${releaseKey}
ELMA_DEPTH_LIMIT=${depthLimit}
`;
}

export async function buildImage(o: BuildImageOptions): Promise<BuiltImage> {
  const t = imageTarget(o.arch);
  const runtime = imageRuntime(o.runtime, t.arch);
  checkOut(o.out);
  const tc = nativeToolchain(t);
  const say = o.say;
  const name = `elma-image-${t.arch}`;
  const steps = runtime === 'node' ? 6 : 5;
  let at = 0;
  const step = (title: string): void => say(`[${++at}/${steps}] ${title}`);
  const stage = mkdtempSync(path.join(os.tmpdir(), 'elma-image-'));
  const img = path.join(stage, name);
  const lib = path.join(img, 'root', 'usr', 'lib', 'elma');
  try {
    step(`${name} (runtime ${runtime}): ${tc.cross ? `cross build on ${process.arch}` : 'native build'}; the model for slot A`);
    const model = stageModel(t, o, { root: o.root, out: path.join(img, 'slot-a'), say });

    const payload = runtime === 'node'
      ? await stageNodePayload(t, tc, { root: o.root, lib, buildDir: o.buildDir ?? path.join(o.root, 'out', 'image-build', t.arch), cacheDir: o.cacheDir ?? path.join(o.root, 'out', 'image-cache'), step, say })
      : await stageQjsPayload(t, tc, { root: o.root, lib, buildDir: o.buildDir ?? path.join(o.root, 'out', 'image-build', `qjs-${t.arch}`), step, say });

    step('the systemd units, the install script, the manifest');
    const units = path.join(img, 'root', 'etc', 'systemd', 'system');
    mkdirSync(path.join(units, 'serial-getty@ttyS0.service.d'), { recursive: true });
    copyFileSync(path.join(o.root, 'deploy', 'systemd', 'elma-edge.service'), path.join(units, 'elma-edge.service'));
    copyFileSync(path.join(o.root, 'deploy', 'systemd', 'serial-getty@ttyS0.service.d', 'elma-console.conf'), path.join(units, 'serial-getty@ttyS0.service.d', 'elma-console.conf'));
    mkdirSync(path.join(img, 'root', 'usr', 'bin'), { recursive: true });
    copyFileSync(path.join(o.root, payload.launcher), path.join(img, 'root', 'usr', 'bin', 'elma'));
    chmodSync(path.join(img, 'root', 'usr', 'bin', 'elma'), 0o755);
    copyFileSync(path.join(o.root, 'build', 'image', 'install.sh'), path.join(img, 'install.sh'));
    chmodSync(path.join(img, 'install.sh'), 0o755);
    writeFileSync(path.join(img, 'image.env'), imageEnv(name, t, runtime, payload, model.releaseKey, model.depthLimit));
    writeFileSync(path.join(img, 'README.txt'), README(name, t, runtime, payload.install));
    // The unit's Documentation= points here.
    writeFileSync(path.join(lib, 'README.md'), README(name, t, runtime, payload.install));
    writeFileSync(path.join(lib, 'THIRD-PARTY-NOTICES.txt'), payload.notices);

    const pkg = JSON.parse(readFileSync(path.join(o.root, 'package.json'), 'utf8')) as { version: string };
    const fields = {
      format: 'elma-device-image', format_version: 1, name, arch: t.arch, uname: t.uname, runtime, elma_version: pkg.version,
      source: gitCommit(o.root),
      ...payload.fields,
      model: {
        dir: 'slot-a', model_id: model.modelId, version: model.version, expires: model.expires, depth_limit: model.depthLimit,
        release_key: model.releaseKey, key_id: model.keyId, signed_by_image_build: model.signedHere,
      },
    };
    const { files, bytes: unpacked } = writeImageManifest(img, fields);

    step(o.out);
    const bytes = writeTarball(img, o.out, sourceDateEpoch(o.root));
    say(`wrote ${o.out}: ${(bytes / 1048576).toFixed(1)} MiB (${(unpacked / 1048576).toFixed(1)} MiB unpacked, ${Object.keys(files).length + 2} files); the device needs ${payload.needs}`);
    return { file: o.out, bytes, unpackedBytes: unpacked, name, runtime, manifest: { ...fields, bytes: unpacked }, files, nativeBuildDir: payload.buildDir };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
