/**
 * Bundle verification, one refusal at a time (issue 6, "Bundles"): each test changes one thing in a
 * valid signed bundle and checks the refusal's reason and that its message names the file or field.
 * In memory, through the platform-neutral core only (what a QuickJS device runs).
 */
import test, { type ExecutionContext } from 'ava';
import { BundleRefusal, type RefusalReason } from '../../models/errors.ts';
import type { EntryKind } from '../../models/bundle/bundle-files.ts';
import { MANIFEST_FILE, canonicalJson } from '../../models/bundle/manifest.ts';
import { MAX_MANIFEST_BYTES } from '../../models/bundle/signed-manifest.ts';
import { SIGNATURE_FILE, encodeSignature, signManifest } from '../../models/bundle/signature.ts';
import { verifyBundle, type VerifyPolicy } from '../../models/bundle/verify.ts';
import { EXPIRES, dec, enc, fixedKey, manifestOf, memoryFiles, policy, signedBundle } from './_bundle.ts';

type Files = Map<string, Uint8Array>;

function refused(t: ExecutionContext, files: Files, reason: RefusalReason, where: RegExp, p: VerifyPolicy = policy(), kinds?: Map<string, EntryKind>): void {
  const e = t.throws(() => verifyBundle(memoryFiles(files, 'mem', kinds), p), { instanceOf: BundleRefusal });
  t.is((e as BundleRefusal).reason, reason, e?.message);
  t.regex(e!.message, where);
}

/** Re-sign an edited manifest with `key` (a publisher's mistake or a stolen key, not an attacker without one). */
function resigned(files: Files, edit: (m: Record<string, unknown>) => void, key = fixedKey()): Files {
  const m = manifestOf(files);
  edit(m);
  const out = new Map(files).set(MANIFEST_FILE, enc(JSON.stringify(m)));
  return out.set(SIGNATURE_FILE, encodeSignature(signManifest(m, key.secretKey)));
}

const editSignature = (files: Files, edit: (s: Record<string, unknown>) => void): Files => {
  const s = JSON.parse(dec(files.get(SIGNATURE_FILE)!)) as Record<string, unknown>;
  edit(s);
  return new Map(files).set(SIGNATURE_FILE, enc(JSON.stringify(s)));
};

test('a signed bundle verifies, and says what it verified', (t) => {
  const v = verifyBundle(memoryFiles(signedBundle()), policy());
  t.is(v.manifest.version, 5);
  t.is(v.keyId, fixedKey().keyId);
  t.is(v.files, 3);
  t.is(v.bytes, 3000 + 28);
  t.deepEqual(v.manifest.target, { arch: 'any', backend: 'any' });
  t.is(v.manifest.expires, EXPIRES);
});

test('refuses a missing signature (an unsigned bundle)', (t) => {
  const f = signedBundle();
  f.delete(SIGNATURE_FILE);
  refused(t, f, 'missing-signature', /mem\/signature\.ed25519: is missing/);
});

test('refuses a malformed signature file', (t) => {
  const f = signedBundle();
  refused(t, new Map(f).set(SIGNATURE_FILE, enc('not json')), 'malformed-signature', /signature\.ed25519: is not valid JSON/);
  refused(t, editSignature(f, (s) => { s.algorithm = 'rsa'; }), 'malformed-signature', /signature\.ed25519: algorithm: is "rsa"/);
  refused(t, editSignature(f, (s) => { s.signature = (s.signature as string).slice(2); }), 'malformed-signature', /signature\.ed25519: signature: must be 128/);
  refused(t, new Map(f).set(SIGNATURE_FILE, new Uint8Array(5000).fill(0x20)), 'malformed-signature', /larger than 4096 bytes/);
});

test('refuses a bad signature: bit flipped, or the manifest changed after signing', (t) => {
  const f = signedBundle();
  refused(t, editSignature(f, (s) => {
    const sig = s.signature as string;
    s.signature = `${sig.slice(0, 10)}${sig[10] === '0' ? '1' : '0'}${sig.slice(11)}`;
  }), 'bad-signature', /signature\.ed25519: does not verify over manifest\.json with key/);
  const m = manifestOf(f);
  m.version = 6;
  refused(t, new Map(f).set(MANIFEST_FILE, enc(JSON.stringify(m))), 'bad-signature', /does not verify/);
});

test('refuses an unknown key, and a key id rewritten to the pinned one', (t) => {
  const other = signedBundle({}, fixedKey(2));
  refused(t, other, 'unknown-key', new RegExp(`signature\\.ed25519: key_id: signed by key ${fixedKey(2).keyId}; this device trusts ${fixedKey().keyId}`));
  // The key id is only a hint: claiming the pinned key's id does not make another key's signature pass.
  refused(t, editSignature(other, (s) => { s.key_id = fixedKey().keyId; }), 'bad-signature', /does not verify/);
  // Two pinned keys (rotation): either signs.
  t.notThrows(() => verifyBundle(memoryFiles(other), policy({ trustedKeys: [fixedKey().publicKey, fixedKey(2).publicKey] })));
});

test('refuses a file whose hash or size differs', (t) => {
  const f = signedBundle();
  const w = f.get('weights.safetensors')!.slice();
  w[1234] = w[1234]! ^ 1;
  refused(t, new Map(f).set('weights.safetensors', w), 'file-hash', /mem\/weights\.safetensors: sha256 differs from the signed manifest/);
  refused(t, new Map(f).set('weights.safetensors', w.subarray(0, 2999)), 'file-size', /mem\/weights\.safetensors: is 2999 bytes, the signed manifest says 3000/);
  refused(t, new Map(f).set('spiece.model', Uint8Array.of(0)), 'file-size', /spiece\.model: is 1 bytes, the signed manifest says 0/);
});

test('refuses a file that grows while it is read (the listing said one size, the bytes another)', (t) => {
  const f = signedBundle();
  const files = memoryFiles(f);
  const lying = { ...files, read: (n: string, o: number, l: number) => (n === 'weights.safetensors' ? new Uint8Array(Math.max(0, Math.min(l, 3100 - o))) : files.read(n, o, l)) };
  const e = t.throws(() => verifyBundle(lying, policy()), { instanceOf: BundleRefusal });
  t.is((e as BundleRefusal).reason, 'file-size');
  t.regex(e!.message, /weights\.safetensors: read 3001 bytes, the signed manifest says 3000/);
});

test('refuses a missing file and an extra file', (t) => {
  const f = signedBundle();
  const missing = new Map(f);
  missing.delete('tokenizer.json');
  refused(t, missing, 'missing-file', /mem\/tokenizer\.json: is listed in the manifest but missing/);
  refused(t, new Map(f).set('evil.so', enc('x')), 'extra-file', /mem\/evil\.so: is not listed in the signed manifest/);
  refused(t, new Map(f).set('signature.rsa', enc('x')), 'extra-file', /signature\.rsa/);
});

test('refuses entries that are not regular files (symbolic links, directories)', (t) => {
  const f = signedBundle();
  refused(t, f, 'not-a-file', /mem\/weights\.safetensors: is a symlink; bundles hold regular files only/, policy(), new Map([['weights.safetensors', 'symlink']]));
  refused(t, new Map(f).set('sub', new Uint8Array(0)), 'not-a-file', /mem\/sub: is a directory/, policy(), new Map([['sub', 'directory']]));
  refused(t, f, 'not-a-file', /mem\/manifest\.json: is a symlink, not a regular file/, policy(), new Map([[MANIFEST_FILE, 'symlink']]));
});

test('refuses a version not greater than the installed one (downgrade, replay)', (t) => {
  const f = signedBundle();
  refused(t, f, 'rollback', /manifest\.json: version: 5 is not greater than the installed version 7 \(downgrade\)/, policy({ installedVersion: 7 }));
  refused(t, f, 'rollback', /5 is not greater than the installed version 5 \(replay of the installed bundle\)/, policy({ installedVersion: 5 }));
  t.notThrows(() => verifyBundle(memoryFiles(f), policy({ installedVersion: 4 })));
  t.notThrows(() => verifyBundle(memoryFiles(f), policy({ installedVersion: 0 })));
});

test('refuses an expired manifest (freeze), from the expiry instant on', (t) => {
  const f = signedBundle();
  const at = Date.parse(EXPIRES);
  refused(t, f, 'expired', /manifest\.json: expires: the bundle expired at 2027-01-01T00:00:00\.000Z \(device time 2027-01-01T00:00:00\.000Z\)/, policy({ now: at }));
  refused(t, f, 'expired', /expired/, policy({ now: at + 86_400_000 * 400 }));
  t.notThrows(() => verifyBundle(memoryFiles(f), policy({ now: at - 1 })));
});

test('refuses an incompatible runtime', (t) => {
  const f = signedBundle({ minRuntimeVersion: '9.1.0' });
  refused(t, f, 'runtime', /manifest\.json: min_runtime_version: needs runtime 9\.1\.0, this device runs 0\.2\.0/);
  t.notThrows(() => verifyBundle(memoryFiles(f), policy({ runtimeVersion: '9.1.0' })));
  refused(t, f, 'runtime', /this device runs 9\.0\.12/, policy({ runtimeVersion: '9.0.12' }));
});

test('refuses an incompatible target (architecture, backend)', (t) => {
  refused(t, signedBundle({ target: { arch: 'x64', backend: 'any' } }), 'target', /manifest\.json: target: x64\/any is built for x64, this device is arm64/);
  refused(t, signedBundle({ target: { arch: 'arm64', backend: 'tensorrt' } }), 'target', /arm64\/tensorrt needs the tensorrt backend, this device has js, cuda/);
  t.notThrows(() => verifyBundle(memoryFiles(signedBundle({ target: { arch: 'arm64', backend: 'cuda' } })), policy()));
});

test('refuses a malformed manifest: missing, not UTF-8, not JSON, too large, invalid after a valid signature', (t) => {
  const f = signedBundle();
  const none = new Map(f);
  none.delete(MANIFEST_FILE);
  refused(t, none, 'malformed-manifest', /mem\/manifest\.json: is missing \(not a bundle\)/);
  refused(t, new Map(f).set(MANIFEST_FILE, Uint8Array.of(0x7b, 0xff, 0x7d)), 'malformed-manifest', /manifest\.json: is not UTF-8 text/);
  refused(t, new Map(f).set(MANIFEST_FILE, enc('{"version": 5,')), 'malformed-manifest', /manifest\.json: is not valid JSON/);
  refused(t, new Map(f).set(MANIFEST_FILE, new Uint8Array(MAX_MANIFEST_BYTES + 1).fill(0x20)), 'malformed-manifest', /larger than 4194304 bytes; refused unread/);
  // Correctly signed but wrong: only a holder of the key could make these; they are still refused.
  refused(t, resigned(f, (m) => { (m.exits as Record<string, unknown>).depth_limit = 99; }), 'malformed-manifest', /manifest\.json: exits\.depth_limit: must be an integer 1\.\.6, got 99/);
  refused(t, resigned(f, (m) => { delete m.expires; }), 'malformed-manifest', /manifest\.json: expires: is missing; a signed bundle must expire/);
  refused(t, resigned(f, (m) => { delete m.target; }), 'malformed-manifest', /manifest\.json: target: is missing/);
  refused(t, resigned(f, (m) => { m.expires = '2027-02-30T00:00:00Z'; }), 'malformed-manifest', /expires: must be an ISO 8601 UTC time/);
  refused(t, resigned(f, (m) => { m.target = { arch: 'ARM64', backend: 'js' }; }), 'malformed-manifest', /target: must be \{arch, backend\}/);
  refused(t, resigned(f, (m) => { (m.files as Record<string, unknown>)[SIGNATURE_FILE] = { sha256: '0'.repeat(64), size: 0 }; }),
    'malformed-manifest', /files\.signature\.ed25519: the signature cannot be listed in the manifest it signs/);
  refused(t, resigned(f, (m) => { (m.files as Record<string, unknown>)['../escape'] = { sha256: '0'.repeat(64), size: 0 }; }),
    'malformed-manifest', /files\.\.\.\/escape: is not a plain file name/);
});

test('checks the cheap things first: a rollback is refused without hashing a byte', (t) => {
  const f = signedBundle();
  const files = memoryFiles(f);
  let hashed = 0;
  const counting = { ...files, read: (n: string, o: number, l: number) => { if (n === 'weights.safetensors') hashed++; return files.read(n, o, l); } };
  t.throws(() => verifyBundle(counting, policy({ installedVersion: 9 })), { instanceOf: BundleRefusal });
  t.is(hashed, 0);
  // And a short file is refused on its listed size before any file is hashed.
  const short = new Map(f).set('tokenizer.json', enc('{}'));
  const shortFiles = memoryFiles(short);
  const counting2 = { ...shortFiles, read: (n: string, o: number, l: number) => { if (n === 'weights.safetensors') hashed++; return shortFiles.read(n, o, l); } };
  t.throws(() => verifyBundle(counting2, policy()), { message: /tokenizer\.json: is 2 bytes/ });
  t.is(hashed, 0);
});

test('the verifier hashes what it reads, whatever the manifest text looks like (canonical form, not bytes)', (t) => {
  const f = signedBundle();
  const m = manifestOf(f);
  t.is(canonicalJson(m), canonicalJson(JSON.parse(JSON.stringify(m, null, 7))));
  const v = verifyBundle(memoryFiles(new Map(f).set(MANIFEST_FILE, enc(JSON.stringify(m, null, 7)))), policy());
  t.is(v.manifest.version, 5);
});
