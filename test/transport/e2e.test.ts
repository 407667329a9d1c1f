/**
 * Device and server as separate processes over loopback TCP (`elma link-ask`, `elma serve`): the
 * command-line flow, a device pinning the wrong server, and the two faults of the issue — the server
 * killed and restarted with requests in flight, the device killed with requests in its outbox —
 * after which every question is answered exactly once.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { elma, scratch } from '../_cli.ts';
import { answers, linkFiles, startDevice, startServer, tcpFront } from './_procs.ts';

const HANDLED = /handled device=dev-0 id=([0-9a-f]+) type=ask/;

function handledIds(lines: string[]): string[] {
  return lines.map((l) => HANDLED.exec(l)?.[1]).filter((x): x is string => x !== undefined);
}

test('the command-line flow: keygen, register, serve, ask', async (t) => {
  const dir = scratch('elma-cli-link-');
  const srv = await elma(['link-keygen', '--out', path.join(dir, 'server.key')]);
  t.is(srv.code, 0);
  t.regex(srv.stdout, /^[0-9a-f]{64}\n$/);
  t.regex(readFileSync(path.join(dir, 'server.key'), 'utf8'), /"type": "elma-link-key"/);
  const dev = await elma(['link-keygen', '--out', path.join(dir, 'dev.key')]);
  t.is((await elma(['link-keygen', '--out', path.join(dir, 'dev.key')])).code, 2, 'no silent overwrite');
  const reg = await elma(['link-register', '--registry', path.join(dir, 'devices.json'), '--name', 'dev-0', '--public-key', dev.stdout.trim()]);
  t.is(reg.code, 0, reg.stderr);
  const again = await elma(['link-register', '--registry', path.join(dir, 'devices.json'), '--name', 'dev-1', '--public-key', path.join(dir, 'dev.key')]);
  t.regex(again.stderr, /--public-key: this key is already in .*devices\.json, as "dev-0"/);
  const bad = await elma(['link-register', '--registry', path.join(dir, 'devices.json'), '--name', 'x', '--public-key', 'abc']);
  t.regex(bad.stderr, /abc: no such file \(and not 64 hex digits\)/);

  const { readKeyFile } = await import('../../transport/node/key-file.ts');
  const { nodeProvider } = await import('../../transport/node/node-crypto.ts');
  const f = {
    dir, serverKeyFile: path.join(dir, 'server.key'), serverKey: readKeyFile(path.join(dir, 'server.key'), nodeProvider),
    registry: path.join(dir, 'devices.json'), devices: [{ name: 'dev-0', keyFile: path.join(dir, 'dev.key'), key: readKeyFile(path.join(dir, 'dev.key'), nodeProvider) }],
  };
  const server = await startServer(t, f);
  t.true(server.proc.out.some((l) => l === `server key ${srv.stdout.trim()}`));
  const device = startDevice(t, f, server.port, ['Who?', 'Where?', 'When?']);
  t.is(await device.exited, 0, device.err.join('\n'));
  t.deepEqual(answers(device).map((a) => a.answer).sort(), ['echo: When?', 'echo: Where?', 'echo: Who?']);
  await server.proc.until(() => server.proc.count(/closed peer=\S+ device=dev-0 reason="connection closed by peer"/) === 1, 60_000, 'the close');
  server.proc.kill('SIGTERM');
  t.is(await server.proc.exited, 0);
});

test('a device pinning the wrong server key never connects, and says so; the server logs why', async (t) => {
  const f = linkFiles(1);
  const other = linkFiles(0);
  const server = await startServer(t, other); // a server with another key (the device is not registered there either)
  const device = startDevice(t, f, server.port, ['Who?'], ['--wait-ms', '1500']);
  t.is(await device.exited, 3);
  t.regex(device.err.join('\n'), /connection failed: connection closed by peer; retrying in \d+ ms/);
  t.regex(device.err.join('\n'), /1 question\(s\) not answered within 1500 ms; they stay in/);
  t.true(server.proc.count(/closed peer=\S+ device=- reason="invalid tag"/) >= 1);
});

test('fault: the server is killed (SIGKILL) and restarted while requests are in flight; each is answered once', async (t) => {
  const f = linkFiles(1);
  // The device talks to a front that relays to the current server (each listening on port 0).
  const front = await tcpFront(t);
  // The handler holds each request 5 s: the kill below lands long before any is answered, however
  // loaded the machine (the killed server's delay costs the test nothing).
  const first = await startServer(t, f, ['--delay-ms', '5000']);
  front.forward(first.port);
  const questions = ['q1', 'q2', 'q3', 'q4', 'q5'];
  const device = startDevice(t, f, front.port, questions);
  await first.proc.until(() => handledIds(first.proc.err).length === 5, 60_000, 'five requests in the handler');
  await first.proc.kill('SIGKILL');
  front.forward(null);
  t.is(answers(device).length, 0, 'nothing answered before the kill');
  const second = await startServer(t, f, []);
  front.forward(second.port);
  t.is(await device.exited, 0, device.err.join('\n'));
  const got = answers(device);
  t.deepEqual(got.map((a) => a.question).sort(), questions);
  t.is(new Set(got.map((a) => a.id)).size, 5, 'one answer per question');
  t.deepEqual(handledIds(second.proc.err).sort(), got.map((a) => a.id).sort(), 'the restarted server handled each request once');
  t.regex(device.err.join('\n'), /disconnected: .*retrying in \d+ ms/);
});

test('fault: the device is killed (SIGKILL) with requests in its outbox; after restart each is answered once', async (t) => {
  const f = linkFiles(1);
  const front = await tcpFront(t); // no server yet: the questions wait in the outbox
  const port = front.port;
  const questions = ['a', 'b', 'c', 'd'];
  const first = startDevice(t, f, port, questions);
  await first.until(() => first.count(/^queued id=/) === 4, 60_000, 'four questions queued');
  const queued = first.err.filter((l) => l.startsWith('queued id=')).map((l) => l.slice('queued id='.length));
  await first.kill('SIGKILL');
  const server = await startServer(t, f, []);
  front.forward(server.port);
  const second = startDevice(t, f, port, []);
  t.is(await second.exited, 0, second.err.join('\n'));
  t.regex(second.err.join('\n'), /4 question\(s\) from an earlier run/);
  const got = answers(second);
  t.deepEqual(got.map((a) => a.id).sort(), [...queued].sort());
  t.deepEqual(got.map((a) => a.answer).sort(), questions.map((q) => `echo: ${q}`));
  t.true(got.every((a) => a.recovered === true));
  t.deepEqual(handledIds(server.proc.err).sort(), [...queued].sort(), 'each handled once');
});

test('fault: the device is killed while its requests are in the handler; the restarted device gets the cached replies', async (t) => {
  const f = linkFiles(1);
  // 2 s in the handler: the kill lands while the requests are there even on a loaded machine.
  const server = await startServer(t, f, ['--delay-ms', '2000']);
  const first = startDevice(t, f, server.port, ['x', 'y', 'z']);
  await server.proc.until(() => handledIds(server.proc.err).length === 3, 60_000, 'three requests in the handler');
  await first.kill('SIGKILL');
  const second = startDevice(t, f, server.port, []);
  t.is(await second.exited, 0, second.err.join('\n'));
  t.deepEqual(answers(second).map((a) => a.answer).sort(), ['echo: x', 'echo: y', 'echo: z']);
  t.is(handledIds(server.proc.err).length, 3, 'the handler ran once per request');
  t.is(server.proc.count(/duplicate device=dev-0/), 3, 'the re-sent requests were answered from the reply cache');
});
