/**
 * The fleet with real processes (issue 16): `elma cloud serve` on a SQLite store, devices running
 * `elma update --link` as their update scheduler would, `elma cloud rollout|devices` as an operator
 * types them. Ten devices and a staged rollout in which one device's trial crashes in its health
 * check (killed there, as a model that brings a device down would) and rolls back at its next
 * start: the rollout halts at the limit, the last stage is never offered the bundle, and `rollout
 * status` and the admin API say why. A cloud restart resumes a rollout where it was; a revoked
 * device's connection is closed within a second while the others go on.
 */
import test, { type ExecutionContext } from 'ava';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { elma } from '../_cli.ts';
import { linkFiles, Proc, type LinkFiles } from '../transport/_procs.ts';
import { makeKit, type Kit } from '../runtime/_slots-fixture.ts';
import { CHUNK } from '../runtime/_ota-fixture.ts';
import { assignStages } from '../../cloud/fleet/rollout-plan.ts';
import { toHex } from '../../transport/node/key-file.ts';
import { DeviceLink } from '../../runtime/link/device-link.ts';
import { MemoryOutbox } from '../../runtime/link/outbox.ts';
import { nodeRandom } from '../../transport/node/socket-session.ts';
import { cpSync } from 'node:fs';
import { scratch } from '../_cli.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FULL = path.join(ROOT, 'models/default');

interface Fleet {
  readonly k: Kit;
  readonly f: LinkFiles;
  readonly store: string;
  readonly slots: string[];
  readonly modelId: string;
}

async function fleet(n: number): Promise<Fleet> {
  const k = await makeKit();
  const f = linkFiles(n);
  const template = path.join(scratch('elma-fleet-template-'), 'slots');
  const init = await elma(['slots', 'init', '--slots', template, '--from', await k.bundle(5), '--pubkey', k.pub]);
  if (init.code !== 0) throw new Error(init.stderr);
  const slots = f.devices.map((d) => {
    const s = path.join(f.dir, `${d.name}-slots`);
    cpSync(template, s, { recursive: true });
    return s;
  });
  const modelId = (JSON.parse(readFileSync(path.join(template, 'A', 'manifest.json'), 'utf8')) as { model_id: string }).model_id;
  return { k, f, store: path.join(f.dir, 'store.sqlite'), slots, modelId };
}

async function startCloud(t: ExecutionContext, fl: Fleet, extra: string[] = []): Promise<{ proc: Proc; port: number; admin: string; token: string }> {
  const proc = new Proc(['cloud', 'serve', '--bundle', FULL, '--key', fl.f.serverKeyFile, '--registry', fl.f.registry, '--store', fl.store,
    '--port', '0', '--admin-port', '0', '--pubkey', fl.k.pub, '--fleet-poll-ms', '100', '--inline-model', ...extra]);
  t.teardown(() => proc.kill());
  await proc.until(() => proc.out.some((l) => l.startsWith('admin API and dashboard on')), 60_000, 'the cloud to start');
  const line = proc.out.find((l) => l.startsWith('listening on'))!;
  const admin = /on (http:\/\/\S+) \(bearer token in (.*)\)$/.exec(proc.out.find((l) => l.startsWith('admin API'))!)!;
  return { proc, port: Number(line.slice(line.lastIndexOf(':') + 1)), admin: admin[1]!, token: readFileSync(admin[2]!, 'utf8').trim() };
}

function updateArgs(fl: Fleet, i: number, port: number): string[] {
  return ['update', '--link', `127.0.0.1:${port}`, '--server-key', toHex(fl.f.serverKey.publicKey), '--key', fl.f.devices[i]!.keyFile,
    '--slots', fl.slots[i]!, '--pubkey', fl.k.pub, '--wait-ms', '15000', '--attempts', '1'];
}

/** One run of device i's update check; `crashAt`: killed at that crash point (a separate process). */
async function update(fl: Fleet, i: number, port: number, crashAt?: string): Promise<string> {
  if (crashAt === undefined) {
    const r = await elma(updateArgs(fl, i, port));
    return r.stdout + r.stderr;
  }
  const p = new Proc(updateArgs(fl, i, port), undefined, { ELMA_CRASH_AT: crashAt });
  const code = await p.exited;
  return `${p.out.join('\n')}\n${p.err.join('\n')}\n(exit ${String(code)}, signal ${String(p.child.signalCode)})`;
}

const offeredTo = (cloud: Proc): Set<string> => new Set(cloud.err.map((l) => /offered device=(\S+)/.exec(l)?.[1]).filter((d): d is string => d !== undefined));

async function api(c: { admin: string; token: string }, route: string): Promise<unknown> {
  const r = await fetch(new URL(route, c.admin), { headers: { Authorization: `Bearer ${c.token}` } });
  if (r.status !== 200) throw new Error(`${route}: ${r.status} ${await r.text()}`);
  return r.json();
}

test('ten devices, one crashes in its health check: the rollout halts at the limit and the last stage is never offered', async (t) => {
  const fl = await fleet(10);
  const cloud = await startCloud(t, fl);
  const tar = await fl.k.bundle(6, { tar: true, extra: ['--chunk-size', String(CHUNK)] });
  const names = fl.f.devices.map((d) => d.name);
  const members = assignStages(fl.modelId, 6, names, [20, 50, 100], 1);
  const stage = (s: number): string[] => members.filter((m) => m.stage === s).map((m) => m.device);
  t.deepEqual([0, 1, 2].map((s) => stage(s).length), [2, 3, 5]);
  const failing = stage(1)[0]!;
  const fi = names.indexOf(failing);

  // Refused before any device is offered anything: stages not ending at 100, a bundle signed by another key.
  const bad = await elma(['cloud', 'rollout', 'start', '--store', fl.store, '--bundle', tar, '--pubkey', fl.k.pub, '--stages', '20,50', '--halt-after-failures', '1']);
  t.is(bad.code, 1, bad.stderr);
  t.regex(bad.stderr, /stages: must end at 100 \(the whole fleet\), not 50/);
  const other = await makeKit();
  const unsigned = await elma(['cloud', 'rollout', 'start', '--store', fl.store, '--bundle', tar, '--pubkey', other.pub, '--stages', '20,50,100', '--halt-after-failures', '1']);
  t.is(unsigned.code, 1);
  t.regex(unsigned.stderr, /does not verify: .*unknown-key|does not verify: .*key/);
  t.deepEqual((await api(cloud, '/api/v1/rollouts') as { rollouts: unknown[] }).rollouts, []);

  const start = await elma(['cloud', 'rollout', 'start', '--store', fl.store, '--bundle', tar, '--pubkey', fl.k.pub, '--stages', '20,50,100', '--halt-after-failures', '1']);
  t.is(start.code, 0, start.stderr);
  t.regex(start.stdout, /^rollout 1: .* version 6, running/);
  // The node learns of it within its poll interval.
  await cloud.proc.until(() => cloud.proc.err.some((l) => l.includes('rollout 1') && l.includes('ready to offer')), 60_000, 'the node to load the rollout');

  const outputs = new Map<string, string[]>(names.map((n) => [n, []]));
  let crashed = false;
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < names.length; i++) {
      // Until it has crashed once, the failing device runs as a process that dies in any health check.
      const crash = i === fi && !crashed ? 'health-check' : undefined;
      const out = await update(fl, i, cloud.port, crash);
      if (crash !== undefined && /signal SIGKILL/.test(out)) crashed = true;
      outputs.get(names[i]!)!.push(out);
    }
  }
  t.true(crashed, `${failing} was offered the update and crashed in its health check:\n${outputs.get(failing)!.join('\n---\n')}`);
  t.regex(outputs.get(failing)!.join('\n'), /rolled back|trial/);
  for (const d of stage(0)) t.regex(outputs.get(d)![0]!, /installed: .*version 6/, `${d}: ${outputs.get(d)![0]}`);
  for (const d of stage(2)) for (const o of outputs.get(d)!) t.regex(o, /no update: the server offers no update/, d);
  const offered = offeredTo(cloud.proc);
  for (const d of stage(2)) t.false(offered.has(d), `${d} (last stage) was offered the bundle`);
  t.true(offered.has(failing));

  const status = await elma(['cloud', 'rollout', 'status', '1', '--store', fl.store]);
  t.is(status.code, 0, status.stderr);
  t.regex(status.stdout, /^rollout 1: .* version 6, halted — 1 device failed version 6, the limit is 1/);
  t.regex(status.stdout, new RegExp(`failed: ${failing}: rolled-back`));
  t.regex(status.stdout, /halted: .*the offer is stopped/);
  const view = await api(cloud, '/api/v1/rollouts/1') as { rollout?: { state: string; reason: string; failed: { device: string }[] } } & { state?: string };
  const r = view.rollout ?? (view as unknown as { state: string; reason: string; failed: { device: string }[] });
  t.is(r.state, 'halted');
  t.regex(r.reason, new RegExp(failing));
  t.deepEqual(r.failed.map((f) => f.device), [failing]);
  // The devices' status reports reached the fleet view.
  const devices = (await api(cloud, '/api/v1/devices') as { devices: { name: string; lastSeen: string | null; lastUpdate: { event: string } | null }[] }).devices;
  t.is(devices.length, 10);
  t.true(devices.every((d) => d.lastSeen !== null));
  t.is(devices.find((d) => d.name === failing)!.lastUpdate?.event, 'rolled-back');
  // The node's metrics, as Prometheus scrapes them.
  const metrics = await fetch(new URL('/metrics', cloud.admin), { headers: { Authorization: `Bearer ${cloud.token}` } });
  t.is(metrics.status, 200);
  const text = await metrics.text();
  t.regex(text, /^elma_devices_enrolled 10$/m);
  t.regex(text, /^elma_link_connections_opened_total (\d+)$/m);
  t.true(Number(/^elma_link_connections_opened_total (\d+)$/m.exec(text)![1]) >= 40, 'one connection per update check');
  t.is((await fetch(new URL('/metrics', cloud.admin))).status, 401);
});

test('a cloud restart resumes a rollout where it was', async (t) => {
  const fl = await fleet(4);
  let cloud = await startCloud(t, fl);
  const tar = await fl.k.bundle(6, { tar: true, extra: ['--chunk-size', String(CHUNK)] });
  const names = fl.f.devices.map((d) => d.name);
  const members = assignStages(fl.modelId, 6, names, [50, 100], 1);
  const first = members.filter((m) => m.stage === 0).map((m) => names.indexOf(m.device));
  const second = members.filter((m) => m.stage === 1).map((m) => names.indexOf(m.device));
  const start = await elma(['cloud', 'rollout', 'start', '--store', fl.store, '--bundle', tar, '--pubkey', fl.k.pub, '--stages', '50,100', '--halt-after-failures', '1', '--stage-hold', '1h']);
  t.is(start.code, 0, start.stderr);
  await cloud.proc.until(() => cloud.proc.err.some((l) => l.includes('ready to offer')), 60_000, 'the node to load the rollout');
  t.regex(await update(fl, first[0]!, cloud.port), /installed: .*version 6/);
  // Restarted with stage 1 half done: the new process offers it to the rest of stage 1, not beyond.
  await cloud.proc.kill('SIGTERM');
  cloud = await startCloud(t, fl);
  t.regex(await update(fl, first[1]!, cloud.port), /installed: .*version 6/);
  // All of stage 1 reported good; the hour's hold keeps stage 2 closed.
  for (const i of second) t.regex(await update(fl, i, cloud.port), /no update: the server offers no update/);
  const held = await elma(['cloud', 'rollout', 'status', '1', '--store', fl.store]);
  t.regex(held.stdout, /running/);
  t.regex(held.stdout, /good 2, failed 0, waiting 0/);
  // The operator ends the hold: pause and resume do not open a stage; a new rollout start is refused while this one runs.
  t.is((await elma(['cloud', 'rollout', 'pause', '1', '--store', fl.store])).code, 0);
  const again = await elma(['cloud', 'rollout', 'pause', '1', '--store', fl.store]);
  t.is(again.code, 1);
  t.regex(again.stderr, /rollout 1: is paused; only a running rollout can be paused/);
  t.is((await elma(['cloud', 'rollout', 'resume', '1', '--store', fl.store])).code, 0);
  const dup = await elma(['cloud', 'rollout', 'start', '--store', fl.store, '--bundle', tar, '--pubkey', fl.k.pub, '--stages', '100', '--halt-after-failures', '1']);
  t.is(dup.code, 1);
  t.regex(dup.stderr, /already rolls out/);
  const unknown = await elma(['cloud', 'rollout', 'abort', '7', '--store', fl.store]);
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /rollout 7: does not exist/);
  const abort = await elma(['cloud', 'rollout', 'abort', '1', '--store', fl.store]);
  t.is(abort.code, 0, abort.stderr);
  t.regex(abort.stdout, /aborted/);
  for (const i of second) t.regex(await update(fl, i, cloud.port), /no update/);
});

test('a revoked device is refused and its open connection closed within a second; the others go on', async (t) => {
  const fl = await fleet(3);
  const cloud = await startCloud(t, fl);
  const logs: string[][] = [[], [], []];
  const links = [0, 1].map((i) => {
    const link = new DeviceLink({
      host: '127.0.0.1', port: cloud.port, serverKey: fl.f.serverKey.publicKey, staticKey: fl.f.devices[i]!.key, outbox: new MemoryOutbox(nodeRandom),
      log: (line) => logs[i]!.push(line),
    });
    link.start();
    t.teardown(() => link.stop());
    return link;
  });
  const ask = { t: 'report', kind: 'status', body: { questions: 1, offloads: 0 } } as const;
  t.is((await links[0]!.request(ask)).t, 'ack');
  t.is((await links[1]!.request(ask)).t, 'ack');

  const revoke = await elma(['cloud', 'devices', 'revoke', 'dev-1', '--store', fl.store]);
  t.is(revoke.code, 0, revoke.stderr);
  const revokedAt = Date.now();
  await cloud.proc.until(() => cloud.proc.err.some((l) => /dev-1 is revoked: closed 1 connection/.test(l)), 60_000, 'the connection to close');
  t.true(Date.now() - revokedAt < 1000, `closed ${Date.now() - revokedAt} ms after the revocation`);
  await cloud.proc.until(() => cloud.proc.err.some((l) => /refused|unknown device key/.test(l)) || logs[1]!.some((l) => /connection failed/.test(l)), 60_000, 'dev-1 to be refused');
  t.false(links[1]!.connected);
  t.is((await links[0]!.request(ask)).t, 'ack', 'dev-0 is not disturbed');

  // Bad input: one line each, nothing changed.
  const unknown = await elma(['cloud', 'devices', 'revoke', 'dev-9', '--store', fl.store]);
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /device "dev-9": is not enrolled/);
  const twice = await elma(['cloud', 'devices', 'revoke', 'dev-1', '--store', fl.store]);
  t.regex(twice.stderr, /already revoked/);
  const dupKey = await elma(['cloud', 'devices', 'add', 'dev-new', '--key', toHex(fl.f.devices[0]!.key.publicKey), '--store', fl.store]);
  t.is(dupKey.code, 1);
  t.regex(dupKey.stderr, /dev-0/);
  const list = await elma(['cloud', 'devices', 'list', '--store', fl.store, '--json']);
  const listed = JSON.parse(list.stdout) as { name: string; revokedAt: string | null }[];
  t.deepEqual(listed.map((d) => [d.name, d.revokedAt !== null]), [['dev-0', false], ['dev-1', true], ['dev-2', false]]);

  // The same through the node's admin API: enrol, refuse a duplicate, revoke (the open connection is cut at once).
  const call = (method: string, route: string, body?: unknown): Promise<Response> => fetch(new URL(route, cloud.admin), {
    method, headers: { Authorization: `Bearer ${cloud.token}`, 'Content-Type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const added = await call('POST', '/api/v1/devices', { name: 'dev-9', public_key: 'ab'.repeat(32) });
  t.is(added.status, 201, await added.clone().text());
  const dup = await call('POST', '/api/v1/devices', { name: 'dev-10', public_key: 'ab'.repeat(32) });
  t.is(dup.status, 409);
  t.regex(((await dup.json()) as { error: string }).error, /already enrolled as device "dev-9"/);
  t.is((await call('DELETE', '/api/v1/devices/nobody')).status, 404);
  const cut = await call('DELETE', '/api/v1/devices/dev-0');
  t.is(cut.status, 200);
  await cloud.proc.until(() => cloud.proc.err.some((l) => /dev-0 is revoked: closed 1 connection/.test(l)), 60_000, 'dev-0 to be cut off');
  const view = (await api(cloud, '/api/v1/devices') as { devices: { name: string; revokedAt: string | null }[] }).devices;
  t.deepEqual(view.map((d) => [d.name, d.revokedAt !== null]), [['dev-0', true], ['dev-1', true], ['dev-2', false], ['dev-9', false]]);
});
