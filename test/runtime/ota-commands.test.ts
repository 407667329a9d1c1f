/** The OTA options of `elma update`, `elma serve` and `elma bundle pack`: help, and one clear line for each mistake. */
import test from 'ava';
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { elma } from '../_cli.ts';
import { tcpFront } from '../transport/_procs.ts';
import { freshSlots, otaKit, untouched, updateArgs } from './_ota-fixture.ts';

const kit = otaKit();

test('help names the new options', async (t) => {
  t.regex((await elma(['update', '--help'])).stdout, /--link <host:port>[\s\S]*--server-key[\s\S]*--wait-ms[\s\S]*--no-boot/);
  t.regex((await elma(['serve', '--help'])).stdout, /--offer <bundle\.tar>[\s\S]*--offer-index[\s\S]*--reports <file>/);
  t.regex((await elma(['bundle', 'pack', '--help'])).stdout, /--chunk-size N/);
});

test('mistakes get one line naming the option or file, never a stack trace', async (t) => {
  const o = await kit;
  const tar6 = await o.tar(6);
  const tar7 = await o.tar(7);
  const mixed = path.join(o.k.dir, 'mixed.tar');
  copyFileSync(tar7, mixed);
  copyFileSync(`${tar6}.index.json`, `${mixed}.index.json`); // the index of another archive
  const badIndex = path.join(o.k.dir, 'bad.index.json');
  writeFileSync(badIndex, '{"type": "elma-chunk-index", "format_version": 2}');
  const serve = ['serve', '--key', o.f.serverKeyFile, '--registry', o.f.registry, '--port', '0'];
  const slots = freshSlots(o);
  const cases: [string[], RegExp][] = [
    [['update', '--slots', slots, '--pubkey', o.k.pub], /give exactly one of --from <bundle> and --link <host:port>/],
    [['update', '--slots', slots, '--pubkey', o.k.pub, '--from', tar6, '--link', 'h:1'], /give exactly one of --from/],
    [['update', '--slots', slots, '--pubkey', o.k.pub, '--link', 'nowhere'], /--link must be host:port, got "nowhere"/],
    [['update', '--slots', slots, '--pubkey', o.k.pub, '--link', 'h:1'], /missing required option --server-key/],
    [[...serve, '--offer', path.join(o.k.dir, 'none.tar')], /none\.tar: no such bundle archive/],
    [[...serve, '--offer', mixed], /mixed\.tar: is \d+ bytes, its index .*mixed\.tar\.index\.json says \d+: not the archive the index was made for|mixed\.tar: sha256 differs from its index/],
    [[...serve, '--offer', tar6, '--offer-index', badIndex], /bad\.index\.json: format_version: is 2; this runtime reads 1/],
    [[...serve, '--offer-index', badIndex], /--offer-index needs --offer <bundle\.tar>/],
    [['bundle', 'pack', path.join(o.k.dir, 'b1-v5'), '--key', o.k.key, '--version', '9', '--chunk-size', '65536'], /--chunk-size needs --out <file\.tar>/],
  ];
  for (const [argv, re] of cases) {
    const r = await elma(argv);
    t.not(r.code, 0, argv.join(' '));
    t.regex(r.stderr, re, argv.join(' '));
    t.notRegex(r.stderr, /\n\s+at /, argv.join(' '));
  }
});

test('a server that is not there: exit 3, "unreachable", slot A and the state untouched', async (t) => {
  const o = await kit;
  const slots = freshSlots(o);
  const before = untouched(slots);
  // A front that resets every connection (no server behind it): a port of its own, not one freed.
  const front = await tcpFront(t);
  const r = await elma([...updateArgs(o, slots, front.port).filter((a) => a !== '10000' && a !== '--wait-ms'), '--wait-ms', '800']);
  t.is(r.code, 3, r.stdout + r.stderr);
  t.regex(r.stdout, /^unreachable: no answer from the server within 800 ms$/m);
  t.regex(r.stderr, /connection failed: .*retrying/);
  t.deepEqual(untouched(slots), before);
});
