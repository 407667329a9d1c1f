/**
 * What a `--runtime qjs` image carries in usr/lib/elma (docs/image.md, "The qjs image"):
 *
 *   bin/elma-qjs             the static elma-qjs-small for the architecture (qjs-host-binary.ts)
 *   dist/elma-qjs-edge.js    the device program bundled for it (qjs-device-program.ts)
 *
 * and nothing for the device to provide: no Node.js, no glibc of any version, no libopenblas.
 * Its notices add QuickJS's licence and the GNU C Library's, which the program links statically
 * (LGPL-2.1-or-later; ELMA's sources and build/qjs let anyone relink it with another glibc).
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { NativeToolchain } from './native-build.ts';
import { thirdPartyNotices, type NoticeSection } from './notices.ts';
import { buildQjsDeviceProgram, QJS_PROGRAM } from './qjs-device-program.ts';
import { buildQjsHost, type QjsHostBinary } from './qjs-host-binary.ts';
import type { RuntimePayload } from './runtime-payload.ts';
import type { ImageTarget } from './targets.ts';

/** Debian's copyright file of the C library the program was linked against (the cross one for arm64). */
function glibcNotice(t: ImageTarget, cross: boolean): NoticeSection {
  const candidates = cross ? [`/usr/share/doc/libc6-dev-${t.arch}-cross/copyright`, `/usr/share/doc/libc6-${t.arch}-cross/copyright`]
    : ['/usr/share/doc/libc6-dev/copyright', '/usr/share/doc/libc6/copyright'];
  const file = candidates.find((f) => existsSync(f));
  const relink = 'elma-qjs is linked statically with the GNU C Library (LGPL-2.1-or-later). Its object files are ELMA\'s sources '
    + '(build/qjs, kernels/native, QuickJS from the npm package qjsc; docs/qjs-runtime.md "Building"), so it can be relinked with '
    + 'a modified C library: cmake --build <dir> --target elma-qjs-small. Debian\'s copyright file of the C library follows.';
  return { title: 'GNU C Library (glibc), statically linked into bin/elma-qjs (LGPL-2.1-or-later)', text: `${relink}\n\n${file === undefined ? '(the build machine had no copyright file of libc6)' : readFileSync(file, 'utf8')}` };
}

function quickjsNotice(root: string, host: QjsHostBinary): NoticeSection {
  const dir = path.join(root, 'node_modules', 'qjsc', 'deps', 'quickjs_2021_03_27');
  return { title: `QuickJS ${host.quickjs} (MIT; Fabrice Bellard and Charlie Gordon), linked into bin/elma-qjs`, text: readFileSync(path.join(dir, 'LICENSE'), 'utf8') };
}

export async function stageQjsPayload(t: ImageTarget, tc: NativeToolchain, o: {
  root: string; lib: string; buildDir: string; step: (title: string) => void; say: (line: string) => void;
}): Promise<RuntimePayload> {
  const { lib, say } = o;
  o.step(`the device program for elma-qjs (esbuild: dist/${QJS_PROGRAM}, minified)`);
  mkdirSync(path.join(lib, 'dist'), { recursive: true });
  const program = await buildQjsDeviceProgram(o.root, path.join(lib, 'dist'));
  say(`  ${QJS_PROGRAM}: ${statSync(program.file).size} bytes from ${program.inputs.length} files; inlined packages: ${program.packages.join(', ')}`);

  o.step(`elma-qjs for ${t.arch} (static: QuickJS, the kernels and their sgemm in one program)`);
  const host = buildQjsHost(t, tc, { root: o.root, buildDir: o.buildDir, say });
  mkdirSync(path.join(lib, 'bin'), { recursive: true });
  const bin = path.join(lib, 'bin', 'elma-qjs');
  copyFileSync(host.file, bin);
  chmodSync(bin, 0o755);
  say(`  elma-qjs (${host.variant}): ${statSync(bin).size} bytes, static, stripped; needs ${host.kernel}`);

  return {
    fields: {
      requires: {
        node: null,
        glibc: null,
        shared_libraries: [],
        kernel: host.kernel,
        note: `nothing to install: elma-qjs is one static program (no Node.js, no glibc version, no libopenblas); ${host.kernel}. `
          + 'The cloud address must be numeric (IPv4, [IPv6]) or localhost: a static program resolves no host names',
      },
      program: { file: `root/usr/lib/elma/dist/${QJS_PROGRAM}`, inputs: program.inputs.length, packages: program.packages },
      host: {
        file: 'root/usr/lib/elma/bin/elma-qjs', variant: host.variant, quickjs: host.quickjs, linking: 'static', stripped: true,
        cflags: host.cflags, compiler: host.compiler, kernel: host.kernel,
      },
    },
    env: {},
    notices: thirdPartyNotices(o.root, program.packages, [], [quickjsNotice(o.root, host), glibcNotice(t, tc.cross)]),
    launcher: path.join('build', 'image', 'elma-qjs.sh'),
    install: 'nothing else need be installed: elma-qjs is one static program',
    needs: `nothing but ${host.kernel} (a static program)`,
    buildDir: host.buildDir,
  };
}
