/**
 * Updates over the encrypted link, end to end (issue 6 "Acceptance": "A bundle whose model answers
 * the golden questions wrongly is rolled back automatically and the cloud learns of it"): `elma
 * serve --offer --reports` and `elma update --link` run as separate processes; then the device is
 * asked a question. Plus a connection the server cuts in the middle of a download: it goes on from
 * where it was, it does not start again.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { elma, scratch } from '../_cli.ts';
import { Proc, startServer } from '../transport/_procs.ts';
import { ReportLog } from '../../cloud/ota/report-log.ts';
import { readState } from '../../runtime/slots/node/state-store.ts';
import { reportFiles } from '../../runtime/slots/node/reports.ts';
import { CONTEXT, QUESTION } from './_slots-fixture.ts';
import { freshSlots, otaKit, testServer, untouched, updateArgs } from './_ota-fixture.ts';
import type { RequestHandler } from '../../cloud/request-handler.ts';

const kit = otaKit();

async function device(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const p = new Proc(args);
  const code = await p.exited;
  return { code, out: p.out.join('\n'), err: p.err.join('\n') };
}

test('acceptance: a model that answers its golden questions wrongly is downloaded, rolled back automatically, and the cloud learns of it', async (t) => {
  const o = await kit;
  const reports = path.join(scratch('elma-ota-cloud-'), 'reports.jsonl');
  const { proc: server, port } = await startServer(t, o.f, ['--offer', await o.tar(7, { wrong: true }), '--reports', reports]);
  await server.until(() => server.out.some((l) => /^offering albert_tiny_qa version 7 \(\d+ bytes, \d+ chunks\)/.test(l)), 60_000, 'the offer line');
  const slots = freshSlots(o);
  const activeBefore = untouched(slots);
  const r = await device(updateArgs(o, slots, port));
  t.is(r.code, 1, `${r.out}\n${r.err}`);
  t.regex(r.out, /^download: version 7, \d+ chunks of 65536 bytes, from chunk 0, fetched \d+ bytes$/m);
  t.regex(r.out, /^rolled back: albert_tiny_qa version 7: health check failed: golden\[0\] .* expected "Normans gave"; running slot A, version 5$/m);
  t.regex(r.err, /installed albert_tiny_qa version 7 into slot B, in trial for 3 boots/);
  // The active slot was never written; the device answers with version 5.
  const s = readState(slots).state;
  t.is(s.active, 'A');
  t.is(s.slots.B?.status, 'bad');
  t.is(s.versionFloor, 7, 'version 7 is not taken again');
  const { ['state.json']: _a, ['state.prev.json']: _b, ...slotA } = untouched(slots);
  const { ['state.json']: _c, ['state.prev.json']: _d, ...slotABefore } = activeBefore;
  t.deepEqual(slotA, slotABefore, 'slot A is byte-identical');
  const b = await elma(['slots', 'boot', '--slots', slots, '--context', CONTEXT, '--question', QUESTION]);
  t.regex(b.stdout, new RegExp(`^booted: slot A, albert_tiny_qa version 5\nanswer: ${o.k.answer}\n`));
  // The cloud has the report, on disk, with the reason; the device's copy is gone once acknowledged.
  const recorded = ReportLog.read(reports);
  const rb = recorded.find((x) => x.event === 'rolled-back');
  t.like(rb, { device: 'dev-0', kind: 'slot', version: 7, slot: 'B', running_slot: 'A', running_version: 5, golden_total: 1, golden_passed: 0 });
  t.regex(String(rb?.reason), /^health check failed: golden\[0\] .*expected "Normans gave"/);
  t.deepEqual(reportFiles(slots), []);
  await server.until(() => server.err.some((l) => /report device=dev-0 event=rolled-back version=7/.test(l)), 60_000, 'the server to log the report');
  // Connecting again: the same offer is declined (already tried), and nothing is recorded twice.
  const again = await device(updateArgs(o, slots, port));
  t.is(again.code, 0, again.err);
  t.regex(again.out, /^no update: version 7 of albert_tiny_qa is the device's version floor/m);
  t.is(ReportLog.read(reports).length, recorded.length);
});

test('a good model is downloaded, passes its trial and becomes active; the cloud records "good"', async (t) => {
  const o = await kit;
  const reports = path.join(scratch('elma-ota-cloud-'), 'reports.jsonl');
  const { port } = await startServer(t, o.f, ['--offer', await o.tar(6), '--reports', reports]);
  const slots = freshSlots(o);
  const r = await device(updateArgs(o, slots, port));
  t.is(r.code, 0, `${r.out}\n${r.err}`);
  t.regex(r.out, /^installed: albert_tiny_qa version 6 installed; running slot B, version 6$/m);
  t.regex(r.err, /slot B \(version 6\) passed its health check and is now active/);
  const b = await elma(['slots', 'boot', '--slots', slots, '--context', CONTEXT, '--question', QUESTION]);
  t.regex(b.stdout, new RegExp(`^booted: slot B, albert_tiny_qa version 6\nanswer: ${o.k.answer}\n`));
  t.like(ReportLog.read(reports).find((x) => x.event === 'good'), { device: 'dev-0', version: 6, slot: 'B', golden_passed: 1 });
  t.deepEqual(readState(slots).state.slots.A?.status, 'good', 'the old slot stays as the fallback');
});

test('a connection cut in the middle of a download goes on from where it was, not from zero', async (t) => {
  const o = await kit;
  const tar = await o.tar(6);
  const size = readFileSync(tar).byteLength;
  let served = 0;
  let cut = false;
  let srv: Awaited<ReturnType<typeof testServer>> | undefined;
  const cutter = (h: RequestHandler): RequestHandler => async (req, dev) => {
    const r = await h(req, dev);
    if (r.t === 'chunk') served += r.data.byteLength;
    if (!cut && served >= size / 2) {
      cut = true;
      srv!.server.dropConnections('test: cut at 50%');
    }
    return r;
  };
  srv = await testServer(o, tar, { wrap: cutter });
  t.teardown(() => srv!.close());
  const slots = freshSlots(o);
  // --no-reuse: every file of version 6 is in slot A already, so the device would fetch only the head chunk.
  const r = await elma(updateArgs(o, slots, srv.port, '--no-boot', '--no-reuse'));
  t.is(r.code, 0, `${r.stdout}${r.stderr}`);
  t.true(cut);
  t.regex(r.stderr, /disconnected: .*retrying/);
  t.is(srv.server.stats.opened, 2, 'one reconnect');
  // The device asks again only for what was in flight at the cut (at most its window of 8 pieces of
  // 64 KiB): the server sends the archive once plus that, not once plus half.
  t.true(served >= size && served <= size + 8 * 65536, `served ${served} bytes for an archive of ${size}`);
  t.regex(r.stdout, new RegExp(`from chunk 0, fetched ${size} bytes`));
  t.regex(r.stdout, /^installed: albert_tiny_qa version 6 installed; run elma slots boot$/m);
  t.is(readState(slots).state.trial?.slot, 'B');
});

test('a server without a report log does not acknowledge slot reports: the device keeps them until one that records them', async (t) => {
  const o = await kit;
  const tar = await o.tar(7, { wrong: true });
  const forgetful = await testServer(o, tar, { noReportLog: true });
  t.teardown(() => forgetful.close());
  const slots = freshSlots(o);
  const r = await elma(updateArgs(o, slots, forgetful.port));
  t.is(r.code, 1);
  t.regex(r.stdout, /^rolled back: /m);
  t.regex(r.stderr, /not recorded by the cloud \(no-report-log: this server keeps no report log/);
  t.is(reportFiles(slots).length, 1, 'the rolled-back report waits on the device');
  const recording = await testServer(o, tar);
  t.teardown(() => recording.close());
  const again = await elma(updateArgs(o, slots, recording.port));
  t.regex(again.stdout, /^reports: 1 sent to the cloud$/m);
  t.deepEqual(reportFiles(slots), []);
  t.like(ReportLog.read(recording.reports.file).find((x) => x.event === 'rolled-back'), { device: 'dev-0', version: 7 });
});
