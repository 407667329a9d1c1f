/** The server's de-duplication cache: joins running calls, replays finished ones, refuses reused
 *  ids, keeps failures out, and stays within its per-device bounds. */
import test from 'ava';
import { ReplyCache } from '../../cloud/reply-cache.ts';
import type { Reply, Request } from '../../transport/schema.ts';

const ask = (id: number, q = 'q'): Request => ({ t: 'ask', id, context: 'c', question: q });
const answer = (id: number, text = 'a'): Reply => ({ t: 'answer', id, text, start: -1, end: -1, score: 1, layer: 0 });

test('one handler call per (device, id); reused ids with other content are refused', async (t) => {
  const c = new ReplyCache();
  let calls = 0;
  const run = async (): Promise<Reply> => { calls++; await new Promise((r) => setTimeout(r, 20)); return answer(1); };
  const a = c.handle('dev', ask(1), run);
  const b = c.handle('dev', ask(1), run); // while running: joins
  t.true(a.fresh);
  t.false(b.fresh);
  t.is(await b.reply, await a.reply);
  t.false(c.handle('dev', ask(1), run).fresh); // after: replayed
  t.true(c.handle('other-dev', ask(1), run).fresh); // ids are per device
  t.is(calls, 2);
  t.like(await c.handle('dev', ask(1, 'different'), run).reply, { t: 'error', code: 'id-reused' });
  const chunk: Request = { t: 'chunk-req', id: 9, version: 1, offset: 0, length: 1 };
  t.true(c.handle('dev', chunk, run).fresh);
  t.true(c.handle('dev', chunk, run).fresh, 'chunk reads are not cached');
});

test('a failed call is not cached; the cache is bounded by entries and bytes', async (t) => {
  const c = new ReplyCache({ entriesPerDevice: 10, bytesPerDevice: 2000 });
  await t.throwsAsync(c.handle('d', ask(1), () => Promise.reject(new Error('boom'))).reply);
  t.true(c.handle('d', ask(1), async () => answer(1)).fresh);
  t.false(c.handle('d', ask(1), async () => answer(1)).fresh, 'the successful retry is cached');
  /** The ids of `ids` the cache holds for `d`: a held id is answered without calling the handler
   *  (probing a held id changes nothing; only call this where every id probed is held). */
  const held = (ids: number[]): number[] => ids.filter((i) => !c.handle('d', ask(i), async () => { throw new Error(`id ${i} was not held`); }).fresh);
  for (let i = 2; i <= 50; i++) await c.handle('d', ask(i), async () => answer(i)).reply;
  // 50 small replies (67 bytes each) and 10 entries at most: the newest 10 remain, oldest evicted.
  t.is(c.size('d'), 10);
  const last10 = Array.from({ length: 10 }, (_, k) => 41 + k);
  t.deepEqual(held(last10), last10);
  t.true(c.handle('d', ask(1), async () => answer(1)).fresh, 'id 1, the oldest, was evicted and runs again');
  t.deepEqual(held(last10.slice(1)), last10.slice(1)); // id 41 made room for id 1
  for (let i = 100; i < 110; i++) await c.handle('d', ask(i), async () => answer(i, 'x'.repeat(300))).reply;
  // Each reply counts 300·3 + 64 = 964 bytes: two fit in 2000, so the newest two remain and nothing else.
  t.is(c.size('d'), 2, `${c.size('d')} entries of 964 bytes within 2000 bytes`);
  t.deepEqual(held([108, 109]), [108, 109]);
});
