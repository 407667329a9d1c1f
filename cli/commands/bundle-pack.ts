/** `elma bundle pack`: sign a bundle directory for release, optionally as one `.tar` (docs/bundles.md). */
import { UsageError, optionalInt, requireString, type ParsedArgs } from '../command.ts';
import type { BundleSubcommand } from './bundle.ts';
import { readSigningKeyFile } from '../../models/bundle/node/key-file.ts';
import { packDir } from '../../models/bundle/node/pack-dir.ts';
import { writeChunkIndexFile } from '../../models/bundle/node/index-file.ts';
import { DEFAULT_CHUNKS, MAX_CHUNK_SIZE, MAX_DEFAULT_CHUNK_SIZE, MIN_CHUNK_SIZE, MIN_DEFAULT_CHUNK_SIZE } from '../../models/bundle/chunk-index.ts';
import { DEFAULT_EXPIRY_DAYS, parseExpiry, type ReleaseFields } from '../../models/bundle/release.ts';
import { formatTarget, parseTarget, TARGET_ARCHS, TARGET_BACKENDS } from '../../models/bundle/target.ts';
import { readManifest } from '../../models/bundle/bundle-dir.ts';
import { isWeightsFormat, weightsFormatOf, WEIGHTS_FORMATS, type WeightsFormat } from '../../models/weights/weights-format.ts';
import { convertBundle, type ConvertedBundle } from '../../runtime/convert-bundle.ts';

function releaseFields(args: ParsedArgs): ReleaseFields {
  if (args.values.version === undefined) throw new UsageError('missing required option --version');
  const version = optionalInt(args, 'version', 0, 1);
  const exp = args.values.expires;
  const expires = parseExpiry(typeof exp === 'string' ? exp : `+${DEFAULT_EXPIRY_DAYS}`, Date.now());
  if (expires === null) throw new UsageError(`--expires must be a date (2027-01-31), a date and time with a zone, or +days, got ${JSON.stringify(exp)}`);
  if (Date.parse(expires) <= Date.now()) throw new UsageError(`--expires ${String(exp)} is in the past; devices would refuse the bundle as expired`);
  const t = args.values.target;
  const target = parseTarget(typeof t === 'string' ? t : 'any/any');
  if (target === null) {
    throw new UsageError(`--target must be <arch>/<backend> with arch one of ${TARGET_ARCHS.join(', ')} and backend one of ${TARGET_BACKENDS.join(', ')}; got ${JSON.stringify(t)}`);
  }
  const mr = args.values['min-runtime'];
  if (mr !== undefined && (typeof mr !== 'string' || !/^\d+(\.\d+)*$/.test(mr))) throw new UsageError(`--min-runtime must be a dotted version like 0.1.0, got ${JSON.stringify(mr)}`);
  return { version, expires, target, ...(typeof mr === 'string' ? { minRuntimeVersion: mr } : {}) };
}

/**
 * `--weights F [--into DIR]`: the directory to sign, converting first when the format changes. A
 * conversion writes a new directory, so the fp32 bundle (which the cloud keeps for its own full
 * model and for retraining) is never replaced by its quantised copy.
 */
function weightsStep(dir: string, args: ParsedArgs): { dir: string; conversion?: ConvertedBundle } {
  const w = args.values.weights;
  const into = args.values.into;
  if (into !== undefined && (typeof into !== 'string' || into === '')) throw new UsageError('--into needs a directory');
  if (w === undefined) {
    if (into !== undefined) throw new UsageError('--into needs --weights fp32|fp16|int8 (the format to convert to)');
    return { dir };
  }
  if (!isWeightsFormat(w)) throw new UsageError(`--weights must be one of ${WEIGHTS_FORMATS.join(', ')}, got ${JSON.stringify(w)}`);
  const format: WeightsFormat = w;
  if (typeof into === 'string') return { dir: into, conversion: convertBundle(dir, into, format) };
  const have = weightsFormatOf(readManifest(dir).manifest);
  if (have !== format) {
    throw new UsageError(`--weights ${format}: ${dir} holds ${have} weights; add --into <new dir> to write the ${format} bundle there (${dir} is left as it is)`);
  }
  return { dir };
}

function conversionLine(src: string, c: ConvertedBundle): string {
  const f = c.manifest.weights_format ?? 'fp32';
  const ratio = c.weightsBytesAfter / c.weightsBytesBefore;
  const changes = c.goldenChanges.map((g) => `golden[${g.index}] ${JSON.stringify(g.question)}: ${JSON.stringify(g.before)} → ${JSON.stringify(g.after)}`);
  const golden = c.manifest.golden.length === 0 ? 'no golden questions'
    : changes.length === 0 ? `golden answers: all ${c.manifest.golden.length} as before`
      : `golden answers recomputed, ${changes.length} of ${c.manifest.golden.length} changed (${changes.join('; ')})`;
  return `converted ${src} (fp32) into ${f}: ${c.weights.converted.length} tensors (${c.weights.convertedParams} of ${c.weights.totalParams} parameters); `
    + `weights ${c.weightsBytesBefore} → ${c.weightsBytesAfter} bytes (${ratio.toFixed(3)}×); ${golden}\n`;
}

export const bundlePack: BundleSubcommand = {
  name: 'pack',
  help: `elma bundle pack <dir> --key <secret-key-file> --version N [--expires <date|+days>]
    [--target <arch>/<backend>] [--min-runtime V] [--weights fp32|fp16|int8 --into <new dir>]
    [--out <file.tar> [--chunk-size N]]

Signs the bundle directory <dir> for release, in place: sets the version, expiry, target and minimum
runtime in manifest.json, hashes every listed file again, and writes signature.ed25519 (Ed25519 over
the canonical manifest). The packed bundle is then checked as a device would check it.
  --key <file>         the secret key file from elma keygen
  --version N          the model version (≥ 1); devices refuse any version not above what they run
  --expires <when>     2027-01-31, 2027-01-31T12:00:00Z, or +days (default +${DEFAULT_EXPIRY_DAYS}); devices refuse it after that
  --target <a>/<b>     the architecture and backend it is for (default any/any); e.g. arm64/cuda
  --min-runtime V      the oldest ELMA runtime that may install it (default: the manifest's)
  --weights F          the weight format: fp32, fp16, or int8 (symmetric, one scale per output
                       channel); converting an fp32 bundle needs --into (see docs/bundles.md)
  --into <dir>         write the converted bundle to this new directory and sign it there; its
                       golden answers are recomputed with the converted model (<dir> is left as it is)
  --out <file.tar>     also write the bundle as one POSIX ustar archive for transfer, and its signed
                       chunk index <file.tar>.index.json (what elma serve --offer sends to devices)
  --chunk-size N       bytes per chunk of that index (${MIN_CHUNK_SIZE}..${MAX_CHUNK_SIZE}; default: the smallest power of
                       two from ${MIN_DEFAULT_CHUNK_SIZE} to ${MAX_DEFAULT_CHUNK_SIZE} giving at most ${DEFAULT_CHUNKS} chunks; smaller chunks let a
                       device rebuild more of an update from the files it has, see docs/ota.md)`,
  options: {
    key: { type: 'string' }, version: { type: 'string' }, expires: { type: 'string' },
    target: { type: 'string' }, 'min-runtime': { type: 'string' }, out: { type: 'string' }, 'chunk-size': { type: 'string' },
    weights: { type: 'string' }, into: { type: 'string' },
  },
  async run(source, args, io) {
    const fields = releaseFields(args);
    const out = args.values.out;
    if (out !== undefined && (typeof out !== 'string' || out === '')) throw new UsageError('--out needs a file name');
    if (args.values['chunk-size'] !== undefined && typeof out !== 'string') throw new UsageError('--chunk-size needs --out <file.tar>');
    const chunkSize = args.values['chunk-size'] === undefined ? undefined : optionalInt(args, 'chunk-size', MIN_CHUNK_SIZE, MIN_CHUNK_SIZE);
    if (chunkSize !== undefined && chunkSize > MAX_CHUNK_SIZE) throw new UsageError(`--chunk-size must be at most ${MAX_CHUNK_SIZE}, got ${chunkSize}`);
    const key = readSigningKeyFile(requireString(args, 'key'));
    let dir: string;
    try {
      const step = weightsStep(source, args);
      dir = step.dir;
      if (step.conversion !== undefined) io.stdout(conversionLine(source, step.conversion));
    } catch (e) {
      key.secretKey.fill(0);
      throw e;
    }
    let r: ReturnType<typeof packDir>;
    let index: ReturnType<typeof writeChunkIndexFile> | undefined;
    try {
      r = packDir(dir, fields, key, typeof out === 'string' ? out : undefined);
      if (r.archive !== undefined) index = writeChunkIndexFile(r.archive.file, r.release.manifest, key, chunkSize);
    } finally {
      key.secretKey.fill(0);
    }
    const m = r.release.manifest;
    const files = Object.values(m.files);
    const bytes = files.reduce((n, e) => n + e.size, 0);
    io.stdout(`packed ${dir}: ${m.model_id} version ${m.version}, key ${r.release.signature.key_id}, expires ${m.expires ?? ''}, `
      + `target ${m.target === undefined ? '' : formatTarget(m.target)}, min runtime ${m.min_runtime_version}, `
      + `${m.weights_format === undefined || m.weights_format === 'fp32' ? '' : `weights ${m.weights_format}, `}${files.length} files (${bytes} bytes)`
      + `${r.archive === undefined ? '' : `; archive ${r.archive.file} (${r.archive.bytes} bytes)`}`
      + `${index === undefined ? '' : `; chunk index ${index.file} (${index.signed.index.chunks.length} chunks of ${index.signed.index.chunk_size} bytes)`}\n`);
    return 0;
  },
};
