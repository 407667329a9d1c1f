/**
 * `elma keygen`, `elma bundle pack`, `elma bundle verify` end to end on a real imported bundle: key
 * files (mode 0600, no overwrite, no secret printed), pack → verify for a directory and a `.tar`,
 * every tampering refused with its reason in one line, and the commands' own refusals.
 */
import test, { type ExecutionContext } from 'ava';
import { appendFileSync, chmodSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HF } from '../_fixtures.ts';
import { elma, scratch, copyDir, type CliRun } from '../_cli.ts';
import { loadBundle } from '../../models/bundle/bundle-dir.ts';
import { TARGET_ARCHS, TARGET_BACKENDS } from '../../models/bundle/target.ts';
import { BACKEND_NAMES } from '../../runtime/backend-select.ts';

interface Packed {
  readonly dir: string;
  readonly bundle: string;
  readonly tar: string;
  readonly key: string;
  readonly pub: string;
  readonly secret: string;
}

/** Import the HF fixture, make a key, pack the bundle (version 5, and a .tar). Shared read-only; tests that tamper copy it. */
async function packed(extra: string[] = []): Promise<Packed> {
  const dir = scratch();
  const bundle = path.join(dir, 'bundle');
  const tar = path.join(dir, 'bundle.tar');
  const key = path.join(dir, 'signing.key');
  const imp = await elma(['import-hf', `${HF}/albert_tiny_qa`, '--out', bundle]);
  if (imp.code !== 0) throw new Error(imp.stderr);
  const kg = await elma(['keygen', '--out', key]);
  const pack = await elma(['bundle', 'pack', bundle, '--key', key, '--version', '5', '--out', tar, ...extra]);
  if (pack.code !== 0) throw new Error(pack.stderr);
  const secret = (JSON.parse(readFileSync(key, 'utf8')) as { secret: string }).secret;
  for (const r of [kg, pack]) if ((r.stdout + r.stderr).includes(secret)) throw new Error('a command printed the secret key');
  return { dir, bundle, tar, key, pub: kg.stdout.trim(), secret };
}

const shared = packed();

async function verify(target: string, pub: string, ...extra: string[]): Promise<CliRun> {
  return elma(['bundle', 'verify', target, '--pubkey', pub, '--device', 'x64/js', ...extra]);
}

function verdict(t: ExecutionContext, r: CliRun, code: number, re: RegExp): void {
  t.is(r.code, code, r.stdout + r.stderr);
  t.regex(r.stdout, re);
  t.is(r.stdout.trim().split('\n').length, 1, 'one line');
  t.notRegex(r.stdout + r.stderr, /\n\s+at /, 'no stack trace');
}

test('keygen writes a 0600 key file, prints only the public key, and never overwrites without --force', async (t) => {
  const dir = scratch();
  const key = path.join(dir, 'k.key');
  const r = await elma(['keygen', '--out', key]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^[0-9a-f]{64}\n$/);
  t.is(statSync(key).mode & 0o777, 0o600);
  const doc = JSON.parse(readFileSync(key, 'utf8')) as Record<string, string>;
  t.is(doc.type, 'elma-bundle-signing-key');
  t.is(doc.public, r.stdout.trim());
  t.regex(r.stderr, new RegExp(`key id ${doc.key_id}`));
  t.false((r.stdout + r.stderr).includes(doc.secret!), 'the secret is never printed');
  const again = await elma(['keygen', '--out', key]);
  t.is(again.code, 2);
  t.regex(again.stderr, /k\.key exists; pass --force/);
  t.is(JSON.parse(readFileSync(key, 'utf8')).secret, doc.secret, 'refused: the old key is intact');
  const forced = await elma(['keygen', '--out', key, '--force']);
  t.is(forced.code, 0);
  t.not(forced.stdout.trim(), doc.public);
  t.is(statSync(key).mode & 0o777, 0o600);
});

test('pack sets the release fields, and the packed directory and archive verify', async (t) => {
  const p = await shared;
  const m = JSON.parse(readFileSync(path.join(p.bundle, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  t.is(m.version, 5);
  t.deepEqual(m.target, { arch: 'any', backend: 'any' });
  const days = (Date.parse(m.expires as string) - Date.now()) / 86_400_000;
  t.true(days > 89.9 && days <= 90, `default expiry in ${days} days`);
  verdict(t, await verify(p.bundle, p.pub), 0, /^ok: .*bundle: albert_tiny_qa version 5, signed by key [0-9a-f]{16}, expires .*, target any\/any, 3 files \(\d+ bytes\)\n$/);
  verdict(t, await verify(p.tar, p.pub), 0, /^ok: .*bundle\.tar: albert_tiny_qa version 5/);
  // The public key may come from a file; the packed bundle still loads as a model.
  const pubFile = path.join(p.dir, 'pub.hex');
  writeFileSync(pubFile, `${p.pub}\n`);
  verdict(t, await verify(p.bundle, pubFile), 0, /^ok: /);
  t.is(loadBundle(p.bundle).manifest.version, 5);
});

test('verify refuses each tampering of a directory, naming the file', async (t) => {
  const p = await shared;
  const cases: Array<[string, (dir: string) => void, RegExp]> = [
    ['flipped weight byte', (d) => { const f = path.join(d, 'weights.safetensors'); const b = readFileSync(f); b[b.length - 5] = b[b.length - 5]! ^ 1; writeFileSync(f, b); },
      /^refused \(file-hash\): .*weights\.safetensors: sha256 differs/],
    ['truncated tokenizer', (d) => truncateSync(path.join(d, 'tokenizer.json'), 100), /^refused \(file-size\): .*tokenizer\.json: is 100 bytes, the signed manifest says \d+/],
    ['missing file', (d) => rmSync(path.join(d, 'spiece.model')), /^refused \(missing-file\): .*spiece\.model: is listed in the manifest but missing/],
    ['extra file', (d) => writeFileSync(path.join(d, 'run.sh'), '#!/bin/sh'), /^refused \(extra-file\): .*run\.sh: is not listed/],
    ['symbolic link', (d) => symlinkSync('/etc/hostname', path.join(d, 'link')), /^refused \(not-a-file\): .*link: is a symlink/],
    ['no signature', (d) => rmSync(path.join(d, 'signature.ed25519')), /^refused \(missing-signature\): .*signature\.ed25519: is missing/],
    ['manifest value changed', (d) => {
      const f = path.join(d, 'manifest.json');
      writeFileSync(f, readFileSync(f, 'utf8').replace('"depth_limit": 6', '"depth_limit": 5'));
    }, /^refused \(bad-signature\): .*signature\.ed25519: does not verify over manifest\.json/],
    ['manifest not JSON', (d) => appendFileSync(path.join(d, 'manifest.json'), '}'), /^refused \(malformed-manifest\): .*manifest\.json: is not valid JSON/],
  ];
  for (const [what, tamper, re] of cases) {
    const d = copyDir(p.bundle);
    tamper(d);
    const r = await verify(d, p.pub);
    t.log(`${what}: ${r.stdout.trim().replace(/\/tmp\/[^ ]*\//, '')}`);
    verdict(t, r, 1, re);
  }
  // Re-indented with keys reordered: the same canonical manifest, still valid.
  const d = copyDir(p.bundle);
  const f = path.join(d, 'manifest.json');
  const m = JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown>;
  writeFileSync(f, JSON.stringify(Object.fromEntries(Object.entries(m).reverse())));
  verdict(t, await verify(d, p.pub), 0, /^ok: /);
});

test('verify refuses by policy: unknown key, rollback, replay, expiry, runtime, target', async (t) => {
  const p = await shared;
  const other = (await elma(['keygen', '--out', path.join(scratch(), 'other.key')])).stdout.trim();
  verdict(t, await verify(p.bundle, other), 1, /^refused \(unknown-key\): .*signature\.ed25519: key_id: signed by key [0-9a-f]{16}; this device trusts [0-9a-f]{16}\n$/);
  verdict(t, await verify(p.tar, p.pub, '--installed-version', '7'), 1, /^refused \(rollback\): .*manifest\.json: version: 5 is not greater than the installed version 7 \(downgrade\)/);
  verdict(t, await verify(p.bundle, p.pub, '--installed-version', '5'), 1, /\(rollback\).*\(replay of the installed bundle\)/);
  verdict(t, await verify(p.bundle, p.pub, '--installed-version', '4'), 0, /^ok: /);
  verdict(t, await verify(p.bundle, p.pub, '--now', '2099-01-01'), 1, /^refused \(expired\): .*manifest\.json: expires: the bundle expired at .* \(device time 2099-01-01T00:00:00\.000Z\)/);
  const q = await packed(['--min-runtime', '9.0.0', '--target', 'arm64/cuda', '--expires', '2099-12-31']);
  verdict(t, await verify(q.bundle, q.pub), 1, /^refused \(runtime\): .*min_runtime_version: needs runtime 9\.0\.0, this device runs 0\.2\.0/);
  const r = await packed(['--target', 'arm64/cuda']);
  verdict(t, await verify(r.bundle, r.pub), 1, /^refused \(target\): .*target: arm64\/cuda is built for arm64, this device is x64/);
  verdict(t, await elma(['bundle', 'verify', r.tar, '--pubkey', r.pub, '--device', 'arm64/js,cuda']), 0, /^ok: .*target arm64\/cuda/);
  verdict(t, await elma(['bundle', 'verify', r.tar, '--pubkey', r.pub, '--device', 'arm64/js']), 1, /\(target\).*needs the cuda backend, this device has js/);
});

test('verify refuses a damaged archive: truncated, a tampered member, trailing data', async (t) => {
  const p = await shared;
  const tar = readFileSync(p.tar);
  const cut = path.join(scratch(), 'cut.tar');
  writeFileSync(cut, tar.subarray(0, tar.length - 4096));
  verdict(t, await verify(cut, p.pub), 1, /^refused \(malformed-tar\): .*cut\.tar: /);
  const bad = path.join(scratch(), 'bad.tar');
  const b = Buffer.from(tar);
  b[6000] = b[6000]! ^ 0xff; // inside spiece.model's data (after the manifest's and the signature's blocks)
  writeFileSync(bad, b);
  verdict(t, await verify(bad, p.pub), 1, /^refused \(file-(hash|size)\): .*bad\.tar\/\w+/);
  const more = path.join(scratch(), 'more.tar');
  writeFileSync(more, Buffer.concat([tar, Buffer.from('smuggled'.padEnd(512, '\0'))]));
  verdict(t, await verify(more, p.pub), 1, /^refused \(malformed-tar\): .*after the end-of-archive marker/);
});

test('pack and verify refuse bad keys, bundles and options with one clear line', async (t) => {
  const p = await shared;
  const d = copyDir(p.bundle);
  writeFileSync(path.join(d, 'notes.txt'), 'x');
  const spaced = copyDir(p.bundle);
  writeFileSync(path.join(spaced, 'notes (1).txt'), 'x');
  const loose = path.join(scratch(), 'loose.key');
  writeFileSync(loose, readFileSync(p.key), { mode: 0o644 });
  chmodSync(loose, 0o644);
  const cases: Array<[string[], number, RegExp]> = [
    [['bundle', 'pack', d, '--key', p.key, '--version', '6'], 1, /notes\.txt: is not listed in manifest\.json; remove it, or list it, before packing/],
    [['bundle', 'pack', spaced, '--key', p.key, '--version', '6', '--out', path.join(p.dir, 'spaced.tar')], 1, /notes \(1\)\.txt: is not a portable file name/],
    [['bundle', 'pack', p.bundle, '--key', loose, '--version', '6'], 1, /loose\.key: is readable by other users; chmod 600 it/],
    [['bundle', 'pack', p.bundle, '--key', p.key, '--version', '6', '--out', path.join(p.bundle, 'x.tar')], 1, /x\.tar: is inside the bundle it archives/],
    [['bundle', 'pack', p.bundle, '--key', p.key, '--version', '6', '--expires', '2001-01-01'], 2, /--expires 2001-01-01 is in the past/],
    [['bundle', 'pack', p.bundle, '--key', p.key, '--version', '6', '--expires', '2027-02-30'], 2, /--expires must be a date/],
    [['bundle', 'pack', p.bundle, '--key', p.key, '--version', '6', '--target', 'aarch64/js'], 2, /--target must be <arch>\/<backend> with arch one of any, arm64, x64/],
    [['bundle', 'pack', p.bundle, '--key', p.key], 2, /missing required option --version/],
    [['bundle', 'pack', p.bundle, '--key', p.key, '--version', '0'], 2, /--version must be an integer ≥ 1/],
    [['bundle', 'pack', path.join(p.dir, 'nothing'), '--key', p.key, '--version', '6'], 1, /nothing: no such bundle directory/],
    [['bundle', 'verify', p.bundle, '--pubkey', p.key], 1, /signing\.key: is a secret signing key; give verifiers only the public key/],
    [['bundle', 'verify', p.bundle, '--pubkey', 'ff'.repeat(32)], 1, /--pubkey: f{64} is not an Ed25519 public key \(a link key from elma link-keygen\?\); a release key is expected here/],
    [['bundle', 'verify', p.bundle, '--pubkey', 'no-such-file'], 1, /--pubkey: "no-such-file" is neither a public key \(64 hex digits\) nor a file/],
    [['bundle', 'verify', p.bundle, '--pubkey', p.dir], 1, /--pubkey: ".*" is a directory; a release key is expected here/],
    [['bundle', 'pack', p.bundle, '--key', p.dir, '--version', '6'], 1, /: is a directory, not a signing key file \(elma keygen writes one\)/],
    [['bundle', 'verify', p.bundle, '--pubkey', p.pub, '--now', 'yesterday'], 2, /--now must be a date/],
    [['bundle', 'verify', p.bundle, '--pubkey', p.pub, '--device', 'any/js'], 2, /--device must be/],
    [['bundle', 'verify', p.bundle, '--pubkey', p.pub, '--key', p.key], 2, /bundle verify takes no option --key/],
    [['bundle', 'sign', p.bundle], 2, /unknown subcommand "sign"; known: pack, verify/],
    [['bundle', 'verify', path.join(p.dir, 'nothing'), '--pubkey', p.pub], 1, /nothing: no such bundle directory or archive/],
  ];
  for (const [argv, code, re] of cases) {
    const r = await elma(argv);
    t.is(r.code, code, `${argv.join(' ')}\n${r.stdout}${r.stderr}`);
    t.regex(r.stderr, re, argv.join(' '));
    t.notRegex(r.stderr, /\n\s+at /);
    t.false((r.stdout + r.stderr).includes(p.secret), 'no secret printed');
  }
  // The refused packs left the bundle as it was.
  verdict(t, await verify(p.bundle, p.pub), 0, /^ok: .*version 5/);
});

test('packing again raises the version and re-signs; the old signature is replaced', async (t) => {
  const p = await shared;
  const d = copyDir(p.bundle);
  const r = await elma(['bundle', 'pack', d, '--key', p.key, '--version', '6', '--expires', '+7', '--target', 'x64/js']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^packed .*: albert_tiny_qa version 6, key [0-9a-f]{16}, expires \S+, target x64\/js, min runtime 0\.2\.0, 3 files \(\d+ bytes\)\n$/);
  verdict(t, await verify(d, p.pub, '--installed-version', '5'), 0, /^ok: .*version 6/);
});

test('without --device, verify checks the target against this machine and its loadable backends', async (t) => {
  t.true(TARGET_ARCHS.includes(process.arch), `${process.arch} is a known target architecture`);
  for (const b of BACKEND_NAMES) t.true(TARGET_BACKENDS.includes(b), `backend ${b} can be a target`);
  const here = await packed(['--target', `${process.arch}/js`]);
  verdict(t, await elma(['bundle', 'verify', here.bundle, '--pubkey', here.pub]), 0, new RegExp(`^ok: .*target ${process.arch}/js`));
  const elsewhere = process.arch === 'arm64' ? 'x64' : 'arm64';
  const there = await packed(['--target', `${elsewhere}/js`]);
  verdict(t, await elma(['bundle', 'verify', there.tar, '--pubkey', there.pub]), 1, new RegExp(`^refused \\(target\\): .*is built for ${elsewhere}, this device is ${process.arch}`));
});
