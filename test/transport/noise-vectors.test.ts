/**
 * Every Noise vector of test/fixtures/vectors/noise (cacophony and snow; XX, IK, XK, KK, IKpsk2 with
 * BLAKE2s and SHA256) through our HandshakeState, with both crypto providers: each handshake and
 * transport message byte for byte, both directions decrypting, and the handshake hash.
 */
import test from 'ava';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { readJson } from '../_fixtures.ts';
import type { HandshakeState } from '../../transport/noise/handshake-state.ts';
import { vectorParty, type NoiseVector } from '../../build/quickjs/noise-core.ts';
import { PROVIDERS, VECTORS, hex, toHex } from './_crypto.ts';
import type { CryptoProvider } from '../../transport/crypto/provider.ts';

type Vector = NoiseVector;

const dir = path.join(VECTORS, 'noise');
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

const party = (p: CryptoProvider, v: Vector, initiator: boolean): HandshakeState => vectorParty(v, initiator, p);

test('the vector files are the ten of the shared suite, 18 vectors', (t) => {
  t.is(files.length, 10);
  t.is(files.reduce((n, f) => n + readJson<Vector[]>(path.join(dir, f)).length, 0), 18);
});

for (const p of PROVIDERS) {
  for (const f of files) {
    const vectors = readJson<Vector[]>(path.join(dir, f));
    vectors.forEach((v, vi) => {
      test(`${p.name}: ${v.protocol_name} [${vi}] reproduces every message`, (t) => {
        const init = party(p, v, true);
        const resp = party(p, v, false);
        let i = 0;
        // Handshake: alternate writer/reader until both are complete.
        for (; !init.complete; i++) {
          const m = v.messages[i]!;
          const [w, r] = i % 2 === 0 ? [init, resp] : [resp, init];
          const ct = w.writeMessage(hex(m.payload));
          t.is(toHex(ct), m.ciphertext, `handshake message ${i}`);
          t.is(toHex(r.readMessage(ct)), m.payload, `handshake payload ${i}`);
        }
        t.true(resp.complete);
        const ik = init.transportKeys();
        const rk = resp.transportKeys();
        t.deepEqual(ik.handshakeHash, rk.handshakeHash);
        if (v.handshake_hash !== undefined) t.is(toHex(ik.handshakeHash), v.handshake_hash);
        // Transport: even indices initiator → responder (c1), odd responder → initiator (c2).
        for (; i < v.messages.length; i++) {
          const m = v.messages[i]!;
          const [w, r] = i % 2 === 0 ? [ik, rk] : [rk, ik];
          const ct = w.send.encryptWithAd(new Uint8Array(0), hex(m.payload));
          t.is(toHex(ct), m.ciphertext, `transport message ${i}`);
          t.is(toHex(r.recv.decryptWithAd(new Uint8Array(0), ct)), m.payload);
        }
        t.true(v.messages.length > 2);
      });
    });
  }
}

test('a tampered handshake message fails with "invalid tag" and the state refuses further use', (t) => {
  const v = readJson<Vector[]>(path.join(dir, 'Noise_IK_25519_ChaChaPoly_BLAKE2s.json'))[0]!;
  const p = PROVIDERS[0]!;
  const init = party(p, v, true);
  const resp = party(p, v, false);
  const m1 = init.writeMessage(hex(v.messages[0]!.payload));
  m1[40] = m1[40]! ^ 1; // inside the encrypted static key
  t.throws(() => resp.readMessage(m1), { message: 'invalid tag' });
  t.throws(() => resp.readMessage(m1), { message: 'handshake already failed' });
  t.throws(() => init.readMessage(new Uint8Array(10)), { message: /too short/ });
});
