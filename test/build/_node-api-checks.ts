/**
 * The Node APIs the device program uses, exercised by one program that runs both on Node (tsx)
 * and on elma-qjs (bundled with build/quickjs/node-api/ in their place, qjs-edge-bundle.ts's
 * bundleForQjs): it prints one JSON object of what it observed, and qjs-device.test.ts requires the
 * two to be equal. Paths are printed relative to the scratch directory given as the argument.
 *
 *   <node --import tsx | elma-qjs bundle.js> _node-api-checks.ts <scratch dir>
 */
import { appendFileSync, closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, readSync,
  renameSync, rmSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';

const dir = process.argv[2]!;
const out: Record<string, unknown> = {};
const rel = (s: string): string => s.split(dir).join('<dir>');
const err = (f: () => unknown): string => {
  try {
    f();
    return 'no error';
  } catch (e) {
    const x = e as NodeJS.ErrnoException;
    return `${x.code} ${x.syscall ?? ''} | ${rel(x.message)}`;
  }
};
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// path (Node's POSIX rules)
out.path = [
  path.join('a', 'b/../c', './d'), path.join('/a/', '..', '..', 'x'), path.join('', ''), path.resolve('/x/y', '../z', 'w/'),
  path.dirname('/a/b/'), path.dirname('a'), path.dirname('/a'), path.basename('/a/b.tar', '.tar'), path.basename('/a/b/'),
  path.extname('x.tar.gz'), path.extname('.bashrc'), path.extname('a.'), path.normalize('a//b/./c/..'), path.relative('/a/b/c', '/a/d'),
  path.isAbsolute('/x'), path.isAbsolute('x'),
];

// Buffer and text
const bytes = Buffer.from('héllo wörld ✓', 'utf8');
out.buffer = [
  bytes.length, bytes.toString('hex'), bytes.toString('base64'), Buffer.from([251, 255, 0]).toString('base64url'), Buffer.from('+/8=', 'base64').toString('hex'),
  Buffer.from('0a0B0c', 'hex').toString('hex'), Buffer.byteLength('✓✓'), Buffer.concat([Buffer.from('ab'), Buffer.from('cd')], 3).toString(),
  bytes.indexOf(0x20), bytes.indexOf('wörld'), bytes.includes('zz'), Buffer.from('abc').equals(Buffer.from('abc')),
  Buffer.from([0x61, 0xff, 0x62, 0xe2, 0x82]).toString('utf8'), Buffer.from([0xf0, 0x9f, 0x98, 0x80]).toString(),
];
out.textDecoder = [
  new TextDecoder().decode(Uint8Array.of(0xc3, 0x28, 0x41)), err(() => new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.of(0xc3, 0x28))),
  Array.from(new TextEncoder().encode('ü✓')),
];

// files, with Node's errors
const f = path.join(dir, 'a', 'b', 'file.txt');
out.mkdirRecursive = rel(String(mkdirSync(path.join(dir, 'a', 'b'), { recursive: true })));
out.mkdirAgain = String(mkdirSync(path.join(dir, 'a', 'b'), { recursive: true }));
writeFileSync(f, 'first line\n');
appendFileSync(f, 'second ✓\n');
out.read = readFileSync(f, 'utf8');
out.readBuffer = hex(readFileSync(f).subarray(0, 5));
const st = statSync(f);
out.stat = [st.size, st.isFile(), st.isDirectory(), statSync(path.join(dir, 'a')).isDirectory()];
out.errors = [
  err(() => openSync(f, 'wx')), err(() => openSync(path.join(dir, 'none', 'x'), 'r')), err(() => renameSync(path.join(dir, 'nope'), path.join(dir, 'x'))),
  err(() => linkSync(f, f)), err(() => readdirSync(path.join(dir, 'none'))), err(() => unlinkSync(path.join(dir, 'none'))),
  err(() => mkdirSync(path.join(dir, 'a'))), err(() => rmSync(path.join(dir, 'a'))), err(() => readFileSync(path.join(dir, 'a'))),
];
const fd = openSync(path.join(dir, 'pos.bin'), 'w+');
writeSync(fd, Buffer.from('0123456789'));
writeSync(fd, Buffer.from('ab'), 0, 2, 4);
fsyncSync(fd);
const back = Buffer.alloc(6);
out.positioned = [readSync(fd, back, 0, 6, 2), back.toString()];
closeSync(fd);
renameSync(path.join(dir, 'pos.bin'), path.join(dir, 'a', 'moved.bin'));
out.listing = readdirSync(path.join(dir, 'a')).sort();
rmSync(path.join(dir, 'a'), { recursive: true });
out.removed = [existsSync(path.join(dir, 'a')), err(() => rmSync(path.join(dir, 'a'), { recursive: true, force: true }))];

// hashes: node:crypto's and @noble's sha256 (in C on elma-qjs), HMAC-SHA-256 (RFC 4231 §4.3, test case 2)
const data = Uint8Array.from({ length: 100_003 }, (_, i) => (i * 31 + 7) & 0xff);
out.sha256 = [createHash('sha256').update(data).digest('hex'), hex(sha256(data)), hex(sha256.create().update(data.subarray(0, 5)).update(data.subarray(5)).digest())];
out.hmac = hex(hmac(sha256, Buffer.from('Jefe'), Buffer.from('what do ya want for nothing?')));

// timers and the event loop
const order: string[] = [];
out.timers = order;
setTimeout(() => order.push('t30'), 30);
setTimeout(() => order.push('t1'), 1);
const never = setTimeout(() => order.push('cleared'), 2);
clearTimeout(never);
setTimeout(() => order.push('unref: must not keep the program alive'), 60_000).unref();
let ticks = 0;
const iv = setInterval(() => { order.push(`tick${++ticks}`); if (ticks === 3) clearInterval(iv); }, 60);
queueMicrotask(() => order.push('microtask'));
process.nextTick(() => order.push('nextTick'));
order.push('sync');

// sockets: an echo server, a client, each one's events in order; a refused connection's error
const net_: Record<'server' | 'client' | 'refused', string[]> = { server: [], client: [], refused: [] };
out.net = net_;
const events = { push: (e: string): void => { net_[e.startsWith('server') ? 'server' : e.startsWith('client') ? 'client' : 'refused'].push(e); } };
const server = net.createServer((s) => {
  s.on('data', (b: Buffer) => { events.push(`server data ${b.toString()}`); s.end(`echo ${b.toString()}`); });
  s.on('close', () => { events.push('server socket close'); server.close(() => events.push('server close')); });
});
server.listen(0, '127.0.0.1', () => {
  const port = (server.address() as net.AddressInfo).port;
  const c = net.connect({ host: '127.0.0.1', port }, () => { events.push('client connect'); c.write('ping'); });
  c.on('data', (b: Buffer) => events.push(`client data ${b.toString()}`));
  c.on('end', () => events.push('client end'));
  c.on('close', (hadError: boolean) => {
    events.push(`client close ${hadError}`);
    const r = net.connect({ host: '127.0.0.1', port: 1 });
    r.on('error', (e: NodeJS.ErrnoException) => events.push(`refused ${e.code} ${e.message}`));
    r.on('close', (hadErr: boolean) => events.push(`refused close ${hadErr}`));
  });
});

// Deadlines far apart: timers run in deadline order even when a loaded machine runs them late.
setTimeout(() => { process.stdout.write(`${JSON.stringify(out)}\n`); }, 600);
