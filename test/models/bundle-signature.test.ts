/**
 * The bundle signature: Ed25519 against RFC 8032's own vectors first, then what it covers — the
 * canonical manifest (keys sorted, no whitespace): reordering keys or re-indenting keeps it valid,
 * changing, adding or removing any value anywhere breaks it. Then the key formats.
 */
import test from 'ava';
import { BundleError, BundleRefusal } from '../../models/errors.ts';
import { MANIFEST_FILE, canonicalJson } from '../../models/bundle/manifest.ts';
import { encodeSigningKey, parsePublicKeyHex, parseSigningKey } from '../../models/bundle/signing-key.ts';
import { SIGNATURE_FILE, keyId, parseSignature, signManifest, signatureValid, signedBytes, utf8Bytes } from '../../models/bundle/signature.ts';
import { verifyBundle } from '../../models/bundle/verify.ts';
import { dec, enc, fixedKey, manifestOf, memoryFiles, policy, signedBundle } from './_bundle.ts';
import { ed25519 } from '@noble/curves/ed25519.js';

const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// RFC 8032 §7.1, TEST 1, TEST 2, TEST 3 (secret key, public key, message, signature).
const RFC8032 = [
  ['9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', '',
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b'],
  ['4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb', '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c', '72',
    '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00'],
  ['c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7', 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025', 'af82',
    '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a'],
] as const;

test('Ed25519 reproduces RFC 8032 §7.1 tests 1-3 (public keys, signatures, strict verification)', (t) => {
  for (const [sk, pk, msg, sig] of RFC8032) {
    t.is(toHex(ed25519.getPublicKey(hex(sk))), pk);
    t.is(toHex(ed25519.sign(hex(msg), hex(sk))), sig);
    t.true(ed25519.verify(hex(sig), hex(msg), hex(pk), { zip215: false }));
  }
  t.is(toHex(fixedKey().publicKey), RFC8032[0][1]);
});

test('the signed bytes are the UTF-8 of the canonical manifest', (t) => {
  const m = { b: [1, 2.5, 'é€😀'], a: { z: null, y: true }, c: '"\n' };
  t.is(canonicalJson(m), '{"a":{"y":true,"z":null},"b":[1,2.5,"é€😀"],"c":"\\"\\n"}');
  t.deepEqual(signedBytes(m), new Uint8Array(Buffer.from(canonicalJson(m), 'utf8')));
  for (const s of ['', 'ascii', 'Normandie — région', '\u{10FFFF}\u0000\u007F\u0080\u07FF\u0800\uFFFF\u{10000}']) {
    t.deepEqual(utf8Bytes(s), new Uint8Array(Buffer.from(s, 'utf8')), JSON.stringify(s));
  }
  // utf8Bytes never sees a lone surrogate: canonical JSON escapes them (ES2019 well-formed JSON.stringify).
  t.is(canonicalJson('\uD800'), '"\\ud800"');
});

type Json = Record<string, unknown> | unknown[];
type Mutation = [string, (doc: unknown) => void];

/** The object or array at `path` inside `doc`. */
const at = (doc: unknown, path: readonly string[]): Json => path.reduce((o, k) => (o as Record<string, unknown>)[k], doc) as Json;

/**
 * One mutation per value of a JSON document (changed), per key or element (removed), and per object
 * or array (one added), each applied to a copy by the caller.
 */
function mutations(node: unknown, path: readonly string[] = []): Mutation[] {
  if (node === null || typeof node !== 'object') return [];
  const name = `/${path.join('/')}`;
  const out: Mutation[] = [];
  for (const [k, v] of Object.entries(node)) {
    const p = [...path, k];
    if (v !== null && typeof v === 'object') out.push(...mutations(v, p));
    else {
      out.push([`/${p.join('/')}`, (d) => {
        (at(d, path) as Record<string, unknown>)[k] = typeof v === 'number' ? v + 1 : typeof v === 'string' ? `${v}x` : typeof v === 'boolean' ? !v : 0;
      }]);
    }
    out.push([`/${p.join('/')} (removed)`, (d) => {
      const o = at(d, path);
      if (Array.isArray(o)) o.splice(Number(k), 1);
      else delete o[k];
    }]);
  }
  out.push([`${name} (one added)`, (d) => {
    const o = at(d, path);
    if (Array.isArray(o)) o.push(0);
    else o.extra = 0;
  }]);
  return out;
}

function reorder(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(reorder);
  if (x === null || typeof x !== 'object') return x;
  return Object.fromEntries(Object.entries(x as Record<string, unknown>).reverse().map(([k, v]) => [k, reorder(v)]));
}

test('reordering keys and re-indenting keep the signature valid', (t) => {
  const f = signedBundle();
  const m = manifestOf(f);
  const shuffled = JSON.stringify(reorder(m), null, '\t');
  t.not(shuffled, dec(f.get(MANIFEST_FILE)!));
  t.true(shuffled.indexOf('"version"') < shuffled.indexOf('"format"'));
  const v = verifyBundle(memoryFiles(new Map(f).set(MANIFEST_FILE, enc(shuffled))), policy());
  t.is(v.manifest.version, 5);
});

test('changing, removing or adding any value anywhere in the manifest breaks the signature', (t) => {
  const f = signedBundle();
  const m = manifestOf(f);
  const sig = parseSignature(dec(f.get(SIGNATURE_FILE)!), SIGNATURE_FILE);
  const cases = mutations(m);
  t.true(cases.length > 80, `${cases.length} mutations`);
  t.log(`${cases.length} mutations of the signed manifest`);
  for (const [where, mutate] of cases) {
    const copy = JSON.parse(JSON.stringify(m)) as unknown;
    mutate(copy);
    t.false(signatureValid(sig, copy, fixedKey().publicKey), where);
  }
  // And through the whole verifier for a few, so the reason is the signature, not a later check.
  for (const [where, mutate] of cases.filter((_, i) => i % 17 === 0)) {
    const copy = JSON.parse(JSON.stringify(m)) as unknown;
    mutate(copy);
    const e = t.throws(() => verifyBundle(memoryFiles(new Map(f).set(MANIFEST_FILE, enc(JSON.stringify(copy)))), policy()), { instanceOf: BundleRefusal });
    t.is((e as BundleRefusal).reason, 'bad-signature', where);
  }
});

test('signing is deterministic (RFC 8032 §5.1.6) and names the key by its id', (t) => {
  const m = manifestOf(signedBundle());
  const a = signManifest(m, fixedKey().secretKey), b = signManifest(reorder(m), fixedKey().secretKey);
  t.deepEqual(a, b);
  t.is(a.key_id, keyId(fixedKey().publicKey));
  t.regex(a.key_id, /^[0-9a-f]{16}$/);
  t.not(keyId(fixedKey(2).publicKey), a.key_id);
  t.throws(() => signManifest(m, new Uint8Array(31)), { instanceOf: RangeError });
});

test('signing key files: round trip, and refusals naming the field', (t) => {
  const key = fixedKey();
  const text = encodeSigningKey(key);
  const back = parseSigningKey(text, 'k.json');
  t.deepEqual(back.publicKey, key.publicKey);
  t.deepEqual(back.secretKey, key.secretKey);
  t.is(back.keyId, key.keyId);
  const doc = JSON.parse(text) as Record<string, unknown>;
  const bad = (edit: (d: Record<string, unknown>) => void, re: RegExp): void => {
    const d = { ...doc };
    edit(d);
    t.throws(() => parseSigningKey(JSON.stringify(d), 'k.json'), { instanceOf: BundleError, message: re });
  };
  bad((d) => { d.public = toHex(fixedKey(2).publicKey); }, /k\.json: public: does not belong to the secret key/);
  bad((d) => { d.secret = 'zz'; }, /k\.json: secret: must be 64 hex digits/);
  bad((d) => { d.type = 'elma-link-key'; }, /k\.json: is a link key \(elma link-keygen\); a release signing key is expected here/);
  bad((d) => { d.type = 'something'; }, /k\.json: is not an elma-bundle-signing-key file: a release signing key is expected here/);
  bad((d) => { d.algorithm = 'ed448'; }, /k\.json: algorithm: must be "ed25519"/);
  t.throws(() => parseSigningKey('{', 'k.json'), { message: /k\.json: is not valid JSON/ });
});

test('public keys: 64 hex digits that decode to a curve point (RFC 8032 §5.1.3)', (t) => {
  t.deepEqual(parsePublicKeyHex(` ${toHex(fixedKey().publicKey).toUpperCase()}\n`), fixedKey().publicKey);
  t.is(parsePublicKeyHex('ab'), null);
  t.is(parsePublicKeyHex('ff'.repeat(32)), null, 'non-canonical y (≥ p)');
  t.is(parsePublicKeyHex(`02${'00'.repeat(31)}`), null, 'y with no x on the curve');
});
