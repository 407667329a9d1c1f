/**
 * Scale-out in real processes (issue 12): two `elma cloud serve` nodes sharing one PostgreSQL, HAProxy
 * in TCP mode in front (deploy/haproxy/elma-cloud.cfg), 50 devices offloading questions; one node is
 * SIGKILLed mid-run. Every question must be answered exactly once to its device and stored exactly
 * once: devices reconnect through HAProxy to the live node, their outboxes resend what was
 * unanswered, and the store ignores what the dead node had already stored.
 *
 * Needs ELMA_TEST_POSTGRES (.ci/run starts a server) and haproxy (Debian; .ci/run installs it).
 */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { parseSquad } from '../../engine/squad/dataset.ts';
import { synthesizeSquad } from '../../models/synth/generate.ts';
import { DeviceLink } from '../../runtime/link/device-link.ts';
import { MemoryOutbox } from '../../runtime/link/outbox.ts';
import { nodeRandom } from '../../transport/node/socket-session.ts';
import type { Offload, Reply } from '../../transport/schema.ts';
import { linkFiles, Proc, type LinkFiles } from '../transport/_procs.ts';
import type { ExecutionContext } from 'ava';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PG_URL = process.env.ELMA_TEST_POSTGRES ?? '';
const HAPROXY = spawnSync('haproxy', ['-v'], { encoding: 'utf8' }).status === 0;
const reason = PG_URL === '' ? 'ELMA_TEST_POSTGRES is not set (.ci/run starts a PostgreSQL server)' : !HAPROXY ? 'no haproxy on this machine (apt-get install haproxy)' : null;
const DEVICES = 50;
const PER_DEVICE = 4;

async function freshDatabase(t: ExecutionContext): Promise<string> {
  const db = `elma_scale_${process.pid}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${db}`);
  await admin.end();
  t.teardown(async () => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => {});
    await c.end();
  });
  const u = new URL(PG_URL);
  u.pathname = `/${db}`;
  return u.toString();
}

async function node(t: ExecutionContext, f: LinkFiles, store: string, name: string): Promise<{ proc: Proc; port: number }> {
  // --max-queue 1: the nodes answer `busy` often (backpressure), on any machine, so the test also
  // shows that a question refused as busy is answered later, once, and stored once.
  const proc = new Proc(['cloud', 'serve', '--bundle', path.join(root, 'models/default'), '--key', f.serverKeyFile, '--registry', f.registry,
    '--store', store, '--port', '0', '--max-queue', '1']);
  t.teardown(() => proc.kill());
  await proc.until(() => proc.out.some((l) => l.startsWith('storing questions')), 60_000, `cloud node ${name} to start`);
  const line = proc.out.find((l) => l.startsWith('listening on'))!;
  return { proc, port: Number(line.slice(line.lastIndexOf(':') + 1)) };
}

/**
 * HAProxy on a socket this process made: listening on 127.0.0.1 port 0 (no port picked and hoped
 * free), handed to HAProxy as its fd 3 (`bind fd@3`). The socket listens before HAProxy starts, so
 * there is nothing to wait for: a device's connection waits in the backlog until HAProxy accepts
 * it. `failed` rejects if HAProxy exits while the test runs (a bad config, say).
 */
async function haproxy(t: ExecutionContext, dir: string, ports: number[]): Promise<{ port: number; failed: Promise<never> }> {
  const template = readFileSync(path.join(root, 'deploy/haproxy/elma-cloud.cfg'), 'utf8');
  const front = net.createServer();
  await new Promise<void>((resolve, reject) => { front.once('error', reject); front.listen(0, '127.0.0.1', resolve); });
  const port = (front.address() as AddressInfo).port;
  // The listening socket's descriptor (Node has no public accessor; its TCP handle has had `fd` on
  // Unix for years); passing a descriptor as a child's stdio entry is documented.
  const fd = (front as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('cannot get the descriptor of a listening socket to hand to HAProxy');
  const cfg = path.join(dir, 'haproxy.cfg');
  writeFileSync(cfg, template.replaceAll('@FRONT@', 'fd@3').replaceAll('@NODE1@', `127.0.0.1:${ports[0]}`).replaceAll('@NODE2@', `127.0.0.1:${ports[1]}`));
  const child = spawn('haproxy', ['-db', '-f', cfg], { stdio: ['ignore', 'pipe', 'pipe', fd] });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
  let stopping = false;
  const failed = new Promise<never>((_, reject) => child.once('close', (code, signal) => {
    if (!stopping) reject(new Error(`haproxy exited (${code ?? signal}): ${err.trim()}`));
  }));
  failed.catch(() => {}); // raced below; not an unhandled rejection if the test ends first
  t.teardown(() => { stopping = true; child.kill('SIGKILL'); });
  // HAProxy holds its own copy now; this process must not accept connections on it.
  await new Promise<void>((resolve) => front.close(() => resolve()));
  return { port, failed };
}

(reason === null ? test : test.skip)(`scale-out${reason === null ? '' : ` (skipped: ${reason})`}: two nodes behind HAProxy, ${DEVICES} devices, busy replies, one node SIGKILLed mid-run: every question answered and stored exactly once`, async (t) => {
  const f = linkFiles(DEVICES);
  const store = await freshDatabase(t);
  const n1 = await node(t, f, store, '1');
  const n2 = await node(t, f, store, '2');
  const { port: front, failed } = await haproxy(t, f.dir, [n1.port, n2.port]);
  const examples = parseSquad(synthesizeSquad({ seed: 41, questions: DEVICES * PER_DEVICE }));
  const replies = new Map<string, Reply[]>();
  let answered = 0;
  let killed = false;
  let onAnswered: () => void = () => {};
  // A node whose queue is full answers `busy` (backpressure, docs/cloud.md): the request stays in the
  // outbox, goes out again after retry_after_ms, and its real reply arrives through onReply. The
  // question's answer is that later reply, so a busy one is followed to it, not counted as the answer.
  const laterReplies = new Map<string, (r: Reply) => void>();
  let busyReplies = 0;
  const links = f.devices.map((d) => {
    const link = new DeviceLink({ host: '127.0.0.1', port: front, serverKey: f.serverKey.publicKey, staticKey: d.key, outbox: new MemoryOutbox(nodeRandom), window: 2,
      backoff: { baseMs: 100, capMs: 1000 }, onReply: (entry, reply) => laterReplies.get(`${d.name}#${entry.id}`)?.(reply) });
    link.start();
    t.teardown(() => link.stop());
    return link;
  });
  const all = links.flatMap((link, d) => Array.from({ length: PER_DEVICE }, (_, k) => {
    const ex = examples[d * PER_DEVICE + k]!;
    const body: Omit<Offload, 'id'> = {
      t: 'offload', context: ex.context, question: ex.question, model: 'elma-default', version: 1, exit_layer: 6, exit_entropy: 0.5, exit_text: '',
      hidden_layer: 0, seq: 0, hidden: new Uint8Array(0), input_ids: new Uint8Array(0), attention_mask: new Uint8Array(0),
    };
    const key = `${f.devices[d]!.name}/${k}`;
    const { entry, reply } = link.submit(body);
    const later = new Promise<Reply>((resolve) => laterReplies.set(`${f.devices[d]!.name}#${entry.id}`, resolve));
    return reply.then((r) => (r.t === 'busy' ? (busyReplies++, later) : r)).then((r) => {
      replies.set(key, [...(replies.get(key) ?? []), r]);
      answered++;
      onAnswered();
      return r;
    });
  }));
  // Kill node 1 once a third of the questions are answered (an event, not a sleep).
  await Promise.race([failed, new Promise<void>((resolve) => { onAnswered = () => { if (answered >= (DEVICES * PER_DEVICE) / 3) resolve(); }; })]);
  await n1.proc.kill('SIGKILL');
  killed = true;
  const results = await Promise.race([failed, Promise.all(all)]);
  t.true(killed);
  t.is(results.length, DEVICES * PER_DEVICE);
  t.true(results.every((r) => r.t === 'answer'), JSON.stringify(results.find((r) => r.t !== 'answer')));
  t.true(busyReplies > 0, 'the nodes answered busy at least once (the backpressure path ran)');
  t.true([...replies.values()].every((rs) => rs.length === 1), 'one reply per question');
  const c = new pg.Client({ connectionString: store });
  await c.connect();
  const rows = (await c.query<{ n: string; d: string }>('SELECT count(*) AS n, count(DISTINCT (device, request_id)) AS d FROM questions')).rows[0]!;
  await c.end();
  t.is(Number(rows.n), DEVICES * PER_DEVICE, 'every question stored');
  t.is(Number(rows.d), DEVICES * PER_DEVICE, 'none twice');
  const n2Handled = n2.proc.err.filter((l) => /open device=/.test(l)).length;
  t.log(`node 2 took ${n2Handled} connections; ${links.reduce((s, l) => s + l.stats.disconnects, 0)} device disconnects after the kill; ${busyReplies} busy replies followed to their answers`);
});
