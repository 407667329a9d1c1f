/**
 * The session state machine in memory (no sockets, a fake clock): handshake, messages, parts,
 * rekeying by count and by time, keepalive, every timeout, and each refusal with its reason.
 */
import test from 'ava';
import { makePair, Directory, random } from './_pair.ts';
import { RawDevice } from './_raw-device.ts';
import { generateKeyPair } from '../../transport/noise/handshake-state.ts';
import { nodeProvider } from '../../transport/node/node-crypto.ts';
import { nobleProvider } from '../../transport/crypto/noble.ts';
import { encodeMessage, type Message } from '../../transport/schema.ts';
import { encodeCbor } from '../../transport/cbor.ts';
import { tai64nFromUnixNs } from '../../transport/tai64n.ts';

const ask = (id: number): Message => ({ t: 'ask', id, context: 'The Normans were in Normandy.', question: `q${id}` });

for (const provider of [nodeProvider, nobleProvider]) {
  test(`${provider.name}: handshake, then messages both ways; each side knows who the other is`, (t) => {
    const p = makePair({ provider });
    p.device.session.start();
    p.flush();
    t.is(p.device.session.state, 'open');
    t.is(p.server.session.state, 'open');
    t.is(p.server.established[0]?.name, 'dev-1');
    t.deepEqual(p.server.established[0]?.publicKey, p.deviceKey.publicKey);
    t.is(p.device.established[0]?.name, 'server');
    t.is(p.device.wrote[0]!.length, 2 + 108);
    t.is(p.server.wrote[0]!.length, 2 + 48);
    for (let i = 1; i <= 5; i++) p.device.session.send(ask(i));
    p.server.session.send({ t: 'answer', id: 3, text: 'Normandy', start: 20, end: 28, score: 0.9, layer: 4 });
    p.flush();
    t.deepEqual(p.server.received.map((m) => m.id), [1, 2, 3, 4, 5]);
    t.like(p.device.received[0], { t: 'answer', id: 3, text: 'Normandy', score: 0.9 });
  });
}

test('a message larger than a frame travels in parts and arrives whole', (t) => {
  const p = makePair();
  p.device.session.start();
  p.flush();
  const data = random(128 * 1024);
  p.server.session.send({ t: 'chunk', id: 7, version: 2, offset: 0, data });
  const frames = p.server.wrote.length - 1;
  p.flush();
  t.is(frames, 3); // 128 KiB + headers in ≤ 65519-byte plaintexts
  t.is(p.device.received.length, 1);
  const got = p.device.received[0]!;
  t.is(got.t, 'chunk');
  if (got.t === 'chunk') t.deepEqual(got.data, data);
});

test('a message beyond maxMessageLen is refused while it arrives', (t) => {
  const p = makePair({ config: { maxMessageLen: 70_000 } });
  p.device.session.start();
  p.flush();
  p.server.session.send({ t: 'chunk', id: 7, version: 2, offset: 0, data: random(100_000) });
  p.flush();
  t.is(p.device.session.state, 'closed');
  t.regex(p.device.closed[0]!.reason, /part: message 7 exceeds 70000 bytes/);
  t.true(p.device.session.buffered <= 70_000 + 65_537);
});

test('rekey after a message count: a rekey frame every N messages, traffic keeps flowing', (t) => {
  const p = makePair({ config: { rekeyAfterMessages: 3 } });
  p.device.session.start();
  p.flush();
  const before = p.device.wrote.length;
  for (let i = 1; i <= 20; i++) p.device.session.send(ask(i));
  p.flush();
  t.is(p.device.wrote.length - before, 20 + 6); // messages 0-2, rekey, 4-6, rekey, ...
  t.is(p.server.received.length, 20);
  t.is(p.server.session.state, 'open');
});

test('rekey after a time; a peer that never rekeys is closed', (t) => {
  const p = makePair({ config: { rekeyAfterTime: 1000, rejectAfterTime: 2000 } });
  p.device.session.start();
  p.flush();
  const n0 = p.device.wrote.length;
  p.device.session.send(ask(1));
  p.clock.t += 1000;
  p.device.session.send(ask(2)); // due: rekey first
  p.flush();
  t.is(p.device.wrote.length - n0, 3);
  t.is(p.server.received.length, 2);

  // A server that expects rekeying every 3 messages facing a device that rekeys every 100.
  const lax = makePair({ config: { rekeyAfterMessages: 100 }, serverConfig: { rekeyAfterMessages: 3 } });
  lax.device.session.start();
  lax.flush();
  for (let i = 1; i <= 5; i++) lax.device.session.send(ask(i));
  lax.flush();
  t.is(lax.server.received.length, 4);
  t.is(lax.server.closed[0]?.reason, 'dev-1: peer sent more than 3 messages without rekeying');
  // And one that keeps its key past the server's REJECT_AFTER_TIME.
  const old = makePair({ config: { rekeyAfterTime: 10_000, rejectAfterTime: 20_000 }, serverConfig: { rekeyAfterTime: 1000, rejectAfterTime: 2000 } });
  old.device.session.start();
  old.flush();
  for (let i = 1; i <= 5 && old.server.session.state === 'open'; i++) {
    old.clock.t += 500;
    old.device.session.send(ask(i));
    old.flush();
    old.server.session.tick();
  }
  t.is(old.server.closed[0]?.reason, 'peer kept one key for more than 2000 ms');
});

test('keepalive: an idle side pings, the other pongs; a silent peer is closed', (t) => {
  const p = makePair({ config: { keepaliveTimeout: 100, deadPeerTimeout: 300 } });
  p.device.session.start();
  p.flush();
  for (let i = 0; i < 10; i++) {
    p.clock.t += 60;
    p.device.session.tick();
    p.server.session.tick();
    p.flush();
  }
  t.is(p.device.session.state, 'open', 'pings keep both sides alive');
  t.is(p.server.session.state, 'open');
  t.deepEqual(p.server.received, [], 'ping/pong are not application messages');
  // A device that goes silent after the handshake (no messages, no pings).
  const q = makePair({ config: { keepaliveTimeout: 100, deadPeerTimeout: 300 } });
  q.device.session.start();
  q.flush();
  q.clock.t += 300;
  q.server.session.tick();
  t.is(q.server.session.state, 'closed');
  t.regex(q.server.closed[0]!.reason, /^peer silent for 300 ms \(limit 300\)$/);
});

test('a handshake not completed in time is closed (silent and byte-per-second peers)', (t) => {
  const p = makePair({ config: { handshakeTimeout: 500 } });
  p.server.session.receive(Uint8Array.of(0)); // one byte of a length prefix, then nothing
  p.clock.t += 499;
  p.server.session.tick();
  t.is(p.server.session.state, 'handshake');
  p.clock.t += 1;
  p.server.session.tick();
  t.is(p.server.closed[0]?.reason, 'handshake not completed within 500 ms');
});

test('a replayed initiation is refused by its timestamp; an older one too; a newer one admitted', (t) => {
  const p = makePair();
  p.device.session.start();
  p.flush();
  const recorded = p.device.wrote[0]!;
  const again = makePair({ directory: p.directory, serverKey: p.serverKey, deviceKey: p.deviceKey });
  again.server.session.receive(recorded);
  t.is(again.server.session.state, 'closed');
  t.is(again.server.closed[0]!.reason, 'dev-1: replayed handshake: timestamp is not after the last one accepted');
  t.is(again.server.wrote.length, 0, 'no response to a replay');
  const old = new RawDevice(p.deviceKey, p.serverKey.publicKey, tai64nFromUnixNs(1n));
  const third = makePair({ directory: p.directory, serverKey: p.serverKey, deviceKey: p.deviceKey });
  third.server.session.receive(old.initiationFrame);
  t.regex(third.server.closed[0]!.reason, /replayed handshake/);
  const fresh = makePair({ directory: p.directory, serverKey: p.serverKey, deviceKey: p.deviceKey });
  fresh.device.session.start();
  fresh.flush();
  t.is(fresh.server.session.state, 'open');
});

test('an unknown device key is refused and leaves nothing in the directory', (t) => {
  const directory = new Directory();
  directory.add('someone-else', generateKeyPair(nodeProvider, random).publicKey);
  const p = makePair({ directory });
  p.device.session.start();
  p.flush();
  t.regex(p.server.closed[0]!.reason, /^initiation: unknown device key [0-9a-f]{16}$/);
  t.is(directory.peers.size, 1);
  t.is([...directory.peers.values()][0]!.lastTimestamp, undefined);
  t.is(p.device.session.state, 'handshake', 'the device hears nothing (the glue sees the socket close)');
});

test('a device pinning the wrong server key fails at the server with "invalid tag"', (t) => {
  const p = makePair({ pinnedKey: generateKeyPair(nodeProvider, random).publicKey });
  p.device.session.start();
  p.flush();
  t.is(p.server.closed[0]!.reason, 'invalid tag');
  // And an impostor server (another key) cannot produce a response the device accepts.
  const real = makePair();
  real.device.session.start();
  const impostor = makePair({ deviceKey: real.deviceKey });
  impostor.server.session.receive(real.device.wrote[0]!); // cannot decrypt: closes, sends nothing
  t.is(impostor.server.closed[0]!.reason, 'invalid tag');
  real.device.session.receive(Uint8Array.of(0, 48, ...random(48)));
  t.is(real.device.closed[0]!.reason, 'invalid tag');
});

test('transport frames: replayed, flipped, invalid CBOR, unknown type, old schema → closed with a reason', (t) => {
  const cases: [string, (raw: RawDevice) => Uint8Array[], RegExp][] = [
    ['replay', (raw) => { const f = raw.seal(encodeMessage(ask(1))); return [f, f]; }, /^invalid tag$/],
    ['flipped bit', (raw) => { const f = raw.seal(encodeMessage(ask(1))); f[10] = f[10]! ^ 4; return [f]; }, /^invalid tag$/],
    ['invalid CBOR', (raw) => [raw.seal(Uint8Array.of(0xbf, 0x61))], /^message: invalid CBOR$/],
    ['not a map', (raw) => [raw.seal(encodeCbor([1, 2]))], /^message: must be a CBOR map$/],
    ['unknown type', (raw) => [raw.seal(encodeCbor(new Map<string, unknown>([['t', 'reboot'], ['v', 1], ['id', 1]])))], /unknown message type "reboot"/],
    ['schema version', (raw) => [raw.seal(encodeCbor(new Map<string, unknown>([['t', 'ping'], ['v', 9], ['id', 1]])))], /ping\.v: unsupported schema version 9/],
    ['short frame', () => [Uint8Array.of(0, 3, 1, 2, 3)], /frame length 3 outside 16\.\.65535/],
  ];
  for (const [name, frames, reason] of cases) {
    const p = makePair({ wire: false });
    const raw = new RawDevice(p.deviceKey, p.serverKey.publicKey);
    p.server.session.receive(raw.initiationFrame);
    raw.finish(p.server.wrote[0]!);
    for (const f of frames(raw)) p.server.session.receive(f);
    t.is(p.server.session.state, 'closed', name);
    t.regex(p.server.closed[0]?.reason ?? '', reason, name);
    if (/CBOR|type|version|map/.test(name)) {
      // Schema failures are explained to the peer before the close.
      const err = raw.open(p.server.wrote[1]!);
      t.regex(new TextDecoder().decode(err), /bad-message/, name);
    }
  }
});

test('frames of the handshake phase have fixed lengths: a 65535-byte prefix is refused at once', (t) => {
  const p = makePair();
  p.server.session.receive(Uint8Array.of(0xff, 0xff));
  t.is(p.server.closed[0]?.reason, 'frame length 65535, expected exactly 108');
  t.is(p.server.session.buffered, 0);
});
