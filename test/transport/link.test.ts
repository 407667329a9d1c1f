/**
 * Server and device in one process over real loopback TCP: questions answered, outbox drained
 * after the server appears, reconnect after a server restart (servers behind a front, all on
 * port 0), duplicates answered from the cache.
 */
import test from 'ava';
import { LinkServer } from '../../cloud/link-server.ts';
import { DeviceRegistry } from '../../cloud/device-registry.ts';
import { echoHandler } from '../../cloud/request-handler.ts';
import { DeviceLink } from '../../runtime/link/device-link.ts';
import { MemoryOutbox } from '../../runtime/link/outbox.ts';
import { generateKeyPair, type KeyPair } from '../../transport/noise/handshake-state.ts';
import { nodeProvider } from '../../transport/node/node-crypto.ts';
import { nodeRandom } from '../../transport/node/socket-session.ts';
import { toHex } from '../../transport/node/key-file.ts';
import type { Reply } from '../../transport/schema.ts';
import { tcpFront } from './_procs.ts';

function setup(devices = 1) {
  const serverKey = generateKeyPair(nodeProvider, nodeRandom);
  const keys: KeyPair[] = Array.from({ length: devices }, () => generateKeyPair(nodeProvider, nodeRandom));
  const registry = new DeviceRegistry(keys.map((k, i) => ({ name: `dev-${i}`, publicKey: toHex(k.publicKey) })));
  // The servers' and devices' log lines, and waits for them: the tests synchronise on what the
  // code reports (a failed connection, a request handled), not on sleeps.
  const logs: string[] = [];
  const waiters = new Set<() => void>();
  const push = (line: string): void => { logs.push(line); for (const w of [...waiters]) w(); };
  /** Resolves once `n` log lines match `re`. */
  const until = (re: RegExp, n = 1): Promise<void> => new Promise((resolve) => {
    const check = (): void => { if (logs.filter((l) => re.test(l)).length >= n) { waiters.delete(check); resolve(); } };
    waiters.add(check);
    check();
  });
  const server = (delayMs = 0): LinkServer => new LinkServer({
    staticKey: serverKey, registry, handler: echoHandler({ delayMs }), log: (_l, line) => push(line),
  });
  const device = (port: number, i = 0, outbox = new MemoryOutbox(nodeRandom)): DeviceLink => new DeviceLink({
    host: '127.0.0.1', port, serverKey: serverKey.publicKey, staticKey: keys[i]!, outbox,
    backoff: { baseMs: 20, capMs: 200 }, log: (line) => push(`device ${i}: ${line}`),
  });
  return { serverKey, keys, registry, logs, until, server, device };
}

const ask = (q: string) => ({ t: 'ask' as const, context: 'The Normans were in Normandy.', question: q });

test('a device asks, the server answers; chunk requests and reports too', async (t) => {
  const s = setup();
  const server = s.server();
  const { port } = await server.listen(0);
  const dev = s.device(port);
  dev.start();
  const replies = await Promise.all([dev.request(ask('who?')), dev.request(ask('where?'))]);
  t.deepEqual(replies.map((r) => r.t === 'answer' && r.text), ['echo: who?', 'echo: where?']);
  const chunk = await dev.request({ t: 'chunk-req', version: 3, offset: 10, length: 100_000 });
  t.is(chunk.t, 'chunk');
  if (chunk.t === 'chunk') {
    t.is(chunk.data.length, 100_000);
    t.is(chunk.data[5], (10 + 5 + 3) % 251);
  }
  t.like(await dev.request({ t: 'report', kind: 'health', body: { ok: true } }), { t: 'ack' });
  t.is(dev.pending, 0);
  dev.stop();
  await server.close();
  t.regex(s.logs.join('\n'), /open device=dev-0 peer=127\.0\.0\.1:\d+/);
});

test('requests made while the server is down are sent when it comes up; a restart loses nothing', async (t) => {
  const s = setup();
  // The device's address is a front (port 0) that resets connections while no server is behind it
  // and relays to the current one: each server listens on a port of its own (port 0), none on a
  // port another freed (which another process may have taken meanwhile).
  const front = await tcpFront(t);
  const dev = s.device(front.port);
  dev.start();
  const pending: Promise<Reply>[] = [];
  for (let i = 0; i < 5; i++) pending.push(dev.request(ask(`q${i}`)));
  await s.until(/^device 0: connection failed: .*retrying in/); // offline: the connection is reset, backing off
  t.false(dev.connected);
  t.is(dev.pending, 5);
  const second = s.server(300);
  front.forward((await second.listen(0)).port);
  // Kill the server while the slow handler holds the requests in flight.
  await s.until(/^handled device=dev-0 /, 5);
  front.forward(null);
  await second.close();
  const third = s.server();
  front.forward((await third.listen(0)).port);
  const replies = await Promise.all(pending);
  t.deepEqual(replies.map((r) => r.t === 'answer' && r.text), ['q0', 'q1', 'q2', 'q3', 'q4'].map((q) => `echo: ${q}`));
  t.is(third.stats.handled, 5, 'the restarted server (empty cache) handled each once');
  t.true(dev.stats.handshakes >= 2);
  dev.stop();
  await third.close();
});

test('a request re-sent on a new connection is answered from the reply cache, not handled twice', async (t) => {
  const s = setup();
  const server = s.server(200);
  const { port } = await server.listen(0);
  const dev = s.device(port);
  dev.start();
  const p = dev.request(ask('once'));
  await s.until(/^handled device=dev-0 /);
  // Drop the connection while the handler runs: the device reconnects and re-sends the same id.
  server.dropConnections('test: cut');
  const r = await p;
  t.true(dev.stats.handshakes >= 2);
  t.is(server.stats.duplicates, 1);
  t.like(r, { t: 'answer', text: 'echo: once' });
  t.is(server.stats.handled, 1);
  t.regex(s.logs.join('\n'), /closed peer=\S+ device=dev-0 reason="test: cut"/);
  dev.stop();
  await server.close();
});
