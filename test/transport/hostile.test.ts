/**
 * Hostile peers against a real `elma serve` process, one after another: each must end in a closed
 * connection with the reason logged, while a well-behaved device on the same server keeps getting
 * answers, the server never crashes or logs an internal error, and its memory stays bounded.
 */
import test from 'ava';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { linkFiles, startServer } from './_procs.ts';
import { RawDevice } from './_raw-device.ts';
import { seededRandom } from './_crypto.ts';
import { random } from './_pair.ts';
import { DeviceLink } from '../../runtime/link/device-link.ts';
import { MemoryOutbox } from '../../runtime/link/outbox.ts';
import { generateKeyPair, type KeyPair } from '../../transport/noise/handshake-state.ts';
import { nodeProvider } from '../../transport/node/node-crypto.ts';
import { encodeMessage, type Message } from '../../transport/schema.ts';
import { encodeCbor } from '../../transport/cbor.ts';

interface Raw {
  socket: net.Socket;
  port: number;
  received: Buffer[];
  closed: Promise<void>;
}

function connect(port: number): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const received: Buffer[] = [];
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.on('data', (b: Buffer) => received.push(b));
    socket.on('error', () => {});
    socket.once('connect', () => resolve({ socket, port: socket.localPort!, received, closed }));
    socket.once('error', reject);
  });
}

const bytesOf = (r: Raw): Buffer => Buffer.concat(r.received);

/** Resolves once `n` bytes have arrived (checked on the socket's data events); rejects if it closes first. */
function receivedAtLeast(r: Raw, n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => { r.socket.off('data', check); r.socket.off('close', closed); };
    const check = (): void => { if (bytesOf(r).length >= n) { done(); resolve(); } };
    const closed = (): void => { done(); reject(new Error(`connection closed after ${bytesOf(r).length} of ${n} bytes`)); };
    r.socket.on('data', check);
    r.socket.on('close', closed);
    check();
    if (r.socket.destroyed) closed();
  });
}

/** Complete the IK handshake as `key`, returning the raw device ready to seal frames. */
async function handshake(port: number, key: KeyPair, serverKey: Uint8Array): Promise<{ raw: Raw; dev: RawDevice }> {
  const raw = await connect(port);
  const dev = new RawDevice(key, serverKey);
  raw.socket.write(dev.initiationFrame);
  await receivedAtLeast(raw, 50);
  dev.finish(new Uint8Array(bytesOf(raw).subarray(0, 50)));
  raw.received.length = 0;
  return { raw, dev };
}

/**
 * `p`, or a failure naming `what` after `ms`. The deadline only turns a hang into a message that
 * says what never happened; it is not what the test waits on, and it is far above what any step
 * takes on a loaded machine (the server's own limits here are 400 and 900 ms).
 */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer!: NodeJS.Timeout;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no ${what} within ${ms / 1000} s`)), ms); });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
const DEADLINE_MS = 30_000;
const ask = (id: number): Message => ({ t: 'ask', id, context: 'The Normans', question: `q${id}` });

function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
}

test('hostile peers are closed with a logged reason; the server keeps serving a good device', async (t) => {
  t.timeout(300_000); // some 20 cases, each one or two seconds of the server's own timeouts; more on a loaded machine
  const f = linkFiles(2);
  const { proc, port } = await startServer(t, f, ['--handshake-timeout-ms', '400', '--idle-timeout-ms', '900']);
  const serverKey = f.serverKey.publicKey;
  const good = new DeviceLink({
    host: '127.0.0.1', port, serverKey, staticKey: f.devices[0]!.key, outbox: new MemoryOutbox(random),
    config: { keepaliveTimeout: 200, deadPeerTimeout: 900 }, backoff: { baseMs: 20, capMs: 100 },
  });
  good.start();
  t.teardown(() => good.stop());
  let asked = 0;
  const goodAsks = async (label: string): Promise<void> => {
    const r = await within(good.request({ t: 'ask', context: 'c', question: `good ${++asked}` }), DEADLINE_MS, `answer to the good device after: ${label}`);
    t.like(r, { t: 'answer', text: `echo: good ${asked}` }, `the good device is served after: ${label}`);
  };
  await goodAsks('start');
  const rss0 = rssKiB(proc.child.pid!);

  /** Run one hostile case: `attack` returns the raw connection; the server must close it with `reason`. */
  const hostile = async (label: string, reason: RegExp, attack: () => Promise<Raw>): Promise<void> => {
    const raw = await attack();
    // The server's close, as the peer sees it and as the server logs it (events, not a time limit).
    await within(raw.closed, DEADLINE_MS, `close of the connection by the server (${label})`);
    const line = new RegExp(`closed peer=127\\.0\\.0\\.1:${raw.port} device=\\S+ reason=(".*")$`);
    await proc.until(() => proc.err.some((l) => line.test(l)), DEADLINE_MS, `the close of ${label} to be logged`);
    const logged = proc.err.map((l) => line.exec(l)?.[1]).filter((x) => x !== undefined).map((x) => JSON.parse(x) as string)[0];
    t.regex(logged ?? '(no log line)', reason, label);
    raw.socket.destroy();
    await goodAsks(label);
  };

  const noise = seededRandom(99)(300);
  const prefix = (noise[0]! << 8) | noise[1]!;
  await hostile('random bytes', new RegExp(`^frame length ${prefix}, expected exactly 108$`), async () => {
    const raw = await connect(port);
    raw.socket.write(noise);
    return raw;
  });
  await hostile('a length prefix larger than the limit', /^frame length 65535, expected exactly 108$/, async () => {
    const raw = await connect(port);
    raw.socket.write(Uint8Array.of(0xff, 0xff, 1, 2, 3));
    return raw;
  });
  await hostile('a peer that connects and sends nothing', /^handshake not completed within 400 ms$/, () => connect(port));
  await hostile('a peer that sends one byte at a time (every 100 ms)', /^handshake not completed within 400 ms$/, async () => {
    const raw = await connect(port);
    const frame = new RawDevice(f.devices[1]!.key, serverKey).initiationFrame;
    let i = 0;
    const drip = setInterval(() => { if (!raw.socket.destroyed && i < frame.length) raw.socket.write(frame.subarray(i, ++i)); }, 100);
    void raw.closed.then(() => clearInterval(drip));
    return raw;
  });
  await hostile('a truncated frame after the handshake', /^peer silent for \d+ ms \(limit 900\)$/, async () => {
    const { raw, dev } = await handshake(port, f.devices[1]!.key, serverKey);
    raw.socket.write(dev.seal(encodeMessage(ask(1))).subarray(0, 20));
    return raw;
  });
  await hostile('a frame dripped one byte every 100 ms after the handshake', /^peer silent for \d+ ms \(limit 900\)$/, async () => {
    const { raw, dev } = await handshake(port, f.devices[1]!.key, serverKey);
    const frame = dev.seal(encodeMessage(ask(1)));
    let i = 0;
    const drip = setInterval(() => { if (!raw.socket.destroyed && i < frame.length) raw.socket.write(frame.subarray(i, ++i)); }, 100);
    void raw.closed.then(() => clearInterval(drip));
    return raw;
  });
  await hostile('a flipped bit in a ciphertext', /^invalid tag$/, async () => {
    const { raw, dev } = await handshake(port, f.devices[1]!.key, serverKey);
    const frame = dev.seal(encodeMessage(ask(1)));
    frame[frame.length - 20] = frame[frame.length - 20]! ^ 0x10;
    raw.socket.write(frame);
    return raw;
  });
  await hostile('a replayed transport message', /^invalid tag$/, async () => {
    const { raw, dev } = await handshake(port, f.devices[1]!.key, serverKey);
    const frame = dev.seal(encodeMessage(ask(7)));
    raw.socket.write(frame);
    await receivedAtLeast(raw, 1);
    const reply = dev.open(new Uint8Array(bytesOf(raw)));
    t.regex(Buffer.from(reply).toString('latin1'), /echo: q7/, 'the original was answered');
    raw.socket.write(frame);
    return raw;
  });
  let recorded: Uint8Array | undefined;
  {
    const { raw, dev } = await handshake(port, f.devices[1]!.key, serverKey);
    recorded = dev.initiationFrame;
    raw.socket.end();
    await raw.closed;
  }
  await hostile('a replayed handshake', /^dev-1: replayed handshake: timestamp is not after the last one accepted$/, async () => {
    const raw = await connect(port);
    raw.socket.write(recorded!);
    return raw;
  });
  await hostile('a wrong server key', /^invalid tag$/, async () => {
    const raw = await connect(port);
    raw.socket.write(new RawDevice(f.devices[1]!.key, generateKeyPair(nodeProvider, random).publicKey).initiationFrame);
    return raw;
  });
  await hostile('an unknown device key', /^initiation: unknown device key [0-9a-f]{16}$/, async () => {
    const raw = await connect(port);
    raw.socket.write(new RawDevice(generateKeyPair(nodeProvider, random), serverKey).initiationFrame);
    return raw;
  });
  const sealed = (label: string, reason: RegExp, plaintexts: Uint8Array[]) => hostile(label, reason, async () => {
    const { raw, dev } = await handshake(port, f.devices[1]!.key, serverKey);
    raw.socket.write(Buffer.concat(plaintexts.map((p) => dev.seal(p))));
    return raw;
  });
  await sealed('a valid frame with invalid CBOR', /^message: invalid CBOR$/, [Uint8Array.of(0xa2, 0x61, 0x74)]);
  await sealed('a valid frame with an unknown message type', /^message\.t: unknown message type "format-disk"$/,
    [encodeCbor(new Map<string, unknown>([['t', 'format-disk'], ['v', 1], ['id', 1]]))]);
  await sealed('a message the server never accepts from a device', /^unexpected "answer" message from a device$/,
    [encodeMessage({ t: 'answer', id: 1, text: 'x', start: 0, end: 1, score: 1, layer: 1 })]);
  await sealed('more requests in flight than allowed', /^more than 32 requests in flight$/,
    Array.from({ length: 40 }, (_, i) => encodeMessage(ask(i + 1))));
  await hostile('a peer that does not read its replies', /^peer not reading: over 8388608 bytes queued$/, async () => {
    const { raw, dev } = await handshake(port, f.devices[1]!.key, serverKey);
    raw.socket.pause(); // never read: replies pile up in the kernel, then in the server's write buffer
    const closeLogged = (): boolean => proc.err.some((l) => l.includes(`closed peer=127.0.0.1:${raw.port} `));
    const handled = (): number => proc.count(/ handled device=dev-1 id=[0-9a-f]+ type=chunk-req$/);
    void (async () => {
      // Batches of 8 128 KiB chunk requests, each sent once the server has logged handling the one
      // before (its replies are then queued: the echo handler answers at once), so no more than 8
      // are in flight however slow the server runs (the limit is 32), until the server closes.
      for (let id = 1; id < 4000 && !raw.socket.destroyed && !closeLogged(); id += 8) {
        const before = handled();
        const batch = Array.from({ length: 8 }, (_, i) => dev.seal(encodeMessage({ t: 'chunk-req', id: id + i, version: 1, offset: 0, length: 131072 })));
        raw.socket.write(Buffer.concat(batch));
        await proc.until(() => handled() >= before + 8 || closeLogged(), DEADLINE_MS, 'the server to handle a batch of chunk requests').catch(() => {});
      }
      // The server has closed it (logged, with its reason): read again, so its last bytes and its
      // FIN get through (a peer that never reads might not see the close for minutes).
      raw.socket.resume();
    })();
    return raw;
  });

  t.is(proc.child.exitCode, null, 'the server is still running');
  const all = proc.err.join('\n');
  t.notRegex(all, /internal error|\n\s+at /, 'no internal error or stack trace');
  const grownMiB = (rssKiB(proc.child.pid!) - rss0) / 1024;
  t.true(grownMiB < 64, `server RSS grew ${grownMiB.toFixed(1)} MiB`);
  t.log(`server RSS +${grownMiB.toFixed(1)} MiB over ${proc.count(/ closed peer=/)} closed connections`);
});
