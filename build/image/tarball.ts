/**
 * The image file: one directory packed by GNU tar and compressed with gzip, written atomically
 * (common/node/atomic-file.ts), so --out holds the whole image or nothing. The archive is
 * reproducible: names sorted, owner root, one modification time (SOURCE_DATE_EPOCH, else the
 * commit's time; reproducible-builds.org's convention), modes normalised; gzip's header carries no
 * name and no time (zlib writes mtime 0).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { gzipSync, constants as zlib } from 'node:zlib';
import { writeFileAtomic } from '../../common/node/atomic-file.ts';
import { ImageError } from './image-error.ts';

/** Seconds since 1970 for every member's mtime. */
export function sourceDateEpoch(root: string): number {
  const env = process.env.SOURCE_DATE_EPOCH;
  if (env !== undefined && /^\d+$/.test(env)) return Number(env);
  const r = spawnSync('git', ['log', '-1', '--format=%ct'], { cwd: root, encoding: 'utf8' });
  const t = Number(r.stdout?.trim());
  return r.status === 0 && Number.isSafeInteger(t) && t > 0 ? t : Math.floor(Date.now() / 1000);
}

/** Pack `dir` (its name becomes the top folder) into `out` (.tar.gz); returns the file's size. */
export function writeTarball(dir: string, out: string, mtime: number): number {
  const r = spawnSync('tar', [
    '--create', '--format=gnu', '--sort=name', '--owner=0', '--group=0', '--numeric-owner',
    `--mtime=@${mtime}`, '--mode=u+rwX,go+rX,go-w', '--file=-', '-C', path.dirname(dir), path.basename(dir),
  ], { maxBuffer: 1 << 30 });
  if (r.error !== undefined) throw new ImageError('tar', `could not run (${r.error.message}); GNU tar is needed (apt-get install tar)`);
  if (r.status !== 0) throw new ImageError('tar', `failed: ${r.stderr.toString().trim().split('\n').slice(-3).join(' ')}`);
  const gz = gzipSync(r.stdout, { level: zlib.Z_BEST_COMPRESSION });
  writeFileAtomic(out, gz);
  return gz.byteLength;
}
