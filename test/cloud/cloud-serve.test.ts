/**
 * `elma cloud serve` as a separate process, devices on the real encrypted link: offloads in both
 * forms are answered as the local full model answers them and stored once; a full queue answers
 * `busy` at once and the device's resends are answered later, each question exactly once; a
 * context longer than the model's positions is split into windows, not refused; a store that
 * fails is logged while answering goes on.
 */
import test from 'ava';
import path from 'node:path';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { elma } from '../_cli.ts';
import { fileURLToPath } from 'node:url';
import { loadQaBundle } from '../../runtime/qa-bundle.ts';
import { answerQuestions } from '../../engine/qa/answer-questions.ts';
import { parseSquad, type SquadExample } from '../../engine/squad/dataset.ts';
import { synthesizeSquad } from '../../models/synth/generate.ts';
import { DeviceLink } from '../../runtime/link/device-link.ts';
import { MemoryOutbox } from '../../runtime/link/outbox.ts';
import { nodeRandom } from '../../transport/node/socket-session.ts';
import { openStore } from '../../cloud/store/question-store.ts';
import { FullModelAnswerer } from '../../cloud/answering/full-model-answerer.ts';
import { answerBatcher, offloadHandler } from '../../cloud/answering/offload-handler.ts';
import { StoreError } from '../../cloud/store/errors.ts';
import type { Offload, Reply } from '../../transport/schema.ts';
import type { OutboxEntry } from '../../runtime/link/outbox.ts';
import { linkFiles, Proc, type LinkFiles } from '../transport/_procs.ts';
import type { ExecutionContext } from 'ava';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bundleDir = path.join(root, 'models/default');
const qa = loadQaBundle(bundleDir);
const L = qa.model.config.numHiddenLayers;
const examples = parseSquad(synthesizeSquad({ seed: 23, questions: 12 }));

function textOffload(ex: SquadExample): Omit<Offload, 'id'> {
  return {
    t: 'offload', context: ex.context, question: ex.question, model: 'elma-default', version: 1, exit_layer: 6, exit_entropy: 0.5, exit_text: 'x',
    hidden_layer: 0, seq: 0, hidden: new Uint8Array(0), input_ids: new Uint8Array(0), attention_mask: new Uint8Array(0),
  };
}

function localFull(ex: SquadExample): string {
  return answerQuestions(qa.model, qa.tokenizer, [ex], { ...qa.settings, policy: { thresholds: new Array<number>(L).fill(0), depthLimit: L } }).answers[0]!.text;
}

async function startCloud(t: ExecutionContext, f: LinkFiles, extra: string[]): Promise<{ proc: Proc; port: number }> {
  const proc = new Proc(['cloud', 'serve', '--bundle', bundleDir, '--key', f.serverKeyFile, '--registry', f.registry, '--port', '0', ...extra]);
  t.teardown(() => proc.kill());
  await proc.until(() => proc.out.some((l) => l.startsWith('storing questions') || l.startsWith('no store')), 30_000, 'the cloud to start');
  const line = proc.out.find((l) => l.startsWith('listening on'))!;
  return { proc, port: Number(line.slice(line.lastIndexOf(':') + 1)) };
}

function device(t: ExecutionContext, f: LinkFiles, port: number, onReply?: (e: OutboxEntry, r: Reply) => void): DeviceLink {
  const link = new DeviceLink({
    host: '127.0.0.1', port, serverKey: f.serverKey.publicKey, staticKey: f.devices[0]!.key, outbox: new MemoryOutbox(nodeRandom),
    ...(onReply === undefined ? {} : { onReply }),
  });
  link.start();
  t.teardown(() => link.stop());
  return link;
}

test('offloads are answered with the full model and stored once; a long context is split into windows', async (t) => {
  const f = linkFiles(1);
  const storeFile = path.join(f.dir, 'store.sqlite');
  const { proc, port } = await startCloud(t, f, ['--store', storeFile]);
  const link = device(t, f, port);
  const long: SquadExample = { ...examples[0]!, id: 'long', context: examples.map((e) => e.context).join(' ') };
  const asked = [...examples, long];
  const replies = await Promise.all(asked.map((ex) => link.request(textOffload(ex))));
  asked.forEach((ex, i) => {
    const r = replies[i]!;
    t.is(r.t, 'answer', JSON.stringify(r));
    if (r.t === 'answer') {
      t.is(r.text, localFull(ex), ex.id);
      t.is(r.layer, L);
    }
  });
  t.true(qa.tokenizer.encode(long.context).ids.length > qa.settings.maxSeqLength, 'the long context needs several windows');
  link.stop();
  await proc.kill('SIGTERM');
  t.regex(proc.err.join('\n'), new RegExp(`${asked.length} answered, ${asked.length} stored, 0 duplicate`));
  const store = await openStore(storeFile);
  const stored = await store.list();
  t.is(stored.length, asked.length);
  t.deepEqual(new Set(stored.map((s) => s.question)), new Set(asked.map((e) => e.question)));
  const s0 = stored.find((s) => s.question === asked[1]!.question)!;
  t.is(s0.device, 'dev-0');
  t.deepEqual(s0.deviceExit, { layer: 6, entropy: 0.5, text: 'x' });
  t.is(s0.cloud.text, (replies[1] as { text: string }).text);
  t.true(s0.cloud.soft.length === 1 && s0.cloud.soft[0]!.start.length === 20);
  await store.close();

  // elma cloud export / corrections: a person's answer wins over the cloud's in the export.
  const out = path.join(f.dir, 'export.json');
  const ex1 = await elma(['cloud', 'export', '--store', storeFile, '--format', 'squad', '--out', out]);
  t.is(ex1.code, 0, ex1.stderr);
  t.regex(ex1.stdout, new RegExp(`^exported ${asked.length} question\\(s\\) in ${new Set(asked.map((e) => e.context)).size} article\\(s\\)`));
  const exported = parseSquad(JSON.parse(readFileSync(out, 'utf8')));
  t.is(exported.length, asked.length);
  const target = asked[2]!;
  const fix = { version: 'v2.0', data: [{ title: 't', paragraphs: [{ context: target.context, qas: [{ id: 'fix', question: target.question, is_impossible: true, answers: [] }] }] }] };
  writeFileSync(path.join(f.dir, 'fix.json'), JSON.stringify(fix));
  const c = await elma(['cloud', 'corrections', '--store', storeFile, path.join(f.dir, 'fix.json')]);
  t.is(c.code, 0, c.stderr);
  t.regex(c.stdout, /^1 correction\(s\): applied to 1 stored question\(s\), 0 not matching any yet/);
  await elma(['cloud', 'export', '--store', storeFile, '--out', out]);
  const fixed = parseSquad(JSON.parse(readFileSync(out, 'utf8'))).find((e) => e.question === target.question)!;
  t.true(fixed.isImpossible);
  const bad = await elma(['cloud', 'export', '--store', storeFile, '--format', 'csv', '--out', out]);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--format must be squad, got "csv"/);
});

test('a full queue answers busy at once; the device resends and every question is answered exactly once', async (t) => {
  const f = linkFiles(1);
  const { proc, port } = await startCloud(t, f, ['--max-queue', '2', '--max-batch', '1', '--queue-delay-ms', '0']);
  const late = new Map<number, Reply>();
  // The late replies arrive in this process (the link's onReply), not in the node's output: wait on
  // that callback, not on Proc.until (which wakes only on the node's output).
  let expected = -1;
  let allLate!: () => void;
  const lateDone = new Promise<void>((resolve) => { allLate = resolve; });
  const link = device(t, f, port, (e, r) => {
    t.false(late.has(e.id), 'one late reply per request');
    late.set(e.id, r);
    if (late.size === expected) allLate();
  });
  const subs = examples.map((ex) => link.submit(textOffload(ex)));
  const first = await Promise.all(subs.map((s) => s.reply));
  const busy = first.filter((r) => r.t === 'busy');
  t.true(busy.length > 0, 'some questions found the queue full');
  t.true(busy.every((r) => r.t === 'busy' && r.retry_after_ms >= 50));
  expected = busy.length;
  if (late.size === expected) allLate();
  const exitedFirst = proc.exited.then((code) => { throw new Error(`the node exited (${code}) before the busy questions were answered\n${proc.err.join('\n')}`); });
  await Promise.race([lateDone, exitedFirst]);
  subs.forEach((s, i) => {
    const r = first[i]!.t === 'busy' ? late.get(s.entry.id)! : first[i]!;
    t.is(r.t, 'answer');
    if (r.t === 'answer') t.is(r.text, localFull(examples[i]!));
  });
  t.is(link.pending, 0);
  t.log(`${busy.length} of ${examples.length} questions were told busy first`);
});

test('a failing store is logged and answering goes on', async (t) => {
  const answerer = new FullModelAnswerer(qa);
  const lines: string[] = [];
  const failing = { add: () => Promise.reject(new StoreError('store.sqlite', 'disk full (SQLITE_FULL): question not stored')) };
  const stats = { answered: 0, stored: 0, duplicates: 0, storeFailures: 0, busy: 0, refused: 0 };
  const handler = offloadHandler({
    answerer, batcher: answerBatcher(answerer), store: failing as never, next: () => { throw new Error('not for next'); }, log: (l) => lines.push(l),
  }, stats);
  const r = await handler({ ...textOffload(examples[2]!), id: 5 }, { name: 'dev-0', publicKey: new Uint8Array(32) });
  t.is(r.t, 'answer');
  t.is(stats.storeFailures, 1);
  t.regex(lines.join('\n'), /^store-failed device=dev-0 id=5 store\.sqlite: disk full/m);
});

test('a version put in the store (elma cloud publish) is picked up by the running node and offered to devices', async (t) => {
  const f = linkFiles(1);
  const storeFile = path.join(f.dir, 'store.sqlite');
  const { proc, port } = await startCloud(t, f, ['--store', storeFile, '--bundle-poll-ms', '100']);
  t.is((await elma(['keygen', '--out', path.join(f.dir, 'release.key')])).code, 0);
  const v2 = path.join(f.dir, 'v2');
  cpSync(bundleDir, v2, { recursive: true });
  const pack = await elma(['bundle', 'pack', v2, '--key', path.join(f.dir, 'release.key'), '--version', '2', '--out', `${v2}.tar`]);
  t.is(pack.code, 0, pack.stderr);
  const pub = await elma(['cloud', 'publish', '--store', storeFile, `${v2}.tar`]);
  t.is(pub.code, 0, pub.stderr);
  t.regex(pub.stdout, /^published elma-default version 2 \(\d+ bytes\)/);
  await proc.until(() => proc.err.some((l) => /publishing elma-default version 2/.test(l)), 60_000, 'the node to pick up version 2');
  const offers: number[] = [];
  const link = new DeviceLink({
    host: '127.0.0.1', port, serverKey: f.serverKey.publicKey, staticKey: f.devices[0]!.key, outbox: new MemoryOutbox(nodeRandom),
    onOffer: (o) => offers.push(o.version),
  });
  link.start();
  t.teardown(() => link.stop());
  const r = await link.request({ ...textOffload(examples[3]!), version: 2 });
  t.is(r.t, 'answer');
  t.deepEqual(offers, [2]);
  const again = await elma(['cloud', 'publish', '--store', storeFile, path.join(f.dir, 'nope.tar')]);
  t.is(again.code, 1);
  t.regex(again.stderr, /nope\.tar: no such bundle archive/);
});
