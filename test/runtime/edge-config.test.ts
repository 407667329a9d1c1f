/**
 * `elma edge init` and edge.json: every field checked at start, each bad one refused with one line
 * naming the file and the field; the systemd units checked by `systemd-analyze verify`.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { elma, scratch } from '../_cli.ts';
import { testUnless } from '../_skip.ts';
import { parseEdgeConfig } from '../../runtime/edge/config.ts';
import { ROOT, device, edgeKit } from './_edge-fixture.ts';

const kit = edgeKit();

test('edge init writes edge.json, a 0600 device key and provisioned slots, and prints the key and the link-register line', async (t) => {
  const k = await kit;
  const c = JSON.parse(readFileSync(path.join(k.template, 'edge.json'), 'utf8')) as Record<string, unknown>;
  t.like(c, { cloud: '127.0.0.1:1', device_key: 'device.key', slots: 'slots', release_key: k.releasePub, backend: 'auto', depth_limit: 6, threshold_scale: 1, offload_form: 'text', console: true });
  t.is(statSync(path.join(k.template, 'device.key')).mode & 0o777, 0o600);
  t.true(statSync(path.join(k.template, 'slots', 'A', 'manifest.json')).isFile());
  const again = await elma(['edge', 'init', '--dir', k.template, '--cloud', 'h:1', '--server-key', 'ab'.repeat(32), '--release-key', k.releasePub]);
  t.is(again.code, 2);
  t.regex(again.stderr, /edge\.json exists; pass --force/);
  const dir = scratch();
  const unsigned = await elma(['edge', 'init', '--dir', dir, '--cloud', 'h:1', '--server-key', 'ab'.repeat(32), '--release-key', k.releasePub, '--bundle', path.join(ROOT, 'models/default')]);
  t.is(unsigned.code, 1, 'the unsigned default model is refused: the slots take only signed bundles');
  t.notRegex(unsigned.stderr, /\n\s+at /);
  const fresh = scratch();
  const ok = await elma(['edge', 'init', '--dir', path.join(fresh, 'd'), '--cloud', 'cloud.example:7420', '--server-key', 'ab'.repeat(32), '--release-key', k.releasePub, '--bundle', k.bundle, '--name', 'tx2-7']);
  t.is(ok.code, 0, ok.stderr);
  t.regex(ok.stdout, /^public key [0-9a-f]{64}$/m);
  t.regex(ok.stdout, /^enrol it on the cloud: elma link-register --registry <devices\.json> --name tx2-7 --public-key [0-9a-f]{64}$/m);
});

test('each bad edge.json field is refused at start with one line naming the field', async (t) => {
  const k = await kit;
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ depth_limit: 'x' }, /edge\.json: depth_limit: must be an integer 1\.\.12, got "x"/],
    [{ depth_limit: 0 }, /edge\.json: depth_limit: must be an integer 1\.\.12, got 0/],
    [{ cloud: 'nowhere' }, /edge\.json: cloud: must be host:port, got "nowhere"/],
    [{ cloud: 'h:99999' }, /edge\.json: cloud: must be host:port/],
    [{ backend: 'gpu' }, /edge\.json: backend: must be one of "auto", "js", "native", "onnx", got "gpu"/],
    [{ threshold_scale: -1 }, /edge\.json: threshold_scale: must be a number 0\.\.100, got -1/],
    [{ offload_form: 'pixels' }, /edge\.json: offload_form: must be one of "text", "hidden", got "pixels"/],
    [{ offload_timeout_ms: 0 }, /edge\.json: offload_timeout_ms: must be an integer 1\.\.600000, got 0/],
    [{ update_interval_s: 1.5 }, /edge\.json: update_interval_s: must be an integer 0\.\.2592000, got 1\.5/],
    [{ console: 'yes' }, /edge\.json: console: must be true or false, got "yes"/],
    [{ socket: 5 }, /edge\.json: socket: must be a Unix socket path or null, got 5/],
    [{ socket: `/tmp/${'s'.repeat(120)}` }, /edge\.json: socket: path is \d+ bytes; a Unix socket path must be under 100/],
    [{ outbox: '' }, /edge\.json: outbox: must be a non-empty string, got ""/],
    [{ colour: 'blue' }, /edge\.json: colour: unknown field/],
    [{ server_key: 'zz' }, /edge\.json: server_key: .*zz: no such file \(and not 64 hex digits\)/],
    [{ release_key: 'nokey' }, /edge\.json: release_key: .*"[^"]*nokey" is neither a public key/],
    [{ device_key: 'missing.key' }, /edge\.json: device_key: .*missing\.key/],
    [{ server_key: '.' }, /edge\.json: server_key: .*: is a directory, not a key file/],
    [{ release_key: '.' }, /edge\.json: release_key: .* is a directory; a release key is expected here/],
    [{ device_key: '.' }, /edge\.json: device_key: .*: is a directory, not a key file; a link key \(elma link-keygen\) is expected here/],
    [{ slots: 'noslots' }, /noslots/],
  ];
  for (const [fields, re] of cases) {
    const file = device(k, fields);
    const r = await elma(['edge', '--config', file]);
    t.not(r.code, 0, JSON.stringify(fields));
    t.regex(r.stderr, re, JSON.stringify(fields));
    t.notRegex(r.stderr, /\n\s+at /, 'no stack trace');
  }
  const missing = await elma(['edge', '--config', path.join(scratch(), 'none.json')]);
  t.regex(missing.stderr, /none\.json: no such file \(elma edge init writes one\)/);
  t.throws(() => parseEdgeConfig({}, 'edge.json'), { message: /edge\.json: cloud: is missing/ });
  const bad = path.join(scratch(), 'edge.json');
  writeFileSync(bad, '{"cloud": ');
  t.regex((await elma(['edge', '--config', bad])).stderr, /edge\.json: is not valid JSON/);
  t.regex((await elma(['edge', '--config', bad, '--log-format', 'xml'])).stderr, /--log-format must be text or json/);
});

const noSystemdAnalyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' }).status === 0 ? null : 'systemd-analyze is not installed here';
testUnless(noSystemdAnalyze)('systemd units: systemd-analyze verify accepts the service and the serial-console getty drop-in', (t) => {
  // verify insists the programs exist: point /usr/bin/elma at this checkout's bin/elma.js.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'elma-units-'));
  const elmaBin = path.join(ROOT, 'bin', 'elma.js');
  const copy = (from: string, to: string): void => {
    mkdirSync(path.dirname(to), { recursive: true });
    writeFileSync(to, readFileSync(path.join(ROOT, from), 'utf8').replaceAll('/usr/bin/elma', elmaBin));
  };
  copy('deploy/systemd/elma-edge.service', path.join(dir, 'elma-edge.service'));
  copy('deploy/systemd/serial-getty@ttyS0.service.d/elma-console.conf', path.join(dir, 'serial-getty@ttyS0.service.d', 'elma-console.conf'));
  const service = readFileSync(path.join(ROOT, 'deploy/systemd/elma-edge.service'), 'utf8');
  t.regex(service, /^ExecStart=\/usr\/bin\/elma edge --config \/etc\/elma\/edge\.json/m);
  t.regex(service, /^Restart=on-failure$/m);
  const r = spawnSync('systemd-analyze', ['verify', path.join(dir, 'elma-edge.service'), 'serial-getty@ttyS0.service'], {
    cwd: dir, encoding: 'utf8', env: { ...process.env, SYSTEMD_UNIT_PATH: `${dir}:` },
  });
  t.is(r.status, 0, r.stderr);
  t.is(r.stderr.trim(), '', 'no warnings');
});
