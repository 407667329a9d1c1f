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
  for (let i = 2; i <= 50; i++) await c.handle('d', ask(i), async () => answer(i)).reply;
  t.true(c.size('d') <= 10);
  for (let i = 100; i < 110; i++) await c.handle('d', ask(i), async () => answer(i, 'x'.repeat(300))).reply;
  t.true(c.size('d') <= 3, `${c.size('d')} entries of ~1 KB within 2000 bytes`);
});
