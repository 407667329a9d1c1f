/**
 * What a `--runtime node` image carries in usr/lib/elma (docs/image.md): koffi's binary for the
 * architecture (koffi-binary.ts), the Node device program dist/elma-edge.mjs (device-program.ts)
 * and the native library built for the architecture (native-build.ts), with the manifest's
 * fields saying what the device must provide: Node.js 20+, the glibc the library and koffi need,
 * libopenblas.so.0.
 */
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ImageError } from './image-error.ts';
import { buildNative, compareGlibc, elfMachine, glibcVersions, type NativeToolchain } from './native-build.ts';
import { koffiBinary } from './koffi-binary.ts';
import { buildDeviceProgram } from './device-program.ts';
import { thirdPartyNotices } from './notices.ts';
import type { RuntimePayload } from './runtime-payload.ts';
import type { ImageTarget } from './targets.ts';

/** Node's major version the device program needs (package.json engines; esbuild's target node20). */
export const NODE_MIN = 20;

export async function stageNodePayload(t: ImageTarget, tc: NativeToolchain, o: {
  root: string; lib: string; buildDir: string; cacheDir: string; step: (title: string) => void; say: (line: string) => void;
}): Promise<RuntimePayload> {
  const { lib, say } = o;
  o.step(`koffi's binary for ${t.arch}`);
  const koffi = koffiBinary(t, { root: o.root, cacheDir: o.cacheDir, say });
  const kdir = path.join(lib, 'node_modules', ...koffi.package.split('/'));
  mkdirSync(path.join(kdir, t.koffiDir), { recursive: true });
  for (const f of ['package.json', 'index.js', path.join(t.koffiDir, 'koffi.node')]) copyFileSync(path.join(koffi.dir, f), path.join(kdir, f));
  const koffiNode = path.join(kdir, t.koffiDir, 'koffi.node');
  if (elfMachine(koffiNode) !== t.elfMachine) throw new ImageError(koffiNode, `is not an ${t.arch} binary`);
  say(`  ${koffi.package}@${koffi.version} (${koffi.source})`);

  o.step('the device program (esbuild: dist/elma-edge.mjs, minified, with its source map)');
  const program = await buildDeviceProgram(o.root, path.join(lib, 'dist'));
  say(`  ${path.basename(program.file)}: ${statSync(program.file).size} bytes from ${program.inputs.length} files; inlined packages: ${program.packages.join(', ')}`);

  o.step(`the native library for ${t.arch}`);
  const native = buildNative(t, tc, { root: o.root, buildDir: o.buildDir, say });
  mkdirSync(path.join(lib, 'dist', 'native'), { recursive: true });
  copyFileSync(native.library, path.join(lib, 'dist', 'native', 'libelma_native.so'));
  // Read before OpenBLAS loads, to choose its kernels from the CPU's features (docs/backends.md, "CPU dispatch").
  copyFileSync(native.cpuLibrary, path.join(lib, 'dist', 'native', 'libelma_cpu.so'));
  say(`  libelma_native.so: ${statSync(native.library).size} bytes; needs ${native.needed.join(', ')}; ${native.glibc.join(' ')}`);

  const koffiGlibc = glibcVersions(tc.readelf, koffiNode);
  const glibc = [...native.glibc, ...koffiGlibc].sort(compareGlibc).at(-1)?.replace('GLIBC_', '') ?? 'any';
  const others = native.needed.filter((n) => !/^(lib(c|m|pthread|dl)\.so|ld-linux)/.test(n)).join(', ') || 'nothing else';
  return {
    fields: {
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
    },
    env: { ELMA_NODE_MIN: String(NODE_MIN) },
    notices: thirdPartyNotices(o.root, program.packages, [koffi.dir]),
    launcher: path.join('build', 'image', 'elma.sh'),
    install: `Node.js ${NODE_MIN} or later must be installed`,
    needs: `Node.js >= ${NODE_MIN}, glibc >= ${glibc}, ${others}`,
    buildDir: native.buildDir,
  };
}
