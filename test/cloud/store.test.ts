/**
 * The hard-question store (issue 12): the same tests on SQLite (a temp file) and on PostgreSQL when
 * ELMA_TEST_POSTGRES names a server (a connection URL; .ci/run starts one with test/cloud/_postgres.sh),
 * each PostgreSQL test in a database of its own. Without it the PostgreSQL variants are skips whose
 * title says why.
 */
import test from 'ava';
import Database from 'better-sqlite3';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openStore, StoreError, type NewQuestion } from '../../cloud/store/question-store.ts';
import { applyCorrections, exportStore } from '../../cloud/store/store-commands.ts';
import { readSquadFile } from '../../cli/commands/_read-squad.ts';
import { scratch } from '../_cli.ts';
import { tcpFront } from '../transport/_procs.ts';
import { BACKENDS, openForTest, PG_REASON, pgQuery, sqlite } from './_store-backends.ts';
import { testUnless } from '../_skip.ts';
import { CONTEXTS, makeQuestion } from './_store-fixtures.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const PG_SCRIPT = path.join(HERE, '_postgres.sh');
const CHILD = path.join(HERE, '_store-child.ts');
const run = promisify(execFile);
const open = openForTest;

for (const [b, reason] of BACKENDS) {
  const it = testUnless(reason);

  it(`${b.name}: a question is stored once; resends, also after reopening, return false and change nothing`, async (t) => {
    const spec = await b.fresh();
    const s = await open(t, spec);
    const q = makeQuestion(1);
    t.true(await s.add(q));
    t.false(await s.add(q));
    t.false(await s.add({ ...q, question: 'A different question?', context: 'A new context.' }));
    t.true(await s.add({ ...q, device: 'other-device' }), 'the same request id from another device is another question');
    t.is(await s.count(), 2);
    t.is(await b.rows(spec, 'contexts'), 1, 'the refused duplicate stored no context');
    await s.close();
    const s2 = await open(t, spec);
    t.false(await s2.add(q));
    t.is(await s2.count(), 2);
    const [first] = await s2.list();
    t.like(first, { device: 'dev-1', requestId: 1, question: q.question, context: q.context });
  });

  it(`${b.name}: a context is stored once per distinct text`, async (t) => {
    const spec = await b.fresh();
    const s = await open(t, spec);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => s.add(makeQuestion(i))));
    t.deepEqual(results, Array(12).fill(true));
    t.is(await s.count(), 12);
    t.is(await b.rows(spec, 'contexts'), CONTEXTS.length);
    t.is(await b.rows(spec, 'questions'), 12);
  });

  it(`${b.name}: list in seq order, after a seq, at most limit; every field read back`, async (t) => {
    const s = await open(t, await b.fresh());
    const qs = Array.from({ length: 10 }, (_, i) => makeQuestion(i));
    for (const q of qs) t.true(await s.add(q));
    const all = await s.list();
    t.is(all.length, 10);
    for (let i = 1; i < all.length; i++) t.true(all[i]!.seq > all[i - 1]!.seq);
    all.forEach((got, i) => {
      const { seq, ...rest } = got;
      t.true(Number.isSafeInteger(seq));
      t.deepEqual(rest, qs[i] as NewQuestion);
      t.true(got.receivedAt instanceof Date);
    });
    t.deepEqual((await s.list({ afterSeq: all[3]!.seq })).map((q) => q.requestId), [4, 5, 6, 7, 8, 9]);
    t.deepEqual((await s.list({ limit: 3 })).map((q) => q.requestId), [0, 1, 2]);
    t.deepEqual((await s.list({ afterSeq: all[3]!.seq, limit: 2 })).map((q) => q.requestId), [4, 5]);
    t.deepEqual(await s.list({ afterSeq: all[9]!.seq }), []);
    t.deepEqual(await s.list({ limit: 0 }), []);
    await t.throwsAsync(s.list({ limit: -1 }), { instanceOf: StoreError, message: /limit -1/ });
    await t.throwsAsync(s.list({ afterSeq: 1.5 }), { instanceOf: StoreError, message: /afterSeq 1.5/ });
  });

  it(`${b.name}: corrections take precedence in the SQuAD 2.0 export, which the project's reader reads back`, async (t) => {
    const spec = await b.fresh();
    const s = await open(t, spec);
    const ctx = CONTEXTS[0]!;
    const q = (i: number, question: string, cloudText: string, over: Partial<NewQuestion> = {}) => {
      const base = makeQuestion(i, { context: ctx, question, ...over });
      const start = cloudText === '' ? 0 : ctx.indexOf(cloudText);
      return { ...base, cloud: { ...base.cloud, text: cloudText, start, end: start + cloudText.length } };
    };
    t.true(await s.add(q(1, 'Who gave their name to Normandy?', 'The Normans')));
    t.true(await s.add(q(2, 'When?', '')));
    t.true(await s.add(q(3, 'Where is Normandy?', 'Normandy')));
    t.true(await s.add(q(4, 'Where is Normandy?', 'Normandy', { device: 'dev-x' })));
    t.true(await s.add(q(5, 'Which century?', '10th')));
    t.true(await s.add(makeQuestion(8)));
    t.is(await s.correct(ctx, 'Where is Normandy?', 'France'), 2, 'one correction, two stored questions');
    t.is(await s.correct(ctx, 'Which century?', ''), 1);
    t.is(await s.correct(ctx, 'Not asked yet?', 'France'), 0);
    const listed = await s.list();
    t.deepEqual(listed.map((x) => x.correction), [undefined, undefined, 'France', 'France', '', undefined]);

    const out = path.join(scratch('elma-export-'), 'hard.json');
    const counts = await exportStore(spec, out);
    t.deepEqual(counts, { questions: 6, articles: 2, corrected: 3, impossible: 2, skipped: [] });
    const examples = readSquadFile(out); // checks every answer_start against its context
    t.is(examples.length, 6);
    const byId = new Map(examples.map((e) => [e.id, e]));
    t.deepEqual(byId.get('dev-1#1')!.answers, [{ text: 'The Normans', answer_start: 0 }]);
    t.like(byId.get('dev-2#2'), { isImpossible: true, answers: [] });
    t.deepEqual(byId.get('dev-0#3')!.answers, [{ text: 'France', answer_start: ctx.indexOf('France') }]);
    t.deepEqual(byId.get('dev-x#4')!.answers, [{ text: 'France', answer_start: ctx.indexOf('France') }]);
    t.like(byId.get('dev-2#5'), { isImpossible: true, answers: [] });
    t.is(new Set(examples.map((e) => e.context)).size, 2);

    // A correction file: SQuAD JSON whose answers are the fixed ones; is_impossible → no answer.
    const fix = path.join(path.dirname(out), 'fix.json');
    writeFileSync(fix, JSON.stringify({ version: 'v2.0', data: [{ title: 'fixes', paragraphs: [{ context: ctx, qas: [
      { id: 'a', question: 'When?', answers: [{ text: '10th and 11th centuries', answer_start: ctx.indexOf('10th and 11th') }] },
      { id: 'b', question: 'Who gave their name to Normandy?', answers: [], is_impossible: true },
      { id: 'c', question: 'Never stored?', answers: [{ text: 'France', answer_start: ctx.indexOf('France') }] },
    ] }] }] }));
    t.deepEqual(await applyCorrections(spec, fix), { corrections: 3, applied: 2, unmatched: 1 });
    const again = await exportStore(spec, out);
    t.like(again, { questions: 6, corrected: 5, impossible: 2 });
    const byId2 = new Map(readSquadFile(out).map((e) => [e.id, e]));
    t.deepEqual(byId2.get('dev-2#2')!.answers, [{ text: '10th and 11th centuries', answer_start: ctx.indexOf('10th and 11th') }]);
    t.like(byId2.get('dev-1#1'), { isImpossible: true, answers: [] });
    // A correction stored before its question applies to it when it comes.
    t.true(await s.add(q(7, 'Never stored?', 'Normandy')));
    t.is((await s.list()).at(-1)!.correction, 'France');
    // A correction the context does not contain cannot be a SQuAD answer: left out, and said so.
    await s.correct(ctx, 'When?', 'in 1066');
    const third = await exportStore(spec, out);
    t.is(third.questions, 6);
    t.deepEqual(third.skipped.map((x) => x.id), ['dev-2#2']);
  });

  it(`${b.name}: a job is claimed by exactly one of many concurrent claimers on two store instances`, async (t) => {
    const spec = await b.fresh();
    const a = await open(t, spec);
    const c = await open(t, spec);
    for (let i = 0; i < 20; i++) t.true(await (i % 2 ? a : c).enqueueJob(`retrain-${i}`, { after: i * 100, tags: ['x'] }));
    t.false(await a.enqueueJob('retrain-3', { other: true }), 'enqueue is idempotent per key');
    const claims = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : c).claimJob(`w${i}`)));
    const won = claims.filter((x) => x !== undefined);
    t.is(won.length, 20);
    t.is(new Set(won.map((j) => j.id)).size, 20);
    t.deepEqual(won.map((j) => j.key).sort(), Array.from({ length: 20 }, (_, i) => `retrain-${i}`).sort());
    const three = won.find((j) => j.key === 'retrain-3')!;
    t.deepEqual(three.payload, { after: 300, tags: ['x'] });
    t.is(await a.claimJob('late'), undefined);
    await a.finishJob(three.id, { published: true, f1: 90.5 });
    await t.throwsAsync(c.finishJob(three.id, {}), { instanceOf: StoreError, message: /already finished/ });
    await t.throwsAsync(c.finishJob(99_999, {}), { instanceOf: StoreError, message: /no such job/ });
    // The oldest unclaimed job first.
    t.true(await a.enqueueJob('later-1', 1));
    t.true(await a.enqueueJob('later-2', 2));
    t.like(await c.claimJob('w'), { key: 'later-1', payload: 1 });
    t.like(await a.claimJob('w'), { key: 'later-2', payload: 2 });
  });

  it(`${b.name}: claims from separate processes at once: every job once`, async (t) => {
    const spec = await b.fresh();
    const s = await open(t, spec);
    for (let i = 0; i < 300; i++) await s.enqueueJob(`job-${i}`, i);
    const ids = await claimInProcesses(spec, 3);
    t.log(`claims per process: ${ids.map((x) => x.length).join(', ')}`);
    const all = ids.flat();
    t.is(all.length, 300);
    t.is(new Set(all).size, 300);
  });

  it(`${b.name}: bundles: put, latest, versions; a version is immutable`, async (t) => {
    const s = await open(t, await b.fresh());
    const tar = (v: number) => new Uint8Array(Array.from({ length: 3000 + v }, (_, i) => (i * 7 + v) & 255));
    for (const v of [3, 1, 2]) await s.putBundle('elma-default', v, tar(v), JSON.stringify({ version: v, sig: `s${v}` }));
    await s.putBundle('other', 7, tar(7), '{}');
    t.deepEqual(await s.bundleVersions('elma-default'), [1, 2, 3]);
    const latest = (await s.latestBundle('elma-default'))!;
    t.is(latest.version, 3);
    t.deepEqual(Array.from(latest.tar), Array.from(tar(3)));
    t.is(latest.indexJson, '{"version":3,"sig":"s3"}');
    await s.putBundle('elma-default', 2, tar(2), JSON.stringify({ version: 2, sig: 's2' })); // the same again: fine
    await t.throwsAsync(s.putBundle('elma-default', 2, tar(9), '{}'), { instanceOf: StoreError, message: /v2.*already published/ });
    t.is(await s.latestBundle('nothing'), undefined);
    t.deepEqual(await s.bundleVersions('nothing'), []);
  });

  it(`${b.name}: stores opened at once migrate once; the schema is versioned`, async (t) => {
    const spec = await b.fresh();
    const stores = await Promise.all([0, 1, 2, 3].map(() => openStore(spec, { retryMs: 10_000 })));
    await Promise.all(stores.map((s, i) => s.add(makeQuestion(i))));
    for (const s of stores) await s.close();
    t.is(await b.rows(spec, 'schema_migrations'), 2, 'versions 1 (the questions) and 2 (the fleet), each once');
    const s = await open(t, spec);
    t.is(await s.count(), 4);
  });

  it(`${b.name}: a bad question is refused whole with a StoreError`, async (t) => {
    const spec = await b.fresh();
    const s = await open(t, spec);
    await t.throwsAsync(s.add(makeQuestion(1, { requestId: -1 })), { instanceOf: StoreError, message: /requestId/ });
    await t.throwsAsync(s.add(makeQuestion(1, { context: 'a\0b' })), { instanceOf: StoreError, message: /context contains a NUL/ });
    t.is(await s.count(), 0);
    t.is(await b.rows(spec, 'contexts'), 0);
  });
}

/** Starts n child processes that claim jobs until none is left, all at once (each waits for "go" once its store is open). */
async function claimInProcesses(spec: string, n: number): Promise<number[][]> {
  const kids = Array.from({ length: n }, (_, w) => spawn(process.execPath, ['--import', 'tsx', CHILD, 'claim', spec, `proc-${w}`], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] }));
  const outs = kids.map((k) => {
    let out = '';
    k.stdout.setEncoding('utf8');
    const ready = new Promise<void>((resolve) => k.stdout.on('data', (d: string) => {
      out += d;
      if (out.startsWith('ready\n')) resolve();
    }));
    const done = new Promise<number[]>((resolve, reject) => k.on('close', (code) => {
      if (code !== 0) reject(new Error(`claim process exited with ${code}`));
      else resolve(JSON.parse(out.slice('ready\n'.length)) as number[]);
    }));
    return { ready, done };
  });
  await Promise.all(outs.map((o) => o.ready));
  for (const k of kids) k.stdin.end('go\n');
  return Promise.all(outs.map((o) => o.done));
}

test('a store file that is not SQLite is a StoreError naming the file', async (t) => {
  const file = path.join(scratch('elma-store-'), 'notes.db');
  writeFileSync(file, 'These are notes, not a database. '.repeat(100));
  const e = await t.throwsAsync(openStore(file), { instanceOf: StoreError });
  t.true(e!.message.startsWith(`${file}: `), e!.message);
  t.regex(e!.message, /not a SQLite database/);
  t.false(e!.message.includes('\n'));
  await t.throwsAsync(openStore(path.join(file, 'x', 'y.db')), { instanceOf: StoreError, message: /does not exist/ });
});

test('sqlite: commands that read stored questions refuse a missing or empty store file instead of creating one', async (t) => {
  const dir = scratch('elma-store-');
  const missing = path.join(dir, 'typo.sqlite'), empty = path.join(dir, 'empty.sqlite'), out = path.join(dir, 'out.json');
  writeFileSync(empty, '');
  await t.throwsAsync(exportStore(missing, out), { instanceOf: StoreError, message: `${missing}: no such store file (elma cloud serve --store creates one)` });
  await t.throwsAsync(exportStore(empty, out), { instanceOf: StoreError, message: `${empty}: is an empty file, not a store (elma cloud serve --store creates one)` });
  const fix = path.join(dir, 'fix.json');
  writeFileSync(fix, JSON.stringify({ version: 'v2.0', data: [] }));
  await t.throwsAsync(applyCorrections(missing, fix), { instanceOf: StoreError, message: /typo\.sqlite: no such store file/ });
  t.false(existsSync(missing), 'nothing created');
  t.false(existsSync(out), 'nothing exported');
  t.is(readFileSync(empty, 'utf8'), '', 'the empty file is left as it was');
  await (await openStore(missing)).close(); // opening without `existing` (elma cloud serve) creates the store
  t.deepEqual(await exportStore(missing, out), { questions: 0, articles: 0, corrected: 0, impossible: 0, skipped: [] });
});

test('a postgres URL that does not connect is a StoreError naming host:port after a bounded wait', async (t) => {
  const started = Date.now();
  const e = await t.throwsAsync(openStore('postgres://elma:secret@127.0.0.1:1/hard', { retryMs: 1500 }), { instanceOf: StoreError });
  const took = Date.now() - started;
  t.log(`${took} ms: ${e!.message}`);
  t.regex(e!.message, /^postgres 127\.0\.0\.1:1\/hard: cannot open the store: the server could not be reached for [\d.]+ s \(.+\)$/);
  t.false(e!.message.includes('secret'));
  t.false(e!.message.includes('\n'));
  t.true(took >= 1500 && took < 15_000, `${took} ms`);
});

test('sqlite: a full disk (a file-size limit) is a StoreError; nothing half-written; adds work again after', async (t) => {
  const spec = await sqlite.fresh();
  (await openStore(spec)).close(); // the schema is written without the limit
  // 256 KiB per file: the WAL fills after some adds of 9 KB contexts.
  const r = spawnSync('bash', ['-c', `ulimit -f 256; exec "${process.execPath}" --import tsx "${CHILD}" fill "${spec}"`], { cwd: ROOT, encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  const rep = JSON.parse(r.stdout) as { added: number[]; error?: { storeError: boolean; message: string }; small: boolean | string };
  t.log(`${rep.added.length} added, then: ${rep.error?.message}; a small add then: ${String(rep.small)}`);
  t.true(rep.added.length >= 2 && rep.added.length < 200, `${rep.added.length} added`);
  t.true(rep.error!.storeError);
  t.regex(rep.error!.message, new RegExp(`^${spec.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot store question dev-\\d#\\d+: .*(disk is full|file-size limit)`));
  t.false(rep.error!.message.includes('\n'));
  // Reopened without the limit: exactly the adds that returned true, whole; and it takes more.
  const s = await open(t, spec);
  const expected = rep.added.length + (rep.small === true ? 1 : 0);
  t.is(await s.count(), expected);
  t.is(await sqlite.rows(spec, 'contexts'), expected);
  const db = new Database(spec, { readonly: true });
  t.is(db.pragma('integrity_check', { simple: true }), 'ok');
  t.is((db.prepare('SELECT count(*) AS n FROM questions q LEFT JOIN contexts c ON c.hash = q.context_hash WHERE c.hash IS NULL').get() as { n: number }).n, 0);
  db.close();
  t.deepEqual((await s.list()).slice(0, rep.added.length).map((q) => q.requestId), rep.added);
  const failed = rep.added.length; // the question whose add failed
  t.true(await s.add(makeQuestion(failed, { context: `Context ${failed}. ${'All work and no play makes Jack a dull boy. '.repeat(200)}` })));
  t.true(await s.add(makeQuestion(200_000)));
  t.is(await s.count(), expected + 2);
});

/** Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN). */
function tmpfsReason(): string | null {
  if (process.getuid?.() !== 0) return 'not root: cannot mount a small tmpfs';
  const dir = scratch('elma-tmpfs-probe-');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) return `mount -t tmpfs refused (${(r.stderr || r.error?.message || '').trim()})`;
  spawnSync('umount', [dir]);
  return null;
}

testUnless(tmpfsReason())('sqlite: a full tmpfs is a StoreError; the store takes questions again once space is freed', async (t) => {
  const dir = scratch('elma-tmpfs-');
  t.is(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]).status, 0);
  t.teardown(() => { spawnSync('umount', ['-l', dir]); });
  const spec = path.join(dir, 'store.db');
  const s = await openStore(spec);
  t.teardown(() => s.close().catch(() => {}));
  for (let i = 0; i < 5; i++) t.true(await s.add(makeQuestion(i)));
  // Fill the rest of the disk.
  const filler = path.join(dir, 'filler');
  try {
    writeFileSync(filler, Buffer.alloc(2 << 20));
  } catch (e) {
    t.is((e as NodeJS.ErrnoException).code, 'ENOSPC');
  }
  let error: unknown;
  let added = 5;
  for (let i = 5; i < 200 && error === undefined; i++) {
    try {
      if (await s.add(makeQuestion(i, { context: `Context ${i}. ${'x'.repeat(5000)}` }))) added++;
    } catch (e) {
      error = e;
    }
  }
  t.true(error instanceof StoreError, String(error));
  t.regex((error as Error).message, /disk is full|file-size limit/);
  t.log((error as Error).message);
  t.is(await s.count(), added);
  rmSync(filler);
  t.true(await s.add(makeQuestion(1000, { context: `Context after. ${'y'.repeat(5000)}` })));
  t.is(await s.count(), added + 1);
  t.deepEqual((await s.list()).map((q) => q.requestId).slice(0, 5), [0, 1, 2, 3, 4]);
});

/** A PostgreSQL server of this test's own (so it can be stopped), when the binaries are here. */
function ownServerReason(): string | null {
  if (PG_REASON !== null) return PG_REASON;
  const bins = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql') : [];
  return bins.length === 0 ? 'no PostgreSQL server binaries (/usr/lib/postgresql/*/bin) to start one this test can stop' : null;
}

testUnless(ownServerReason())('postgres: stopped and started again while adds are in flight: no question lost, none twice', async (t) => {
  const top = scratch('elma-pg-');
  chmodSync(top, 0o755); // the server runs as the postgres user when the tests run as root
  const dir = path.join(top, 'server');
  mkdirSync(dir);
  // The server listens on its Unix socket only, behind a relay on 127.0.0.1 port 0: stopped and
  // started again, it binds no TCP port that another process could have taken in between.
  const socket = (await run('bash', [PG_SCRIPT, 'start', dir, 'unix'])).stdout.trim();
  t.teardown(() => run('bash', [PG_SCRIPT, 'stop', dir, 'immediate']).then(() => {}, () => {}));
  const front = await tcpFront(t);
  front.forward(socket); // while the server is down its socket is gone: the relay drops the connection
  const url = `postgres://postgres@127.0.0.1:${front.port}/postgres`;
  const s = await openStore(url, { retryMs: 60_000 });
  t.teardown(() => s.close());
  const N = 300;
  let done = 0;
  let next = 0;
  const results: boolean[] = [];
  let sixtyDone!: () => void;
  const sixty = new Promise<void>((resolve) => { sixtyDone = resolve; });
  const worker = async () => {
    while (next < N) {
      const i = next++;
      results[i] = await s.add(makeQuestion(i, { context: `Context ${i % 40}: ${CONTEXTS[(i % 40) % 3]}` }));
      if (++done === 60) sixtyDone();
    }
  };
  const adding = Promise.all(Array.from({ length: 16 }, worker));
  await Promise.race([sixty, adding]); // stop the server once 60 adds are done (an event, not a poll)
  const before = done;
  await run('bash', [PG_SCRIPT, 'stop', dir, 'fast']);
  // The server has exited; what it sent before (the last adds' replies) may still be on its way
  // through the relay. Once every relayed connection is closed nothing more can come from it.
  await front.idle();
  const duringStop = done;
  // "No add completes while the server is down" is about what does not happen: it needs a window
  // of time, and load can only make the window see fewer adds, never fail a correct store.
  await new Promise((r) => setTimeout(r, 1500));
  const whileDown = done - duringStop;
  await run('bash', [PG_SCRIPT, 'start', dir, 'unix']);
  await adding;
  t.log(`${before} adds done when the server was stopped; ${whileDown} completed while it was down; all ${N} returned`);
  t.is(whileDown, 0, 'no add completes while the server is down');
  t.deepEqual(results, Array(N).fill(true));
  t.is(await s.count(), N);
  const listed = await s.list();
  t.is(new Set(listed.map((q) => `${q.device}#${q.requestId}`)).size, N);
  t.is(Number((await pgQuery<{ n: string }>(url, 'SELECT count(*) AS n FROM contexts'))[0]!.n), 40);
  // Resends after the restart are all recognised.
  const again = await Promise.all(Array.from({ length: N }, (_, i) => s.add(makeQuestion(i, { context: `Context ${i % 40}: ${CONTEXTS[(i % 40) % 3]}` }))));
  t.deepEqual(again, Array(N).fill(false));
  // While the server stays down, an add waits up to its deadline, then fails with a StoreError;
  // the same add once it is back is stored.
  const short = await openStore(url, { retryMs: 1500 });
  t.teardown(() => short.close());
  await run('bash', [PG_SCRIPT, 'stop', dir, 'fast']);
  const started = Date.now();
  const e = await t.throwsAsync(short.add(makeQuestion(N)), { instanceOf: StoreError });
  t.regex(e!.message, /^postgres 127\.0\.0\.1:\d+\/postgres: cannot store question dev-0#300: the server could not be reached/);
  // It gives up (after its 1.5 s deadline) rather than waiting for ever: a bound ten times the
  // deadline, so that only a store that does not give up fails it, not a loaded machine.
  const took = Date.now() - started;
  t.true(took >= 1500 && took < 15_000, `${took} ms`);
  await run('bash', [PG_SCRIPT, 'start', dir, 'unix']);
  t.true(await short.add(makeQuestion(N)));
  t.is(await s.count(), N + 1);
});
