/**
 * The link's symmetric crypto in C on elma-qjs (issue 18; build/qjs/chacha20.c, poly1305.c,
 * chacha20-poly1305.c, blake2s.c on elma:host; build/quickjs/qjs-chacha.ts and qjs-blake2.ts in
 * @noble's places in the device program):
 *
 * - the primitives against every vector of RFC 8439 (§2.3.2, §2.4.2, §2.5.2, §2.6.2, §2.8.2, A.1–A.5,
 *   decryption included) and RFC 7693 (Appendix B, the Appendix E self-test), on elma-qjs and
 *   elma-qjs-small; overlapping buffers; bad arguments one TypeError or RangeError naming them;
 * - the interfaces the transport code uses (chacha20poly1305(key, nonce, aad?).encrypt/decrypt,
 *   blake2s under noble's hmac, Noise's HKDF, the noble provider) on elma-qjs, equal to @noble on
 *   Node field by field (random lengths 0, 1, 15, 16, 17, 63, 64, 65, …, 1 MiB, random AAD; tampered
 *   ciphertext, tag, AAD, nonce and a wrong key refused with noble's "invalid tag"; noble's own
 *   argument errors), to OpenSSL (node:crypto) on the same inputs, and the 18 Noise vectors through
 *   HandshakeState;
 * - the device bundle takes the C twins.
 *
 * arm64: qjs-host.test.ts runs the same two programs under qemu-aarch64 on its arm64 build.
 * Without the x64 host (npm run build:native) these are loud skips; under CI or
 * ELMA_REQUIRE_NATIVE=1 failures.
 */
import test, { type ExecutionContext } from 'ava';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { findElmaQjs } from '../../build/quickjs/qjs-core-bundle.ts';
import { bundleQjsEdge, PACKAGE_TWINS } from '../../build/quickjs/qjs-edge-bundle.ts';
import { scratch } from '../_cli.ts';
import { testUnless } from '../_skip.ts';
import { runHost } from './_qjs-host.ts';
import { checkInterfaces, checkPrimitives, cryptoBundles, VECTORS } from './_qjs-crypto.ts';

const REQUIRED = process.env.ELMA_REQUIRE_NATIVE === '1' || process.env.CI !== undefined;
const QJS = findElmaQjs(), QJS_SMALL = findElmaQjs('elma-qjs-small');
const blocker = process.platform !== 'linux' || process.arch !== 'x64' ? `elma-qjs is checked on x64 Linux; this is ${process.platform}-${process.arch}`
  : QJS === null || QJS_SMALL === null ? 'dist/native/elma-qjs(-small) was not built (npm run build:native needs cmake, gcc, libopenblas-dev and npm ci\'s qjsc)' : null;
function qjsTest(title: string, impl: (t: ExecutionContext) => unknown): void {
  if (blocker === null) test.serial(title, impl);
  else if (REQUIRED) test.serial(title, (t) => { t.fail(`required here (CI / ELMA_REQUIRE_NATIVE=1): ${blocker}`); });
  else testUnless(blocker)(title, impl);
}

const tmp = scratch('elma-qjs-crypto-');
test.after.always(() => rmSync(tmp, { recursive: true, force: true }));

qjsTest('elma:host\'s ChaCha20, Poly1305, their AEAD and BLAKE2s in C give every RFC 8439 and RFC 7693 vector, on elma-qjs and elma-qjs-small; bad arguments are one clear error', async (t) => {
  const { primitives } = await cryptoBundles(tmp);
  for (const binary of [QJS!, QJS_SMALL!]) {
    const r = runHost(binary, [primitives, VECTORS]);
    t.is(r.code, 0, r.stderr);
    checkPrimitives(t, r.stdout, path.basename(binary));
  }
});

qjsTest('the link\'s crypto through @noble\'s interfaces on elma-qjs (C) equals @noble on Node and OpenSSL: random lengths to 1 MiB, tampering and wrong keys refused, noble\'s errors, the 18 Noise vectors', async (t) => {
  t.timeout(3 * 60_000);
  const { checks, checksInputs } = await cryptoBundles(tmp);
  for (const twin of Object.values(PACKAGE_TWINS)) t.true(checksInputs.includes(twin), `the checks run ${twin} on elma-qjs`);
  const r = runHost(QJS_SMALL!, [checks, VECTORS]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stderr, '');
  checkInterfaces(t, r.stdout, 'elma-qjs-small');
  t.log(`the checks on elma-qjs-small: ${(r.ms / 1000).toFixed(2)} s (process start, 1 MiB and 55 other AEAD cases, 18 Noise vectors with X25519 interpreted)`);
});

test('the device bundle puts the C twins in @noble\'s places: chacha20poly1305, blake2s, sha256', async (t) => {
  t.deepEqual(PACKAGE_TWINS, {
    '@noble/hashes/sha2.js': 'build/quickjs/qjs-sha2.ts',
    '@noble/ciphers/chacha.js': 'build/quickjs/qjs-chacha.ts',
    '@noble/hashes/blake2.js': 'build/quickjs/qjs-blake2.ts',
  });
  const { metafile } = await bundleQjsEdge();
  const inputs = Object.keys(metafile.inputs);
  for (const twin of Object.values(PACKAGE_TWINS)) t.true(inputs.includes(twin), twin);
  t.true(inputs.some((f) => f.endsWith('@noble/ciphers/chacha.js')), 'noble\'s module is still there, re-exported by its twin');
  // Every import of a replaced module resolves to its twin, except the twin's own import of the original.
  const imports = Object.entries(metafile.inputs).flatMap(([from, i]) => i.imports.filter((x) => x.original !== undefined && x.original in PACKAGE_TWINS).map((x) => ({ from, ...x })));
  t.true(imports.some((x) => x.from === 'transport/crypto/noble.ts' && x.original === '@noble/ciphers/chacha.js'), 'the link\'s provider imports chacha20poly1305');
  t.true(imports.some((x) => x.from === 'transport/crypto/hash.ts' && x.original === '@noble/hashes/blake2.js'), 'Noise\'s hashes import blake2s');
  for (const x of imports) {
    const twin = PACKAGE_TWINS[x.original!]!;
    t.is(x.path, x.from === twin ? `node_modules/${x.original!}` : twin, `${x.from} imports ${x.original!}`);
  }
});
