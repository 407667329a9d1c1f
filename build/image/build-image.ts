/**
 * `elma build image` (docs/image.md): one .tar.gz that installs ELMA's device program on a device
 * of one architecture. In order, cheapest checks first, so bad input fails before anything is
 * built and nothing is ever half-written at --out:
 *   1. the target (targets.ts), --out's directory, the build tools (cmake, the cross compiler)
 *   2. the model for slot A, verified or signed (image-model.ts)
 *   3. koffi's binary for the architecture (koffi-binary.ts)
 *   4. the device program, bundled afresh (device-program.ts)
 *   5. the native library, built for the architecture (native-build.ts)
 *   6. the layout, the manifest and SHA256SUMS (image-manifest.ts), the tarball (tarball.ts)
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ImageError } from './image-error.ts';
import { imageTarget, type ImageTarget } from './targets.ts';
import { buildNative, compareGlibc, elfMachine, glibcVersions, nativeToolchain } from './native-build.ts';
import { koffiBinary } from './koffi-binary.ts';
import { buildDeviceProgram } from './device-program.ts';
import { stageModel, type ModelChoice } from './image-model.ts';
import { thirdPartyNotices } from './notices.ts';
import { writeImageManifest, type FileRecord } from './image-manifest.ts';
import { sourceDateEpoch, writeTarball } from './tarball.ts';

/** Node's major version the device program needs (package.json engines; esbuild's target node20). */
export const NODE_MIN = 20;

export interface BuildImageOptions extends ModelChoice {
  /** The repository. */
  readonly root: string;
  readonly arch: string;
  /** The .tar.gz to write. */
  readonly out: string;
  /** Where CMake builds the native library (default out/image-build/<arch>). */
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
  readonly manifest: Record<string, unknown>;
  readonly files: Record<string, FileRecord>;
  /** The native library's CMake build directory (its C tests: ctest --test-dir). */
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

const README = (name: string, t: ImageTarget): string => `${name}: ELMA's device program for ${t.arch} (${t.uname}) Linux.

Install (as root, on the device; Node.js ${NODE_MIN} or later must be installed):
  sh install.sh --cloud HOST:PORT --server-key <the cloud's link public key, 64 hex digits>
  systemctl start elma-edge
manifest.json says what is in it and what the device must provide; install.sh --help its options.
The full story: docs/image.md in ELMA's repository.
`;

function imageEnv(name: string, t: ImageTarget, releaseKey: string, depthLimit: number): string {
  return `# Read by install.sh (POSIX sh): what this image is. manifest.json says the same and more.
ELMA_IMAGE_NAME=${name}
ELMA_IMAGE_ARCH=${t.arch}
ELMA_NODE_MIN=${NODE_MIN}
ELMA_RELEASE_KEY=${releaseKey}
ELMA_DEPTH_LIMIT=${depthLimit}
`;
}

export async function buildImage(o: BuildImageOptions): Promise<BuiltImage> {
  const t = imageTarget(o.arch);
  checkOut(o.out);
  const tc = nativeToolchain(t);
  const say = o.say;
  const name = `elma-image-${t.arch}`;
  const stage = mkdtempSync(path.join(os.tmpdir(), 'elma-image-'));
  const img = path.join(stage, name);
  const lib = path.join(img, 'root', 'usr', 'lib', 'elma');
  try {
    say(`[1/6] ${name}: ${tc.cross ? `cross build on ${process.arch}` : 'native build'}; the model for slot A`);
    const model = stageModel(t, o, { root: o.root, out: path.join(img, 'slot-a'), say });

    say(`[2/6] koffi's binary for ${t.arch}`);
    const koffi = koffiBinary(t, { root: o.root, cacheDir: o.cacheDir ?? path.join(o.root, 'out', 'image-cache'), say });
    const kdir = path.join(lib, 'node_modules', ...koffi.package.split('/'));
    mkdirSync(path.join(kdir, t.koffiDir), { recursive: true });
    for (const f of ['package.json', 'index.js', path.join(t.koffiDir, 'koffi.node')]) copyFileSync(path.join(koffi.dir, f), path.join(kdir, f));
    const koffiNode = path.join(kdir, t.koffiDir, 'koffi.node');
    if (elfMachine(koffiNode) !== t.elfMachine) throw new ImageError(koffiNode, `is not an ${t.arch} binary`);
    say(`  ${koffi.package}@${koffi.version} (${koffi.source})`);

    say('[3/6] the device program (esbuild: dist/elma-edge.mjs, minified, with its source map)');
    const program = await buildDeviceProgram(o.root, path.join(lib, 'dist'));
    say(`  ${path.basename(program.file)}: ${statSync(program.file).size} bytes from ${program.inputs.length} files; inlined packages: ${program.packages.join(', ')}`);

    say(`[4/6] the native library for ${t.arch}`);
    const native = buildNative(t, tc, { root: o.root, buildDir: o.buildDir ?? path.join(o.root, 'out', 'image-build', t.arch), say });
    mkdirSync(path.join(lib, 'dist', 'native'), { recursive: true });
    copyFileSync(native.library, path.join(lib, 'dist', 'native', 'libelma_native.so'));
    // Read before OpenBLAS loads, to choose its kernels from the CPU's features (docs/backends.md, "CPU dispatch").
    copyFileSync(native.cpuLibrary, path.join(lib, 'dist', 'native', 'libelma_cpu.so'));
    say(`  libelma_native.so: ${statSync(native.library).size} bytes; needs ${native.needed.join(', ')}; ${native.glibc.join(' ')}`);

    say('[5/6] the systemd units, the install script, the manifest');
    const units = path.join(img, 'root', 'etc', 'systemd', 'system');
    mkdirSync(path.join(units, 'serial-getty@ttyS0.service.d'), { recursive: true });
    copyFileSync(path.join(o.root, 'deploy', 'systemd', 'elma-edge.service'), path.join(units, 'elma-edge.service'));
    copyFileSync(path.join(o.root, 'deploy', 'systemd', 'serial-getty@ttyS0.service.d', 'elma-console.conf'), path.join(units, 'serial-getty@ttyS0.service.d', 'elma-console.conf'));
    mkdirSync(path.join(img, 'root', 'usr', 'bin'), { recursive: true });
    copyFileSync(path.join(o.root, 'build', 'image', 'elma.sh'), path.join(img, 'root', 'usr', 'bin', 'elma'));
    chmodSync(path.join(img, 'root', 'usr', 'bin', 'elma'), 0o755);
    copyFileSync(path.join(o.root, 'build', 'image', 'install.sh'), path.join(img, 'install.sh'));
    chmodSync(path.join(img, 'install.sh'), 0o755);
    writeFileSync(path.join(img, 'image.env'), imageEnv(name, t, model.releaseKey, model.depthLimit));
    writeFileSync(path.join(img, 'README.txt'), README(name, t));
    // The unit's Documentation= points here.
    writeFileSync(path.join(lib, 'README.md'), README(name, t));
    writeFileSync(path.join(lib, 'THIRD-PARTY-NOTICES.txt'), thirdPartyNotices(o.root, program.packages, [koffi.dir]));

    const koffiGlibc = glibcVersions(tc.readelf, koffiNode);
    const glibc = [...native.glibc, ...koffiGlibc].sort(compareGlibc).at(-1)?.replace('GLIBC_', '') ?? 'any';
    const pkg = JSON.parse(readFileSync(path.join(o.root, 'package.json'), 'utf8')) as { version: string };
    const fields = {
      format: 'elma-device-image', format_version: 1, name, arch: t.arch, uname: t.uname, elma_version: pkg.version,
      source: gitCommit(o.root),
      requires: {
        node: `>=${NODE_MIN}`,
        glibc: `>=${glibc}`,
        shared_libraries: native.needed,
        note: `Node.js ${NODE_MIN}+ for ${t.arch} on PATH (or install.sh --node); glibc ${glibc} or later for the native library and koffi `
          + `(without it the device program runs on the js backend and says so); libopenblas.so.0 (Ubuntu: apt-get install libopenblas0, or libopenblas-base) for the native library`,
      },
      program: { file: 'root/usr/lib/elma/dist/elma-edge.mjs', inputs: program.inputs.length, packages: program.packages },
      native: { file: 'root/usr/lib/elma/dist/native/libelma_native.so', cflags: native.cflags, compiler: native.compiler, glibc: native.glibc, needed: native.needed },
      koffi: { package: koffi.package, version: koffi.version, glibc: koffiGlibc },
      model: {
        dir: 'slot-a', model_id: model.modelId, version: model.version, expires: model.expires, depth_limit: model.depthLimit,
        release_key: model.releaseKey, key_id: model.keyId, signed_by_image_build: model.signedHere,
      },
    };
    const { files, bytes: unpacked } = writeImageManifest(img, fields);

    say(`[6/6] ${o.out}`);
    const bytes = writeTarball(img, o.out, sourceDateEpoch(o.root));
    say(`wrote ${o.out}: ${(bytes / 1048576).toFixed(1)} MiB (${(unpacked / 1048576).toFixed(1)} MiB unpacked, ${Object.keys(files).length + 2} files); the device needs Node.js >= ${NODE_MIN}, glibc >= ${glibc}, ${native.needed.filter((n) => !/^(lib(c|m|pthread|dl)\.so|ld-linux)/.test(n)).join(', ') || 'nothing else'}`);
    return { file: o.out, bytes, unpackedBytes: unpacked, name, manifest: { ...fields, bytes: unpacked }, files, nativeBuildDir: native.buildDir };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
