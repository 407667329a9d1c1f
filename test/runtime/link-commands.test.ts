/** The link commands' files and refusals: key files (mode, tampering), registries, bad options;
 *  each failure is one line naming the file or option, never a stack trace. */
import test from 'ava';
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { elma, scratch } from '../_cli.ts';

test('link-keygen writes a 0600 key file and prints its public key; link-register builds the registry', async (t) => {
  const dir = scratch();
  const key = path.join(dir, 'dev.key');
  const r = await elma(['link-keygen', '--out', key]);
  t.is(r.code, 0);
  t.is(statSync(key).mode & 0o777, 0o600);
  const doc = JSON.parse(readFileSync(key, 'utf8')) as { type: string; public: string };
  t.is(doc.type, 'elma-link-key');
  t.is(r.stdout.trim(), doc.public);
  const again = await elma(['link-keygen', '--out', key]);
  t.is(again.code, 2);
  t.regex(again.stderr, /dev\.key exists; pass --force/);
  t.is((await elma(['link-keygen', '--out', key, '--force'])).code, 0);
  for (const cmd of ['link-keygen', 'keygen']) {
    // A directory in the key's place: named, and nothing (no temporary) left beside it.
    const onDir = await elma([cmd, '--out', dir, '--force']);
    t.is(onDir.code, 1, cmd);
    t.is(onDir.stderr, `elma ${cmd}: ${dir}: is a directory, not a file\n`);
  }
  t.deepEqual(readdirSync(path.dirname(dir)).filter((n) => n.startsWith(`.${path.basename(dir)}.tmp-`)), []);
  const reg = path.join(dir, 'devices.json');
  t.is((await elma(['link-register', '--registry', reg, '--name', 'jetson-01', '--public-key', key])).code, 0);
  // A refused argument is blamed, not the registry file (issue 15).
  const dup = await elma(['link-register', '--registry', reg, '--name', 'jetson-01', '--public-key', 'ab'.repeat(32)]);
  t.is(dup.code, 2);
  t.regex(dup.stderr, /^elma link-register: --name jetson-01: a device of that name is already in .*devices\.json\n/);
  const sameKey = await elma(['link-register', '--registry', reg, '--name', 'jetson-02', '--public-key', key]);
  t.is(sameKey.code, 2);
  t.regex(sameKey.stderr, /^elma link-register: --public-key: this key is already in .*devices\.json, as "jetson-01"\n/);
  for (const name of ['../x', 'bad name!', '-x', 'a'.repeat(65)]) {
    const badName = await elma(['link-register', '--registry', reg, `--name=${name}`, '--public-key', 'cd'.repeat(32)]);
    t.is(badName.code, 2, name);
    t.is(badName.stderr.split('\n')[0], `elma link-register: --name ${JSON.stringify(name)}: must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit`);
    t.notRegex(badName.stderr, /devices\[/);
  }
  const fresh = path.join(dir, 'fresh.json');
  t.regex((await elma(['link-register', '--registry', fresh, '--name', 'bad name!', '--public-key', key])).stderr, /^elma link-register: --name "bad name!": must be/);
  t.is((JSON.parse(readFileSync(reg, 'utf8')) as { devices: unknown[] }).devices.length, 1, 'refusals leave the registry as it was');
});

test('serve and cloud serve refuse a port outside 0..65535 before anything else, naming the option (issue 15)', async (t) => {
  const dir = scratch();
  const key = path.join(dir, 'server.key');
  await elma(['link-keygen', '--out', key]);
  const cases: [string[], string][] = [
    [['serve', '--key', key, '--registry', 'none.json', '--port', '99999'], '--port must be a TCP port 0..65535, got "99999"'],
    [['serve', '--key', key, '--registry', 'none.json', '--port', '-1'], '--port must be a TCP port 0..65535, got "-1"'],
    [['serve', '--key', key, '--registry', 'none.json', '--port', 'http'], '--port must be a TCP port 0..65535, got "http"'],
    [['cloud', 'serve', '--bundle', 'none', '--key', key, '--registry', 'none.json', '--port', '99999'], '--port must be a TCP port 0..65535, got "99999"'],
    [['cloud', 'serve', '--bundle', 'none', '--key', key, '--store', 'none.db', '--admin-port', '70000'], '--admin-port must be a TCP port 0..65535, got "70000"'],
    [['cloud', 'serve', '--bundle', 'none', '--key', key, '--store', 'none.db', '--admin-port', '-8080'], '--admin-port must be a TCP port 0..65535, got "-8080"'],
  ];
  for (const [argv, message] of cases) {
    const r = await elma(argv);
    t.is(r.code, 2, argv.join(' '));
    t.is(r.stderr.split('\n')[0], `elma ${argv[0]}: ${message}`, argv.join(' '));
  }
});

test('serve and link-ask refuse bad key files, registries and options with one clear line', async (t) => {
  const dir = scratch();
  const key = path.join(dir, 'server.key');
  await elma(['link-keygen', '--out', key]);
  const reg = path.join(dir, 'devices.json');
  writeFileSync(reg, '{"version": 1, "devices": [{"name": "a", "publicKey": "xyz"}]}');
  const cases: [string[], RegExp][] = [
    [['serve', '--key', key, '--registry', reg], /devices\.json: devices\[0\]\.publicKey: must be 64 lowercase hex digits/],
    [['serve', '--key', key, '--registry', path.join(dir, 'none.json')], /none\.json: no such file or directory/],
    [['serve', '--key', reg, '--registry', reg], /devices\.json: is not an elma-link-key file/],
    [['serve', '--key', key, '--registry', reg, '--crypto', 'rot13'], /--crypto must be node or noble/],
    [['link-ask', '--server', 'localhost', '--server-key', 'ab'.repeat(32), '--key', key, '--outbox', dir], /--server must be host:port/],
    [['link-ask', '--server', 'h:1', '--server-key', 'zz', '--key', key, '--outbox', dir], /zz: no such file \(and not 64 hex digits\)/],
    [['link-ask', '--server', '127.0.0.1:1', '--server-key', 'ab'.repeat(32), '--key', key, '--outbox', dir, '--context', ' ', '--question', 'q'], /^elma link-ask: --context is blank \(only whitespace\)\n/],
    [['link-ask', '--server', '127.0.0.1:1', '--server-key', 'ab'.repeat(32), '--key', key, '--outbox', dir, '--context', 'c', '--question', ''], /^elma link-ask: --question is empty\n/],
  ];
  for (const [argv, re] of cases) {
    const r = await elma(argv);
    t.not(r.code, 0, argv.join(' '));
    t.regex(r.stderr, re, argv.join(' '));
    t.notRegex(r.stderr, /\n\s+at /);
  }
  const blankLine = await elma(['link-ask', '--server', '127.0.0.1:1', '--server-key', 'ab'.repeat(32), '--key', key, '--outbox', path.join(dir, 'ob2')],
    ['{"context": "  ", "question": "q"}']);
  t.is(blankLine.code, 2);
  t.regex(blankLine.stderr, /^elma link-ask: stdin line 1: "context" is empty\n/);
  writeFileSync(reg, '{"version": 1, "devices": []}');
  const tampered = JSON.parse(readFileSync(key, 'utf8')) as Record<string, string>;
  tampered.public = 'ab'.repeat(32);
  const bad = path.join(dir, 'tampered.key');
  writeFileSync(bad, JSON.stringify(tampered), { mode: 0o600 });
  t.regex((await elma(['serve', '--key', bad, '--registry', reg])).stderr, /tampered\.key: public: does not belong to the private key/);
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const used = (blocker.address() as net.AddressInfo).port;
  const inUse = await elma(['serve', '--key', key, '--registry', reg, '--port', String(used)]);
  blocker.close();
  t.is(inUse.code, 1);
  t.is(inUse.stderr, `elma serve: 127.0.0.1:${used}: address already in use\n`, 'one line: the failed listen is not also logged');
  // An address this machine does not have (TEST-NET-1, RFC 5737) and a host name that does not resolve.
  const foreign = await elma(['serve', '--key', key, '--registry', reg, '--host', '192.0.2.1']);
  t.is(foreign.stderr, 'elma serve: 192.0.2.1:7420: not an address of this machine\n');
  const nowhere = await elma(['serve', '--key', key, '--registry', reg, '--host', 'no-such-host.invalid']);
  t.is(nowhere.stderr, 'elma serve: no-such-host.invalid:7420: no such host\n');
  chmodSync(key, 0o644);
  t.regex((await elma(['serve', '--key', key, '--registry', reg])).stderr, /server\.key: is readable by other users; chmod 600 it/);
});
