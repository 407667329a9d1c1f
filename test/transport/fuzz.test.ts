/**
 * A bounded fuzz test (at most 3000 cases or 5 s) of the server side of a session: valid handshakes
 * and frames, mutated at three levels — the handshake bytes, the framed ciphertext stream, and the
 * CBOR plaintext under a valid tag — and fed in random pieces. Whatever arrives, receive() never
 * throws, every close carries the reason of a peer error (never "internal error"), every message
 * handed on is schema-valid, and the bytes held stay within one frame plus one message.
 */
import test from 'ava';
import { Session } from '../../transport/session.ts';
import { linkConfig } from '../../transport/config.ts';
import { generateKeyPair } from '../../transport/noise/handshake-state.ts';
import { nodeProvider } from '../../transport/node/node-crypto.ts';
import { encodeMessage, type Message } from '../../transport/schema.ts';
import { encodeForFrames } from '../../transport/fragments.ts';
import { RawDevice } from './_raw-device.ts';
import { Directory, FakeClock, random } from './_pair.ts';
import { seededRandom } from './_crypto.ts';

const MAX_CASES = 3000;
const MAX_MS = 5000;

test('fuzz: mutated handshakes, frames and plaintexts are closed cleanly or accepted as valid', (t) => {
  const seed = Number(process.env.ELMA_FUZZ_SEED ?? Date.now()) >>> 0;
  t.log(`seed ${seed} (ELMA_FUZZ_SEED=${seed} replays this run)`);
  // Also on stderr at once: t.log shows only when the test ends, and a run that hangs must name its seed.
  process.stderr.write(`fuzz seed ${seed}\n`);
  const rb = seededRandom(seed);
  const int = (n: number): number => { const b = rb(4); return (((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0) % n; };
  const serverKey = generateKeyPair(nodeProvider, random);
  const deviceKey = generateKeyPair(nodeProvider, random);
  const directory = new Directory();
  directory.add('dev-1', deviceKey.publicKey);
  const config = linkConfig({ maxMessageLen: 300_000 });
  const bound = 2 + 65535 + config.maxMessageLen;

  const mutate = (b: Uint8Array): Uint8Array => {
    const out = Array.from(b);
    for (let k = 1 + int(3); k > 0; k--) {
      const at = int(Math.max(1, out.length));
      switch (int(6)) {
        case 0: out[at] = (out[at] ?? 0) ^ (1 << int(8)); break;               // flip a bit
        case 1: out[at] = int(256); break;                                     // replace a byte
        case 2: out.splice(at, 1 + int(4)); break;                             // delete bytes
        case 3: out.splice(at, 0, ...rb(1 + int(8))); break;                   // insert bytes
        case 4: out.length = at; break;                                        // truncate
        default: { const from = int(out.length); out.splice(at, 0, ...out.slice(from, from + 1 + int(16))); } // duplicate a run
      }
    }
    return Uint8Array.from(out);
  };
  const messages = (): Message[] => [
    { t: 'ask', id: 1 + int(1000), context: 'The Normans gave their name to Normandy.', question: 'Who?' },
    { t: 'report', id: 2, kind: 'health', body: { ok: true, n: int(100) } },
    { t: 'chunk-req', id: 3, version: 1, offset: int(1 << 20), length: 1 + int(1 << 16) },
    { t: 'ping', id: 4 },
    { t: 'ask', id: 5, context: 'x'.repeat(66_000 + int(10_000)), question: 'long?' }, // travels in parts
  ];

  const newSession = (got: Message[], wrote: Uint8Array[]): Session => new Session({
    identity: { role: 'responder', staticKey: serverKey, peers: directory }, crypto: { provider: nodeProvider, random },
    config, now: new FakeClock().now,
    hooks: { write: (b) => wrote.push(b), established: () => {}, message: (m) => got.push(m), closed: () => {} },
  });
  const reasons = new Map<string, number>();
  let cases = 0;
  let delivered = 0;
  let maxBuffered = 0;
  const start = Date.now();
  for (; cases < MAX_CASES && Date.now() - start < MAX_MS; cases++) {
    const got: Message[] = [];
    const wrote: Uint8Array[] = [];
    const s = newSession(got, wrote);
    const dev = new RawDevice(deviceKey, serverKey.publicKey);
    let stream: Uint8Array;
    if (cases % 3 === 0) {
      stream = mutate(dev.initiationFrame); // level 1: the handshake
    } else {
      s.receive(dev.initiationFrame);
      dev.finish(wrote[0]!);
      const plaintexts = messages().slice(0, 1 + int(5)).flatMap((m) => encodeForFrames(m));
      stream = cases % 3 === 1
        ? mutate(Buffer.concat(plaintexts.map((p) => dev.seal(p)))) // level 2: the framed ciphertexts
        : Buffer.concat(plaintexts.map((p, i) => dev.seal(i === plaintexts.length - 1 || int(2) === 0 ? mutate(p).subarray(0, 65519) : p))); // level 3: CBOR under valid tags
    }
    for (let at = 0; at < stream.length && s.state !== 'closed';) {
      const n = 1 + int(3000);
      s.receive(stream.subarray(at, at + n)); // never throws
      at += n;
      maxBuffered = Math.max(maxBuffered, s.buffered);
    }
    for (const m of got) encodeMessage(m); // throws (failing the test) unless schema-valid
    delivered += got.length;
    if (s.state === 'closed') {
      if (s.closeReason.startsWith('internal error')) t.fail(s.closeReason);
      const key = s.closeReason.replace(/\d+/g, 'N').replace(/"[^"]*"/g, '"…"');
      reasons.set(key, (reasons.get(key) ?? 0) + 1);
    }
  }
  t.log(`${cases} cases in ${Date.now() - start} ms; ${delivered} valid messages delivered; close reasons:`);
  for (const [r, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 15)) t.log(`  ${n} × ${r}`);
  t.true(cases >= 100, 'enough cases ran');
  t.true(maxBuffered <= bound, `at most ${maxBuffered} bytes held`);
  t.true(reasons.has('invalid tag'));
  t.true([...reasons.keys()].some((r) => /invalid CBOR|must be|unknown|missing/.test(r)), 'schema errors were reached');
});
