/**
 * `elma demo --dir`: the demo empties its working directory before each run, so it refuses any
 * directory that holds something and is not an earlier demo's (runtime/demo/demo-dir.ts).
 */
import test from 'ava';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { elma, scratch } from '../_cli.ts';
import { DEMO_MARKER, DemoDirError, prepareDemoDir } from '../../runtime/demo/demo-dir.ts';

test('a directory with someone\'s files is refused in one line and left as it was', async (t) => {
  const home = scratch('elma-demo-home-');
  writeFileSync(path.join(home, 'thesis.tex'), 'years of work');
  mkdirSync(path.join(home, 'photos'));
  const r = await elma(['demo', '--dir', home]);
  t.is(r.code, 1);
  t.is(r.stderr, `elma demo: --dir ${home}: holds 2 entries (e.g. photos, thesis.tex) and is not an earlier demo's directory (no ${DEMO_MARKER}); the demo empties its directory, so give a new or empty one\n`);
  t.deepEqual(readdirSync(home).sort(), ['photos', 'thesis.tex']);
  t.is(readFileSync(path.join(home, 'thesis.tex'), 'utf8'), 'years of work');
  const file = path.join(home, 'thesis.tex');
  t.throws(() => prepareDemoDir(file), { instanceOf: DemoDirError, message: `--dir ${file}: is a file; give a new or empty directory, or one an earlier demo used` });
});

test('a new, an empty and an earlier demo\'s directory are used: emptied and marked', (t) => {
  const base = scratch('elma-demo-dirs-');
  const fresh = path.join(base, 'new', 'demo');
  prepareDemoDir(fresh);
  t.deepEqual(readdirSync(fresh), [DEMO_MARKER]);
  writeFileSync(path.join(fresh, 'device.log'), 'an earlier run');
  prepareDemoDir(fresh);
  t.deepEqual(readdirSync(fresh), [DEMO_MARKER], 'an earlier demo\'s files are removed');
  const empty = path.join(base, 'empty');
  mkdirSync(empty);
  prepareDemoDir(empty);
  t.true(existsSync(path.join(empty, DEMO_MARKER)));
  // From before the marker: the demo's own release key and signed first version.
  const old = path.join(base, 'old');
  mkdirSync(old);
  for (const f of ['release.key', 'v1.tar', 'cloud.log']) writeFileSync(path.join(old, f), 'x');
  prepareDemoDir(old);
  t.deepEqual(readdirSync(old), [DEMO_MARKER]);
});
