/**
 * Release keys (elma keygen: Ed25519, sign and verify bundles) and link keys (elma link-keygen:
 * X25519, the encrypted link) are both JSON files of 64-hex-digit keys made by sibling commands,
 * so one is easily given for the other (issue 15). Each command names the kind it expected.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { elma, scratch } from '../_cli.ts';
import { ROOT } from './_edge-fixture.ts';

const dir = scratch('elma-key-kinds-');
const linkKey = path.join(dir, 'link.key'), releaseKey = path.join(dir, 'release.key');
const linkPubFile = path.join(dir, 'link.pub'), releasePubFile = path.join(dir, 'release.pub');
const bundle = path.join(dir, 'bundle');

test.before(async () => {
  const l = await elma(['link-keygen', '--out', linkKey]);
  const r = await elma(['keygen', '--out', releaseKey]);
  if (l.code !== 0 || r.code !== 0) throw new Error(l.stderr + r.stderr);
  writeFileSync(linkPubFile, l.stdout);
  writeFileSync(releasePubFile, r.stdout);
  cpSync(path.join(ROOT, 'models/default'), bundle, { recursive: true });
});

/** An X25519 public key (what link-keygen prints) that is not an Ed25519 point, as half of them are not. */
function linkPublicKeyOffCurve(): string {
  for (;;) {
    const pub = x25519.getPublicKey(new Uint8Array(randomBytes(32)));
    if (!ed25519.utils.isValidPublicKey(pub, false)) return Buffer.from(pub).toString('hex');
  }
}

const RELEASE_SECRET = 'a release signing key is expected here (the secret key file elma keygen wrote)';
const RELEASE_PUBLIC = 'a release key is expected here (the public key elma keygen printed)';
const LINK = 'a link key (elma link-keygen) is expected here';

test('a link key where a release key is expected: the kind expected is named', async (t) => {
  const offCurve = linkPublicKeyOffCurve();
  const cases: [string[], string][] = [
    [['bundle', 'pack', bundle, '--key', linkKey, '--version', '2'], `elma bundle: ${linkKey}: is a link key (elma link-keygen); ${RELEASE_SECRET}`],
    [['bundle', 'pack', bundle, '--key', releasePubFile, '--version', '2'], `elma bundle: ${releasePubFile}: holds a public key only; ${RELEASE_SECRET}`],
    [['bundle', 'verify', bundle, '--pubkey', linkKey], `elma bundle: ${linkKey}: is a link key (elma link-keygen); ${RELEASE_PUBLIC}`],
    [['bundle', 'verify', bundle, '--pubkey', offCurve], `elma bundle: --pubkey: ${offCurve} is not an Ed25519 public key (a link key from elma link-keygen?); ${RELEASE_PUBLIC}`],
    [['edge', 'init', '--dir', path.join(dir, 'dev'), '--cloud', '127.0.0.1:1', '--server-key', linkPubFile, '--release-key', linkKey, '--bundle', bundle],
      `elma edge: ${linkKey}: is a link key (elma link-keygen); ${RELEASE_PUBLIC}`],
  ];
  for (const [argv, line] of cases) {
    const r = await elma(argv);
    t.is(r.code, 1, argv.join(' '));
    t.is(r.stderr.split('\n')[0], line, argv.join(' '));
  }
});

test('a release key where a link key is expected: the kind expected is named', async (t) => {
  const cases: [string[], string][] = [
    [['serve', '--key', releaseKey, '--registry', path.join(dir, 'reg.json')], `elma serve: ${releaseKey}: is a release signing key (elma keygen); ${LINK}`],
    [['serve', '--key', linkPubFile, '--registry', path.join(dir, 'reg.json')], `elma serve: ${linkPubFile}: holds a public key only; ${LINK}`],
    [['link-ask', '--server', '127.0.0.1:1', '--server-key', releaseKey, '--key', linkKey, '--outbox', path.join(dir, 'ob')], `elma link-ask: ${releaseKey}: is a release signing key (elma keygen); ${LINK}`],
    [['link-register', '--registry', path.join(dir, 'reg.json'), '--name', 'dev-1', '--public-key', releaseKey], `elma link-register: ${releaseKey}: is a release signing key (elma keygen); ${LINK}`],
  ];
  for (const [argv, line] of cases) {
    const r = await elma(argv);
    t.is(r.code, 1, argv.join(' '));
    t.is(r.stderr.split('\n')[0], line, argv.join(' '));
  }
  // Each kind still works where it belongs.
  t.is((await elma(['link-register', '--registry', path.join(dir, 'reg.json'), '--name', 'dev-1', '--public-key', linkPubFile.replace('.pub', '.key')])).code, 0);
  t.is((await elma(['bundle', 'pack', bundle, '--key', releaseKey, '--version', '2'])).code, 0);
  const v = await elma(['bundle', 'verify', bundle, '--pubkey', releasePubFile]);
  t.is(v.code, 0, v.stderr);
});
