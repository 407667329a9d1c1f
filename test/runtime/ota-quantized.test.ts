/**
 * An int8 bundle through the existing update flow (issue 19): `elma bundle pack --weights int8
 * --into` makes the release, `elma serve --offer` offers it, `elma update --link` (a separate
 * process) downloads it chunk by chunk, verifies it, installs it into slot B and boots the trial,
 * whose health check answers the golden question with the int8 model (dequantised on load), so
 * the golden answer `pack` recomputed is what the device gives.
 */
import test from 'ava';
import path from 'node:path';
import { elma, scratch } from '../_cli.ts';
import { Proc, startServer } from '../transport/_procs.ts';
import { ReportLog } from '../../cloud/ota/report-log.ts';
import { readManifest } from '../../models/bundle/bundle-dir.ts';
import { readState } from '../../runtime/slots/node/state-store.ts';
import { CONTEXT, QUESTION } from './_slots-fixture.ts';
import { CHUNK, freshSlots, otaKit, updateArgs } from './_ota-fixture.ts';

const kit = otaKit();

test('an int8 bundle is offered, downloaded, verified, installed into slot B and passes its trial; the device then answers with it', async (t) => {
  const o = await kit;
  const fp32 = await o.k.bundle(6);
  const into = path.join(scratch('elma-ota-int8-'), 'int8');
  const tar = `${into}.tar`;
  const pack = await elma(['bundle', 'pack', fp32, '--key', o.k.key, '--version', '6', '--weights', 'int8', '--into', into, '--out', tar, '--chunk-size', String(CHUNK)]);
  t.is(pack.code, 0, pack.stderr);
  t.regex(pack.stdout, /^converted .* into int8: 8 tensors/);
  const golden = readManifest(into).manifest.golden[0]!.answer;
  const reports = path.join(scratch('elma-ota-cloud-'), 'reports.jsonl');
  const { port } = await startServer(t, o.f, ['--offer', tar, '--reports', reports]);
  const slots = freshSlots(o);
  const device = new Proc(updateArgs(o, slots, port));
  const code = await device.exited;
  const out = device.out.join('\n'), err = device.err.join('\n');
  t.is(code, 0, `${out}\n${err}`);
  t.regex(out, /^download: version 6, \d+ chunks of 65536 bytes, from chunk 0, fetched \d+ bytes$/m);
  t.regex(out, /^installed: albert_tiny_qa version 6 installed; running slot B, version 6$/m);
  const s = readState(slots).state;
  t.is(s.active, 'B');
  t.is(readManifest(path.join(slots, 'B')).manifest.weights_format, 'int8', 'slot B holds the int8 bundle');
  t.like(ReportLog.read(reports).find((x) => x.event === 'good'), { device: 'dev-0', version: 6, slot: 'B', golden_passed: 1 });
  const b = await elma(['slots', 'boot', '--slots', slots, '--context', CONTEXT, '--question', QUESTION]);
  t.is(b.code, 0, b.stderr);
  t.regex(b.stdout, new RegExp(`^booted: slot B, albert_tiny_qa version 6\nanswer: ${golden.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n`));
});
