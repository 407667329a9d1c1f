/** The device outbox on disk: durable, ordered, bounded, and robust to what a crash leaves behind;
 *  and the handshake clock that survives restarts. */
import test from 'ava';
import { readdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { scratch } from '../_cli.ts';
import { FileOutbox, MemoryOutbox } from '../../runtime/link/outbox.ts';
import { PersistentHandshakeClock } from '../../runtime/link/handshake-clock.ts';
import { OutboxError } from '../../runtime/link/errors.ts';
import { nodeRandom } from '../../transport/node/socket-session.ts';
import { compareTai64n } from '../../transport/tai64n.ts';

const ask = (q: string) => ({ t: 'ask' as const, context: 'c', question: q });

test('requests survive a reopen in order; removal is durable; ids are unique 53-bit integers', (t) => {
  const dir = scratch();
  const a = new FileOutbox(dir, nodeRandom);
  const ids = ['one', 'two', 'three', 'four'].map((q) => a.add(ask(q)).id);
  a.remove(ids[1]!);
  t.true(ids.every((id) => Number.isSafeInteger(id) && id > 0));
  t.is(new Set(ids).size, 4);
  const b = new FileOutbox(dir, nodeRandom);
  t.deepEqual([...b.entries()].map((e) => e.request.t === 'ask' && e.request.question), ['one', 'three', 'four']);
  t.deepEqual([...b.entries()].map((e) => e.id), [ids[0], ids[2], ids[3]]);
  t.is(b.get(ids[2]!)?.request.id, ids[2]);
  b.add(ask('five'));
  t.deepEqual([...new FileOutbox(dir, nodeRandom).entries()].map((e) => e.request.t === 'ask' && e.request.question), ['one', 'three', 'four', 'five']);
});

test('leftover temporary files are removed; a damaged entry is moved aside, not fatal', (t) => {
  const dir = scratch();
  const a = new FileOutbox(dir, nodeRandom);
  const keep = a.add(ask('keep'));
  const bad = a.add(ask('bad'));
  const badFile = readdirSync(dir).find((n) => n.endsWith(`${bad.id.toString(16).padStart(14, '0')}.req`))!;
  writeFileSync(path.join(dir, badFile), Uint8Array.of(0xa1, 0x61)); // torn by something other than our writes
  writeFileSync(path.join(dir, '.000000000009-0000000000000a.req.tmp-123-abcd'), 'half');
  const warnings: string[] = [];
  const b = new FileOutbox(dir, nodeRandom, { warn: (l) => warnings.push(l) });
  t.deepEqual([...b.entries()].map((e) => e.id), [keep.id]);
  t.regex(warnings[0] ?? '', /is unreadable \(message: invalid CBOR\); moved to .*\.bad/);
  t.true(existsSync(path.join(dir, `${badFile}.bad`)));
  t.false(readdirSync(dir).some((n) => n.includes('.tmp-')));
});

test('a full outbox refuses new requests', (t) => {
  const m = new MemoryOutbox(nodeRandom, 2);
  m.add(ask('a'));
  m.add(ask('b'));
  t.throws(() => m.add(ask('c')), { instanceOf: OutboxError, message: 'outbox: full (2 requests waiting)' });
  const f = new FileOutbox(scratch(), nodeRandom, { limit: 1 });
  f.add(ask('a'));
  t.throws(() => f.add(ask('b')), { instanceOf: OutboxError, message: /full \(1 requests waiting\)/ });
  const g = new FileOutbox(scratch(), nodeRandom);
  t.throws(() => g.add({ t: 'ask', context: 'c', question: 'x'.repeat(5000) }), { message: /ask\.question: longer than 4096/ });
  t.is(g.size, 0, 'nothing written for an invalid request');
});

test('the handshake clock never goes back, even across a restart with the wall clock in the past', (t) => {
  const file = path.join(scratch(), 'handshake.tai64n');
  const first = new PersistentHandshakeClock(file, () => 1_800_000_000_000).next();
  const afterReboot = new PersistentHandshakeClock(file, () => 1_000).next(); // the clock booted in 1970
  t.true(compareTai64n(afterReboot, first) > 0);
});
