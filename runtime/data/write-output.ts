/**
 * Writing a command's output file so that a failure is one clear line and a half-written file is
 * never left under the final name: write a temporary file beside it, then rename.
 */
import { writeFileAtomic } from '../../common/node/atomic-file.ts';
import { DataError } from './errors.ts';

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'its directory does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'ENOTDIR') return 'a part of the path is not a directory';
  return (e as Error).message;
}

export function writeOutput(file: string, data: string | Uint8Array): void {
  try {
    writeFileAtomic(file, data);
  } catch (e) {
    throw new DataError(file, `cannot be written (${reason(e)})`);
  }
}
