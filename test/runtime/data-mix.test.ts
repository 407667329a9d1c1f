/**
 * `elma data mix`: articles interleaved in proportion, each input's order kept, same bytes for the
 * same inputs; duplicate ids, too few inputs and unreadable files are one clear line.
 */
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { mixSquad } from '../../cloud/training/mix-squad.ts';
import { elma, scratch } from '../_cli.ts';

const article = (tag: string, i: number) => ({ title: `${tag}${i}`, paragraphs: [{ context: 'x', qas: [{ id: `${tag}-${i}`, question: 'q', answers: [], is_impossible: true }] }] });
const file = (tag: string, n: number) => ({ source: `${tag}.json`, articles: Array.from({ length: n }, (_, i) => article(tag, i)) });

test('articles are interleaved in proportion to the inputs, each in its own order', (t) => {
  const mixed = mixSquad([file('a', 60), file('b', 30), file('c', 10)]).data as { title: string }[];
  t.is(mixed.length, 100);
  for (const tag of ['a', 'b', 'c']) {
    const mine = mixed.filter((x) => x.title.startsWith(tag)).map((x) => Number(x.title.slice(1)));
    t.deepEqual(mine, mine.map((_, i) => i), `${tag} keeps its order`);
  }
  // Every prefix holds each input within one article of its share.
  for (let n = 1; n <= 100; n++) {
    const prefix = mixed.slice(0, n);
    for (const [tag, share] of [['a', 0.6], ['b', 0.3], ['c', 0.1]] as const) {
      const got = prefix.filter((x) => x.title.startsWith(tag)).length;
      t.true(Math.abs(got - share * n) <= 1.0001, `${tag} in the first ${n}: ${got}, share ${share * n}`);
    }
  }
  t.deepEqual(mixSquad([file('a', 60), file('b', 30), file('c', 10)]), mixSquad([file('a', 60), file('b', 30), file('c', 10)]));
  // An input exhausted early (uneven sizes) leaves the rest to the others, in order.
  const lopsided = mixSquad([file('a', 1), file('b', 5)]).data as { title: string }[];
  t.deepEqual(lopsided.map((x) => x.title), ['a0', 'b0', 'b1', 'b2', 'b3', 'b4']);
});

test('elma data mix: writes the mixed file; duplicate ids, one input or an unreadable file are one line', async (t) => {
  const dir = scratch('elma-mix-');
  const a = path.join(dir, 'a.json'), b = path.join(dir, 'b.json'), out = path.join(dir, 'mixed.json');
  writeFileSync(a, JSON.stringify({ version: 'v2.0', data: file('a', 4).articles }));
  writeFileSync(b, JSON.stringify({ version: 'v2.0', data: file('b', 2).articles }));
  let r = await elma(['data', 'mix', '--in', a, '--in', b, '--out', out]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /6 articles .*a\.json: 4, .*b\.json: 2/);
  t.deepEqual((JSON.parse(readFileSync(out, 'utf8')) as { data: { title: string }[] }).data.map((x) => x.title), ['a0', 'b0', 'a1', 'a2', 'b1', 'a3']);
  r = await elma(['data', 'mix', '--in', a, '--in', a, '--out', path.join(dir, 'x.json')]);
  t.is(r.code, 1);
  t.regex(r.stderr, /question id "a-0" is also in .*a\.json/);
  r = await elma(['data', 'mix', '--in', a, '--out', path.join(dir, 'x.json')]);
  t.is(r.code, 2);
  t.regex(r.stderr, /--in takes two files or more, got 1/);
  writeFileSync(path.join(dir, 'bad.json'), '{"data": [');
  r = await elma(['data', 'mix', '--in', a, '--in', path.join(dir, 'bad.json'), '--out', path.join(dir, 'x.json')]);
  t.is(r.code, 1);
  t.regex(r.stderr, /bad\.json: is not JSON/);
  writeFileSync(path.join(dir, 'nodata.json'), '{"version": "v2.0"}');
  r = await elma(['data', 'mix', '--in', a, '--in', path.join(dir, 'nodata.json'), '--out', path.join(dir, 'x.json')]);
  t.regex(r.stderr, /nodata\.json: is not SQuAD JSON \(no "data" array\)/);
  t.is(r.stderr.trim().split("\n").length, 1, "one line");
});
