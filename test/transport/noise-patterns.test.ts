/**
 * Beyond the vectors: every pattern of Noise rev34 §7.4/§7.5, with and without psk modifiers,
 * completes between our initiator and responder with matching keys; names are parsed strictly.
 */
import test from 'ava';
import { HandshakeState, generateKeyPair } from '../../transport/noise/handshake-state.ts';
import { PATTERN_NAMES, handshakePattern, parseProtocolName } from '../../transport/noise/patterns.ts';
import { nodeProvider } from '../../transport/node/node-crypto.ts';
import { seededRandom } from './_crypto.ts';

const random = seededRandom(42);

for (const base of PATTERN_NAMES) {
  for (const mod of ['', 'psk0', 'psk1', 'psk0+psk2']) {
    const name = `${base}${mod}`;
    if (mod === 'psk0+psk2' && base.length === 1) continue; // one-way patterns have one message
    const pattern = handshakePattern(name);
    test(`${name}: both sides complete and agree`, (t) => {
      const si = generateKeyPair(nodeProvider, random);
      const sr = generateKeyPair(nodeProvider, random);
      const psks = mod === '' ? [] : mod.split('+').map(() => random(32));
      const make = (initiator: boolean): HandshakeState => {
        const pre = initiator ? pattern.responderPre : pattern.initiatorPre;
        return new HandshakeState({
          protocolName: `Noise_${name}_25519_ChaChaPoly_BLAKE2s`, initiator, provider: nodeProvider, random,
          prologue: Uint8Array.of(1, 2, 3), s: initiator ? si : sr, psks,
          ...(pre.includes('s') ? { rs: (initiator ? sr : si).publicKey } : {}),
        });
      };
      const [a, b] = [make(true), make(false)];
      for (let i = 0; !a.complete; i++) {
        const [w, r] = i % 2 === 0 ? [a, b] : [b, a];
        t.deepEqual(r.readMessage(w.writeMessage(Uint8Array.of(i))), Uint8Array.of(i));
      }
      t.true(b.complete);
      const ka = a.transportKeys(), kb = b.transportKeys();
      t.deepEqual(ka.handshakeHash, kb.handshakeHash);
      const ad = new Uint8Array(0);
      t.deepEqual(kb.recv.decryptWithAd(ad, ka.send.encryptWithAd(ad, Uint8Array.of(9))), Uint8Array.of(9));
      t.deepEqual(ka.recv.decryptWithAd(ad, kb.send.encryptWithAd(ad, Uint8Array.of(8))), Uint8Array.of(8));
    });
  }
}

test('a different prologue or psk breaks the handshake with "invalid tag"', (t) => {
  const s = generateKeyPair(nodeProvider, random);
  const mk = (initiator: boolean, prologue: number, psk: number): HandshakeState => new HandshakeState({
    protocolName: 'Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s', initiator, provider: nodeProvider, random,
    prologue: Uint8Array.of(prologue), psks: [new Uint8Array(32).fill(psk)],
    s: initiator ? generateKeyPair(nodeProvider, random) : s, ...(initiator ? { rs: s.publicKey } : {}),
  });
  t.throws(() => mk(false, 2, 1).readMessage(mk(true, 1, 1).writeMessage(new Uint8Array(0))), { message: 'invalid tag' });
  const i = mk(true, 1, 1), r = mk(false, 1, 2);
  r.readMessage(i.writeMessage(new Uint8Array(0))); // psk2 enters only at the end of message 2
  t.throws(() => i.readMessage(r.writeMessage(new Uint8Array(0))), { message: 'invalid tag' });
});

test('protocol names are parsed strictly', (t) => {
  t.is(parseProtocolName('Noise_IK_25519_ChaChaPoly_BLAKE2s').hash.name, 'BLAKE2s');
  t.throws(() => parseProtocolName('Noise_IK_448_ChaChaPoly_BLAKE2s'), { message: /DH function "448"/ });
  t.throws(() => parseProtocolName('Noise_IK_25519_AESGCM_BLAKE2s'), { message: /cipher "AESGCM"/ });
  t.throws(() => parseProtocolName('Noise_IK_25519_ChaChaPoly_BLAKE2b'), { message: /hash "BLAKE2b"/ });
  t.throws(() => parseProtocolName('Noise_QQ_25519_ChaChaPoly_BLAKE2s'), { message: /unknown Noise handshake pattern "QQ"/ });
  t.throws(() => handshakePattern('NNpsk3'), { message: /psk3: the pattern has only 2/ });
  t.deepEqual(handshakePattern('IKpsk2').messages, [['e', 'es', 's', 'ss'], ['e', 'ee', 'se', 'psk']]);
});
