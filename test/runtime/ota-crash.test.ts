/**
 * Fault injection for updates over the link (issue 6 "Acceptance"; docs/ota.md "Crash points"): the
 * real `elma update --link` runs as a child process against a real `elma serve --offer` and is
 * SIGKILLed at every crash point a clean run passes (enumerated with ELMA_CRASH_LOG, so a new point
 * is exercised without editing this test): each chunk written, each progress record, the finished
 * download, every step of the install and of the trial boot. After each kill:
 *   - the device restarts (`elma slots boot`) and answers with a good model;
 *   - `elma update --link` is run again: a download resumes exactly after the last chunk the progress
 *     record counted (never from zero once a chunk was counted), fetching only the rest;
 *   - the update then completes: version 6 active and good.
 * Version 6's files are all in slot A already, so these runs pass --no-reuse: every chunk is
 * fetched (the crash points of a download that rebuilds chunks from the slots are
 * ota-reuse.test.ts's).
 */
import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { elma, scratch } from '../_cli.ts';
import { startServer } from '../transport/_procs.ts';
import { readState } from '../../runtime/slots/node/state-store.ts';
import { ReportLog } from '../../cloud/ota/report-log.ts';
import { CONTEXT, QUESTION } from './_slots-fixture.ts';
import { freshSlots, otaKit, updateArgs, type OtaKit } from './_ota-fixture.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** 256 KiB chunks: the tiny bundle's archive (~1.1 MB) has five, each with its two crash points. */
const CHUNK = 262144;

const kit = otaKit();

function child(args: string[], env: Record<string, string>): ReturnType<typeof spawnSync> {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'cli/elma.ts'), ...args], {
    cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000,
  });
}

interface Setup { o: OtaKit; port: number; size: number; points: string[]; reports: string }

async function setup(t: ExecutionContext): Promise<Setup> {
  const o = await kit;
  const tar = await o.k.bundle(6, { tar: true, extra: ['--chunk-size', String(CHUNK)] });
  const reports = path.join(scratch('elma-ota-cloud-'), 'reports.jsonl');
  const { port } = await startServer(t, o.f, ['--offer', tar, '--reports', reports]);
  const slots = freshSlots(o);
  const log = path.join(path.dirname(slots), 'points.log');
  const clean = child(updateArgs(o, slots, port, '--no-reuse'), { ELMA_CRASH_LOG: log });
  if (clean.status !== 0) throw new Error(`clean run failed: ${String(clean.stdout)}${String(clean.stderr)}`);
  return { o, port, size: readFileSync(tar).byteLength, points: readFileSync(log, 'utf8').trim().split('\n'), reports };
}

/** Kill at `point`, restart, resume, finish. */
async function crashAndRecover(t: ExecutionContext, s: Setup, point: string): Promise<void> {
  const slots = freshSlots(s.o);
  const killed = child(updateArgs(s.o, slots, s.port, '--no-reuse'), { ELMA_CRASH_AT: point });
  t.is(killed.signal, 'SIGKILL', `${point}: killed (${String(killed.stdout)}${String(killed.stderr)})`);
  // The device restarts and answers, with version 5 or (the trial got far enough) 6.
  const b = await elma(['slots', 'boot', '--slots', slots, '--context', CONTEXT, '--question', QUESTION]);
  t.is(b.code, 0, `${point}: boot after the crash: ${b.stderr}`);
  t.true(b.stdout.includes(`answer: ${s.o.k.answer}\n`), `${point}: answers with a good model`);
  const st = readState(slots).state;
  t.is(st.slots[st.active]?.status, 'good', `${point}: the active slot is good`);
  // The update is run again: it resumes, and completes.
  const again = await elma(updateArgs(s.o, slots, s.port, '--no-reuse'));
  t.true(again.code === 0, `${point}: update again: ${again.stdout}${again.stderr}`);
  const m = /from chunk (\d+), fetched (\d+) bytes/.exec(again.stdout);
  const written = /^chunk-written:(\d+)$/.exec(point);
  const counted = /^progress-written:(\d+)$/.exec(point);
  if (written !== null || counted !== null) {
    // The record counts chunk i only once it is on disk and synced: resume at i (written, not counted) or i + 1.
    const expected = written !== null ? Number(written[1]) : Number(counted![1]) + 1;
    t.is(Number(m?.[1]), expected, `${point}: resumed at chunk ${m?.[1]}: ${again.stdout}`);
    t.is(Number(m?.[2]), Math.max(0, s.size - expected * CHUNK), `${point}: fetched only what was missing`);
  } else if (point === 'download-complete') {
    t.is(Number(m?.[2]), 0, `${point}: nothing fetched again`);
  }
  const end = readState(slots).state;
  t.is(end.trial, null, `${point}: the trial was decided`);
  t.is(end.slots[end.active]?.version, 6, `${point}: version 6 runs in the end`);
  t.is(end.slots[end.active]?.status, 'good', `${point}`);
  const final = await elma(['slots', 'boot', '--slots', slots, '--context', CONTEXT, '--question', QUESTION]);
  t.regex(final.stdout, new RegExp(`version 6\nanswer: ${s.o.k.answer}\n`), point);
  rmSync(path.dirname(slots), { recursive: true, force: true });
}

const DOWNLOAD = /^(download-begun|chunk-written:|progress-written:|download-complete)/;
const counts = { crashes: 0, points: new Set<string>() };

test.serial('SIGKILL at every crash point of the download (each chunk write, each progress record): it resumes, never from zero', async (t) => {
  const s = await setup(t);
  const points = s.points.filter((p) => DOWNLOAD.test(p));
  // Five chunks, each written and counted, between the begin and the end (README: 33 points in all).
  t.deepEqual(points, ['download-begun', ...[0, 1, 2, 3, 4].flatMap((i) => [`chunk-written:${i}`, `progress-written:${i}`]), 'download-complete']);
  for (const p of points) {
    await crashAndRecover(t, s, p);
    counts.crashes++;
    counts.points.add(p);
  }
  t.log(`${points.length} download crash points: ${points.join(', ')}`);
});

test.serial('SIGKILL at every other crash point of update --link (install, trial boot, reports): the update completes', async (t) => {
  const s = await setup(t);
  const points = s.points.filter((p) => !DOWNLOAD.test(p));
  // Every point the install, the trial boot and the report pass (README: 33 points in all, 12 of them
  // the download's): a point added or lost changes this list, and the README's count with it.
  t.deepEqual(points, [
    'after-prev:install-prev', 'before-state:install-start', 'after-state:install-start',
    'copied:manifest.json', 'copied:signature.ed25519', 'copied:spiece.model', 'copied:tokenizer.json', 'copied:weights.safetensors',
    'before-rename:B-new', 'after-rename:B-new', 'before-state:installed', 'after-state:installed', 'download-removed',
    'before-state:attempt', 'after-state:attempt', 'health-check', 'health-checked', 'before-state:good', 'after-state:good',
    'after-prev:good', 'report-acked',
  ]);
  for (const p of points) {
    await crashAndRecover(t, s, p);
    counts.crashes++;
    counts.points.add(p);
  }
  t.log(`${points.length} other crash points: ${points.join(', ')}`);
  t.true(points.includes('report-acked'));
  // A report the cloud acknowledged but the device had not yet deleted is sent again: recorded once.
  const ids = ReportLog.read(s.reports).map((r) => `${r.device}/${String(r.report_id)}`);
  t.is(new Set(ids).size, ids.length, 'no report recorded twice');
  t.true(ids.length >= points.length, `${ids.length} reports recorded`);
  t.log(`in all: ${counts.crashes} crashes at ${counts.points.size} distinct points of elma update --link`);
  t.is(counts.points.size, 33, 'the README\'s 33 crash points');
  t.is(counts.crashes, 33);
});
