/** The length-prefix frame decoder: any split of the byte stream gives the same frames; bounds are
 *  checked on the prefix alone; memory stays within one frame. Also TAI64N and the backoff. */
import test from 'ava';
import { FrameDecoder, encodeFrame } from '../../transport/frame.ts';
import { FrameError } from '../../transport/errors.ts';
import { Tai64nClock, compareTai64n, tai64nFromUnixNs, tai64nToUnixNs } from '../../transport/tai64n.ts';
import { Backoff } from '../../transport/backoff.ts';
import { seededRandom, toHex } from './_crypto.ts';

test('frames survive every way of cutting the stream, down to single bytes', (t) => {
  const rnd = seededRandom(7);
  const bodies = [rnd(16), rnd(1000), rnd(65535), rnd(17), rnd(40000)];
  const stream = Buffer.concat(bodies.map(encodeFrame));
  for (const cut of [1, 2, 3, 7, 1500, 65537, 200_000]) {
    const d = new FrameDecoder();
    const got: Uint8Array[] = [];
    for (let at = 0; at < stream.length; at += cut) {
      d.push(stream.subarray(at, at + cut));
      for (let f = d.next(); f !== undefined; f = d.next()) got.push(Uint8Array.from(f));
      t.true(d.buffered <= 2 + 65535, `buffered ${d.buffered}`);
    }
    t.deepEqual(got.map(toHex), bodies.map(toHex), `cut ${cut}`);
    t.is(d.buffered, 0);
  }
});

test('a prefix outside the bounds is refused as soon as its two bytes arrive', (t) => {
  const d = new FrameDecoder();
  d.setBounds(108, 108);
  d.push(Uint8Array.of(0xff));
  t.is(d.next(), undefined);
  d.push(Uint8Array.of(0xff));
  t.throws(() => d.next(), { instanceOf: FrameError, message: 'frame length 65535, expected exactly 108' });
  const e = new FrameDecoder();
  e.setBounds(16, 65535);
  e.push(Uint8Array.of(0, 0));
  t.throws(() => e.next(), { message: 'frame length 0 outside 16..65535' });
  t.throws(() => encodeFrame(new Uint8Array(65536)), { instanceOf: RangeError });
  t.throws(() => e.setBounds(10, 70000), { instanceOf: RangeError });
});

test('TAI64N: WireGuard layout, order, and a clock that never repeats or goes back', (t) => {
  // 2^62 + 10 + 1 s, 5 ns → 40000000 0000000b 00000005
  t.is(toHex(tai64nFromUnixNs(1_000_000_005n)), '400000000000000b00000005');
  t.is(tai64nToUnixNs(tai64nFromUnixNs(1_700_000_000_123_456_789n)), 1_700_000_000_123_456_789n);
  t.true(compareTai64n(tai64nFromUnixNs(2n), tai64nFromUnixNs(1n)) > 0);
  t.true(compareTai64n(tai64nFromUnixNs(1_000_000_000n), tai64nFromUnixNs(999_999_999n)) > 0);
  let wall = 5000;
  const c = new Tai64nClock(() => wall);
  const a = c.next(), b = c.next();
  wall = 1000; // the clock steps back
  const d = c.next();
  t.true(compareTai64n(b, a) > 0 && compareTai64n(d, b) > 0);
  const restarted = new Tai64nClock(() => 1000, d); // a restart with the persisted floor
  t.true(compareTai64n(restarted.next(), d) > 0);
});

test('backoff: full jitter under a doubling ceiling, capped, reset after success', (t) => {
  const b = new Backoff({ baseMs: 100, capMs: 1000, random: () => 0.999 });
  t.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()], [99, 199, 399, 799, 999, 999]);
  b.reset();
  t.is(b.next(), 99);
  const z = new Backoff({ baseMs: 100, capMs: 1000, random: () => 0 });
  t.is(z.next(), 0);
  t.throws(() => new Backoff({ baseMs: 0 }), { instanceOf: RangeError });
});
