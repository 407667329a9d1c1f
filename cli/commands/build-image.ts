/**
 * `elma build image`: the device image (docs/image.md; build/image/build-image.ts does the work).
 * A development command: it needs the repository (models, CMakeLists.txt, node_modules, esbuild),
 * so it is in the development program only, not in the device or cloud program.
 */
import path from 'node:path';
import { DEFAULT_EXPIRY_DAYS, parseExpiry } from '../../models/bundle/release.ts';
import { repoRoot } from '../../runtime/repo-root.ts';
import { IMAGE_ARCHS } from '../../build/image/targets.ts';
import { DEFAULT_RUNTIME, IMAGE_RUNTIMES } from '../../build/image/runtimes.ts';
import { buildImage } from '../../build/image/build-image.ts';
import { optionalInt, requireString, UsageError, type Command } from '../command.ts';

const HELP = `Usage: elma build image --arch ${IMAGE_ARCHS.join('|')} --out <file.tar.gz> [--runtime ${IMAGE_RUNTIMES.join('|')}] [--release-key <secret key file> | --model <signed dir|tar> --release-pubkey <key>] [options]

Builds the device image: one .tar.gz with the device program (no cloud code), what runs it, the
model for slot A, the systemd units, an install script and a manifest with every file's sha256
(docs/image.md). What runs it (--runtime):
  qjs    elma-qjs, one static program (QuickJS with ELMA's C kernels): the device needs no Node.js
         and no particular glibc, so it runs on a stock Jetson TX2 (JetPack 4.6, glibc 2.27)
  node   Node.js 20+ on the device, with dist/elma-edge.mjs, koffi's binary and the native library
         built for the architecture (against Debian's OpenBLAS; the device needs glibc 2.34+)
arm64 is cross-compiled with gcc-aarch64-linux-gnu.

  --arch arm64|x64         the device's architecture (Node's names: arm64 for a Jetson)
  --runtime qjs|node       what runs the device program (default ${DEFAULT_RUNTIME.arm64} for arm64, ${DEFAULT_RUNTIME.x64} for x64)
  --out <file.tar.gz>      the image; written whole or not at all
  --release-key <file>     the release signing key (elma keygen): signs models/default, which is not
                           signed in the repository, for slot A; devices trust its public key
  --model <dir|tar>        instead: a signed bundle (elma bundle pack), verified, never re-signed
  --release-pubkey <key>   the key --model must verify against (64 hex digits or a file)
  --model-version N        the version models/default is signed as (default 1)
  --expires <when>         its expiry: a date, a date and time with a zone, or +days (default +${DEFAULT_EXPIRY_DAYS});
                           install.sh verifies the model, so the image installs until then
  --json                   print the result as one JSON object (size, files, manifest)

Environment: ELMA_CROSS_CC the cross C compiler (default aarch64-linux-gnu-gcc); SOURCE_DATE_EPOCH
the archive's timestamps (default the commit's time).`;

export const buildCommand: Command = {
  name: 'build',
  summary: 'Build the device image for arm64 or x64 on elma-qjs or Node: program, runtime, model, systemd units, install script (build image)',
  help: HELP,
  options: {
    arch: { type: 'string' }, runtime: { type: 'string' }, out: { type: 'string' }, model: { type: 'string' }, 'release-key': { type: 'string' },
    'release-pubkey': { type: 'string' }, 'model-version': { type: 'string' }, expires: { type: 'string' }, json: { type: 'boolean' },
  },
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    if (args.positionals[0] !== 'image') throw new UsageError(`unknown subcommand "${args.positionals[0] ?? ''}"; known: image`);
    const arch = requireString(args, 'arch');
    const out = path.resolve(requireString(args, 'out'));
    const now = Date.now();
    const exp = args.values.expires;
    const expires = parseExpiry(typeof exp === 'string' ? exp : `+${DEFAULT_EXPIRY_DAYS}`, now);
    if (expires === null) throw new UsageError(`--expires must be a date (2027-01-31), a date and time with a zone, or +days, got ${JSON.stringify(exp)}`);
    if (Date.parse(expires) <= now) throw new UsageError(`--expires ${String(exp)} is in the past; the install would refuse the model as expired`);
    const str = (k: string): string | undefined => (typeof args.values[k] === 'string' ? args.values[k] as string : undefined);
    const model = str('model'), releaseKey = str('release-key'), releasePubkey = str('release-pubkey');
    const json = args.values.json === true;
    const runtime = str('runtime');
    const r = await buildImage({
      root: repoRoot(), arch, out, ...(runtime === undefined ? {} : { runtime }), modelVersion: optionalInt(args, 'model-version', 1, 1), expires, now,
      ...(model === undefined ? {} : { model: path.resolve(model) }),
      ...(releaseKey === undefined ? {} : { releaseKey }),
      ...(releasePubkey === undefined ? {} : { releasePubkey }),
      say: (l) => (json ? io.stderr : io.stdout)(`${l}\n`),
    });
    if (json) {
      io.stdout(`${JSON.stringify({ file: r.file, bytes: r.bytes, unpacked_bytes: r.unpackedBytes, name: r.name, runtime: r.runtime, native_build_dir: r.nativeBuildDir, manifest: r.manifest })}\n`);
    }
    return 0;
  },
};
