/**
 * The demo's working directory (`elma demo --dir`): emptied before each run, so it must be one the
 * demo made. A directory is the demo's when it holds the marker file written at creation (or, from
 * runs before the marker, the demo's own release key and signed first version). Anything else
 * that is not empty is refused: `--dir ~` must never empty a home directory.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ElmaError } from '../../common/elma-error.ts';

export class DemoDirError extends ElmaError {}

export const DEMO_MARKER = '.elma-demo';

function isDemoDir(dir: string): boolean {
  return existsSync(path.join(dir, DEMO_MARKER)) || (existsSync(path.join(dir, 'release.key')) && existsSync(path.join(dir, 'v1.tar')));
}

/** Empty `dir` (made by an earlier demo) or create it, and mark it as the demo's. */
export function prepareDemoDir(dir: string): void {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new DemoDirError(`--dir ${dir}`, 'is a file; give a new or empty directory, or one an earlier demo used');
    const entries = readdirSync(dir);
    if (entries.length > 0 && !isDemoDir(dir)) {
      throw new DemoDirError(`--dir ${dir}`, `holds ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} (e.g. ${entries.slice(0, 3).join(', ')}) and is not an earlier demo's directory (no ${DEMO_MARKER}); the demo empties its directory, so give a new or empty one`);
    }
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, DEMO_MARKER), 'The working directory of `elma demo`: emptied at the start of each run.\n');
}
