/**
 * Transport's protocol core for QuickJS: runs Noise test vectors through HandshakeState with the
 * @noble provider (no node:crypto), returning every ciphertext and the handshake hash as hex.
 * test/build/quickjs.test.ts checks the result against the vector files inside quickjs-emscripten.
 */
import { HandshakeState } from '../../transport/noise/handshake-state.ts';
import { nobleProvider } from '../../transport/crypto/noble.ts';
import type { CryptoProvider } from '../../transport/crypto/provider.ts';

/** One test vector of the cacophony/snow format (test/fixtures/vectors/noise). */
export interface NoiseVector {
  protocol_name: string;
  init_prologue: string; resp_prologue: string;
  init_psks?: string[]; resp_psks?: string[];
  init_static?: string; resp_static?: string;
  init_ephemeral: string; resp_ephemeral: string;
  init_remote_static?: string; resp_remote_static?: string;
  handshake_hash?: string;
  messages: { payload: string; ciphertext: string }[];
}

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** The initiator's or responder's HandshakeState of a vector, with its fixed keys. */
export function vectorParty(v: NoiseVector, initiator: boolean, provider: CryptoProvider = nobleProvider): HandshakeState {
  const side = initiator ? 'init' : 'resp';
  const key = (h: string | undefined) => (h === undefined ? undefined : { privateKey: hex(h), publicKey: provider.x25519.publicKey(hex(h)) });
  const s = key(v[`${side}_static`]), e = key(v[`${side}_ephemeral`]), rs = v[`${side}_remote_static`];
  return new HandshakeState({
    protocolName: v.protocol_name, initiator, provider, prologue: hex(v[`${side}_prologue`]),
    ...(s === undefined ? {} : { s }), ...(e === undefined ? {} : { e }), ...(rs === undefined ? {} : { rs: hex(rs) }),
    psks: (v[`${side}_psks`] ?? []).map(hex),
  });
}

/** For each vector: the ciphertext of every message (handshake, then transport) and the handshake hash. */
export function runVectors(json: string): string {
  const out = (JSON.parse(json) as NoiseVector[]).map((v) => {
    const init = vectorParty(v, true), resp = vectorParty(v, false);
    const cts: string[] = [];
    let i = 0;
    for (; !init.complete; i++) {
      const [w, r] = i % 2 === 0 ? [init, resp] : [resp, init];
      const ct = w.writeMessage(hex(v.messages[i]!.payload));
      r.readMessage(ct);
      cts.push(toHex(ct));
    }
    const ik = init.transportKeys(), rk = resp.transportKeys();
    for (; i < v.messages.length; i++) {
      const [w, r] = i % 2 === 0 ? [ik, rk] : [rk, ik];
      const ct = w.send.encryptWithAd(new Uint8Array(0), hex(v.messages[i]!.payload));
      r.recv.decryptWithAd(new Uint8Array(0), ct);
      cts.push(toHex(ct));
    }
    return { protocol: v.protocol_name, ciphertexts: cts, handshakeHash: toHex(ik.handshakeHash) };
  });
  return JSON.stringify(out);
}
