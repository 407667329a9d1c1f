/**
 * Bundle archives: our POSIX ustar writer and reader against each other, against GNU tar both ways,
 * and against hostile archives built by hand (an independent header writer below): truncation at
 * every length, path traversal, absolute names, links, directories, extensions, bad numbers,
 * duplicates, data after the end.
 */
import test, { type ExecutionContext } from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { scratch } from '../_cli.ts';
import { BundleRefusal } from '../../models/errors.ts';
import { MANIFEST_FILE } from '../../models/bundle/manifest.ts';
import { SIGNATURE_FILE } from '../../models/bundle/signature.ts';
import { encodeHeader } from '../../models/bundle/tar-format.ts';
import { MAX_MEMBERS, indexTar, tarFiles } from '../../models/bundle/tar-read.ts';
import { tarBytes } from '../../models/bundle/tar-write.ts';
import { verifyBundle } from '../../models/bundle/verify.ts';
import { memoryAccess, policy, signedBundle } from './_bundle.ts';
import { testUnless } from '../_skip.ts';

/** GNU tar's tests: loud skips where there is none (.ci/run installs it). */
const withTar = testUnless(spawnSync('tar', ['--version']).status === 0 ? null : 'no GNU tar on this machine (apt-get install tar)');

interface Raw {
  name: string;
  size?: number;
  type?: string;
  prefix?: string;
  magic?: string;
  version?: string;
  sizeField?: string;
  linkname?: string;
}

/** A ustar header written from the standard's table, independently of tar-format.ts. */
function rawHeader(o: Raw): Uint8Array {
  const h = new Uint8Array(512);
  const put = (s: string, at: number): void => { for (let i = 0; i < s.length; i++) h[at + i] = s.charCodeAt(i); };
  put(o.name, 0);
  put('0000644\0', 100); put('0000000\0', 108); put('0000000\0', 116);
  put(o.sizeField ?? `${(o.size ?? 0).toString(8).padStart(11, '0')}\0`, 124);
  put('00000000000\0', 136);
  put(o.type ?? '0', 156);
  put(o.linkname ?? '', 157);
  put(o.magic ?? 'ustar\0', 257); put(o.version ?? '00', 263);
  put('0000000\0', 329); put('0000000\0', 337);
  put(o.prefix ?? '', 345);
  put('        ', 148);
  const sum = h.reduce((a, b) => a + b, 0);
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.byteLength; }
  return out;
}

/** An archive of raw headers, each followed by its data padded to a block, then the end marker. */
function archive(members: ReadonlyArray<[Raw, Uint8Array?]>, end = 1024): Uint8Array {
  return concat([...members.flatMap(([r, data = new Uint8Array(r.size ?? 0)]) => [rawHeader(r), data, new Uint8Array((512 - (data.byteLength % 512)) % 512)]), new Uint8Array(end)]);
}

function refusedTar(t: ExecutionContext, bytes: Uint8Array, re: RegExp): void {
  const e = t.throws(() => indexTar(memoryAccess(bytes), 'b.tar'), { instanceOf: BundleRefusal });
  t.is((e as BundleRefusal).reason, 'malformed-tar');
  t.regex(e!.message, re);
}

const SIZES = [0, 1, 511, 512, 513, (1 << 20) + 3];
const sample = (): Map<string, Uint8Array> => new Map(SIZES.map((n, i) => [`f${i}.bin`, new Uint8Array(n).map((_, j) => (j * 31 + i) & 0xff)]));

test('writer and reader round trip member names, sizes and bytes (sizes around block edges)', (t) => {
  const files = sample();
  const tar = tarBytes(files);
  t.is(tar.byteLength % 512, 0);
  const members = indexTar(memoryAccess(tar), 'b.tar');
  t.deepEqual(members.map((m) => [m.name, m.size]), [...files].map(([n, b]) => [n, b.byteLength]));
  const view = tarFiles(memoryAccess(tar), 'b.tar');
  for (const [name, bytes] of files) {
    t.deepEqual(view.read(name, 0, bytes.byteLength + 10), bytes, name);
    if (bytes.byteLength > 5) t.deepEqual(view.read(name, 3, 2), bytes.subarray(3, 5));
  }
});

test('our header matches one written from the standard by hand, byte for byte', (t) => {
  for (const [name, size] of [['manifest.json', 1723], ['weights.safetensors', 423064], ['x', 0]] as const) {
    t.deepEqual(encodeHeader(name, size), rawHeader({ name, size }));
  }
  t.throws(() => encodeHeader('../x', 1), { instanceOf: RangeError });
  t.throws(() => encodeHeader('a'.repeat(101), 1), { instanceOf: RangeError });
});

test('the archive order is manifest, signature, then files by name', (t) => {
  const tar = tarBytes(new Map([['z.bin', new Uint8Array(1)], [SIGNATURE_FILE, new Uint8Array(2)], ['a.bin', new Uint8Array(3)], [MANIFEST_FILE, new Uint8Array(4)]]));
  t.deepEqual(indexTar(memoryAccess(tar), 'b.tar').map((m) => m.name), [MANIFEST_FILE, SIGNATURE_FILE, 'a.bin', 'z.bin']);
});

withTar('GNU tar lists and extracts our archives unchanged', (t) => {
  const dir = scratch();
  const files = sample();
  writeFileSync(path.join(dir, 'b.tar'), tarBytes(files));
  const listing = execFileSync('tar', ['-tf', path.join(dir, 'b.tar')], { encoding: 'utf8' });
  t.deepEqual(listing.trim().split('\n'), [...files.keys()]);
  mkdirSync(path.join(dir, 'x'));
  execFileSync('tar', ['-xf', path.join(dir, 'b.tar'), '-C', path.join(dir, 'x')]);
  for (const [name, bytes] of files) t.deepEqual(new Uint8Array(readFileSync(path.join(dir, 'x', name))), bytes, name);
});

withTar('we read GNU tar --format=ustar archives (record padding included) and refuse its default GNU format', (t) => {
  const dir = scratch();
  const files = sample();
  for (const [n, b] of files) writeFileSync(path.join(dir, n), b);
  const names = [...files.keys()];
  execFileSync('tar', ['--format=ustar', '-cf', 'u.tar', ...names], { cwd: dir });
  const u = new Uint8Array(readFileSync(path.join(dir, 'u.tar')));
  t.is(u.byteLength % 10240, 0, 'GNU pads to whole 10240-byte records');
  const view = tarFiles(memoryAccess(u), 'u.tar');
  for (const [name, bytes] of files) t.deepEqual(view.read(name, 0, bytes.byteLength), bytes);
  execFileSync('tar', ['--format=gnu', '-cf', 'g.tar', ...names], { cwd: dir });
  refusedTar(t, new Uint8Array(readFileSync(path.join(dir, 'g.tar'))), /b\.tar: header at byte 0: is not a POSIX ustar header/);
});

test('a truncated archive is refused at every length', (t) => {
  const tar = tarBytes(new Map([['a.bin', new Uint8Array(700).fill(1)], ['b.bin', new Uint8Array(100).fill(2)]]));
  let n = 0;
  for (let len = 0; len < tar.byteLength; len++) {
    const e = t.throws(() => indexTar(memoryAccess(tar.subarray(0, len)), 'b.tar'), { instanceOf: BundleRefusal }, `length ${len}`);
    t.is((e as BundleRefusal).reason, 'malformed-tar');
    n++;
  }
  t.log(`${n} truncations refused`);
  refusedTar(t, tar.subarray(0, 1000), /is 1000 bytes, not a whole number of 512-byte blocks \(truncated\?\)/);
  refusedTar(t, tar.subarray(0, 1024), /member "a\.bin": needs 700 bytes from byte 512, the archive ends at 1024 \(truncated\)/);
  refusedTar(t, tar.subarray(0, 1536), /ends at byte 1536 without the end-of-archive marker \(truncated\)/);
  refusedTar(t, tar.subarray(0, tar.byteLength - 512), /has one zero block at byte 2560 but not the two that end an archive/);
});

test('path traversal, absolute names and subdirectories are refused', (t) => {
  refusedTar(t, archive([[{ name: '../evil.so', size: 1 }]]), /member "\.\.\/evil\.so": climbs out of the bundle with "\.\." \(path traversal\)/);
  refusedTar(t, archive([[{ name: 'a/../../evil', size: 1 }]]), /path traversal/);
  refusedTar(t, archive([[{ name: 'x', prefix: '..', size: 1 }]]), /member "\.\.\/x": climbs out/);
  refusedTar(t, archive([[{ name: '/etc/passwd', size: 1 }]]), /member "\/etc\/passwd": is an absolute path/);
  refusedTar(t, archive([[{ name: 'passwd', prefix: '/etc', size: 1 }]]), /is an absolute path/);
  refusedTar(t, archive([[{ name: 'sub/file', size: 1 }]]), /member "sub\/file": is in a subdirectory; bundle archives are flat/);
  refusedTar(t, archive([[{ name: 'a b', size: 1 }]]), /member "a b": is not a portable file name/);
  refusedTar(t, archive([[{ name: 'caf\u00e9', size: 1 }]]), /empty or non-ASCII member name/);
  refusedTar(t, archive([[{ name: '.', size: 0 }]]), /member "\.": is not a portable file name/);
});

test('links, directories, devices and tar extensions are refused by type', (t) => {
  refusedTar(t, archive([[{ name: 'weights.safetensors', type: '2', linkname: '/etc/shadow' }]]), /member "weights\.safetensors": is a symbolic link; bundles hold regular files only/);
  refusedTar(t, archive([[{ name: 'w', type: '1', linkname: 'manifest.json' }]]), /is a hard link/);
  refusedTar(t, archive([[{ name: 'd', type: '5' }]]), /is a directory/);
  refusedTar(t, archive([[{ name: 'c', type: '3' }]]), /is a character device/);
  refusedTar(t, archive([[{ name: 'PaxHeader', type: 'x', size: 30 }]]), /is a pax extended header/);
  refusedTar(t, archive([[{ name: '././@LongLink', type: 'L', size: 200 }]]), /"\.\/\.\/@LongLink": is in a subdirectory/);
  refusedTar(t, archive([[{ name: 'LongLink', type: 'L', size: 200 }]]), /is a GNU long name/);
  refusedTar(t, archive([[{ name: 'q', type: 'Z' }]]), /is an entry of type "Z"/);
});

test('damaged headers and numbers are refused', (t) => {
  const good = archive([[{ name: 'a', size: 3 }]]);
  const flipped = good.slice();
  flipped[10] = flipped[10]! ^ 0x01;
  refusedTar(t, flipped, /header at byte 0: checksum does not match \(damaged archive\)/);
  refusedTar(t, archive([[{ name: 'a', size: 3, magic: 'ustar ', version: ' \0' }]]), /not a POSIX ustar header/);
  refusedTar(t, archive([[{ name: 'a', sizeField: '0000000009\0\0' }]]), /member "a": size field is not an octal number/);
  refusedTar(t, archive([[{ name: 'a', sizeField: '\x80\0\0\0\0\0\0\0\0\0\x10\0' }]]), /size field is not an octal number/);
  refusedTar(t, archive([[{ name: 'a', sizeField: '77777777777\0' }, new Uint8Array(0)]], 1024), /member "a": needs 8589934591 bytes/);
});

test('duplicates, data after the end and too many members are refused', (t) => {
  refusedTar(t, archive([[{ name: 'a', size: 1 }], [{ name: 'a', size: 2 }]]), /member "a": appears twice/);
  const tar = tarBytes(new Map([['a', new Uint8Array(1)]]));
  refusedTar(t, concat([tar, rawHeader({ name: 'smuggled', size: 0 })]), /has data at byte 2048, after the end-of-archive marker at byte 1024/);
  const trailingZeros = concat([tar, new Uint8Array(8192)]);
  t.is(indexTar(memoryAccess(trailingZeros), 'b.tar').length, 1);
  refusedTar(t, archive(Array.from({ length: MAX_MEMBERS + 1 }, (_, i) => [{ name: `m${i}` }] as [Raw])), /has more than 256 members/);
});

test('a signed bundle verifies from its archive; a tampered member or header is refused', (t) => {
  const files = signedBundle();
  const tar = tarBytes(files);
  const v = verifyBundle(tarFiles(memoryAccess(tar), 'b.tar'), policy());
  t.is(v.files, 3);
  const members = indexTar(memoryAccess(tar), 'b.tar');
  const w = members.find((m) => m.name === 'weights.safetensors')!;
  const data = tar.slice();
  data[w.offset + 100] = data[w.offset + 100]! ^ 0x80;
  const e = t.throws(() => verifyBundle(tarFiles(memoryAccess(data), 'b.tar'), policy()), { instanceOf: BundleRefusal });
  t.is((e as BundleRefusal).reason, 'file-hash');
  t.regex(e!.message, /b\.tar\/weights\.safetensors: sha256 differs/);
  const header = tar.slice();
  header[w.offset - 512 + 130] = header[w.offset - 512 + 130]! ^ 0x01; // inside the size field
  t.throws(() => verifyBundle(tarFiles(memoryAccess(header), 'b.tar'), policy()), { instanceOf: BundleRefusal, message: /b\.tar: header at byte \d+: checksum does not match/ });
  const less = new Map(files);
  less.delete('spiece.model');
  t.throws(() => verifyBundle(tarFiles(memoryAccess(tarBytes(less)), 'b.tar'), policy()), { message: /b\.tar\/spiece\.model: is listed in the manifest but missing/ });
});
