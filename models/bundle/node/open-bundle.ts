/** Node glue: a bundle given on the command line, a directory or a `.tar` read in place, as BundleFiles. */
import { existsSync, statSync } from 'node:fs';
import { BundleError } from '../../errors.ts';
import type { BundleFiles } from '../bundle-files.ts';
import { tarFiles } from '../tar-read.ts';
import { dirFiles } from './dir-files.ts';
import { openFileAccess } from './file-access.ts';

/** Run `use` on the bundle at `target`; an archive's descriptor is closed afterwards, whatever happens. */
export function withBundleFiles<T>(target: string, use: (files: BundleFiles) => T): T {
  if (!existsSync(target)) throw new BundleError(target, 'no such bundle directory or archive');
  const st = statSync(target);
  if (st.isDirectory()) return use(dirFiles(target));
  if (!st.isFile()) throw new BundleError(target, 'is neither a bundle directory nor a .tar file');
  const access = openFileAccess(target);
  try {
    return use(tarFiles(access, target));
  } finally {
    access.close();
  }
}
