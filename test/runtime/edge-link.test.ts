/**
 * `elma edge` with a cloud in this process (a LinkServer whose handler the test writes): the
 * hidden-state offload and its fallback to the text form on `unknown-model-version`, a `busy`
 * cloud (answered low-confidence, the real answer late), a refused handshake (one line with the
 * likely causes), and the Unix socket (JSON lines, console commands, `elma edge console`).
 */
import test from 'ava';
import net from 'node:net';
import path from 'node:path';
import { CONTEXT, QUESTION, device, edge, edgeKit, jsonOut } from './_edge-fixture.ts';
import { Proc } from '../transport/_procs.ts';
import { LinkServer } from '../../cloud/link-server.ts';
import { DeviceRegistry } from '../../cloud/device-registry.ts';
import type { RequestHandler } from '../../cloud/request-handler.ts';
import type { Offload } from '../../transport/schema.ts';

const kit = edgeKit();
const line = (question: string): string => `${JSON.stringify({ context: CONTEXT, question })}\n`;

async function cloud(t: import('ava').ExecutionContext, handler: RequestHandler, registry?: DeviceRegistry): Promise<number> {
  const k = await kit;
  const server = new LinkServer({ staticKey: k.f.serverKey, registry: registry ?? DeviceRegistry.load(k.f.registry), handler });
  const { port } = await server.listen(0);
  t.teardown(() => server.close());
  return port;
}

test('hidden-state offload: fp16 states at the depth limit; unknown-model-version → the same question again in the text form', async (t) => {
  const seen: Offload[] = [];
  const port = await cloud(t, (req) => {
    if (req.t !== 'offload') return { t: 'ack', id: req.id };
    seen.push(req);
    if (req.hidden_layer !== 0) return { t: 'error', id: req.id, code: 'unknown-model-version', message: 'no such bundle here' };
    return { t: 'answer', id: req.id, text: `cloud: ${req.question}`, start: -1, end: -1, score: 0.5, layer: 12 };
  });
  const p = edge(t, device(await kit, { cloud: `127.0.0.1:${port}`, threshold_scale: 0, offload_form: 'hidden' }), ['--jsonl']);
  p.child.stdin!.end(line(QUESTION));
  t.is(await p.exited, 0, p.err.join('\n'));
  t.like(jsonOut(p)[0], { answer: `cloud: ${QUESTION}`, source: 'cloud', layer: 12 });
  t.is(seen.length, 2);
  const [h, txt] = seen as [Offload, Offload];
  t.like(h, { model: 'elma-default', version: 1, hidden_layer: 6, exit_layer: 6, question: QUESTION, context: CONTEXT });
  t.true(h.seq > 10 && h.seq < 256, `cut to the used length, got ${h.seq}`);
  t.is(h.hidden.length, h.seq * 128 * 2, 'one feature, fp16 [seq, 128]');
  t.is(h.input_ids.length, h.seq * 4);
  t.is(h.attention_mask.length, h.seq);
  t.is(h.attention_mask[h.seq - 1], 1, 'the last kept token is a real one');
  t.like(txt, { hidden_layer: 0, seq: 0, exit_text: h.exit_text });
  t.is(txt.hidden.length, 0);
});

test('a busy cloud: the device answers low-confidence at once; the real answer follows as a late line', async (t) => {
  let calls = 0;
  const port = await cloud(t, (req) => {
    if (req.t !== 'offload') return { t: 'ack', id: req.id };
    return ++calls === 1 ? { t: 'busy', id: req.id, retry_after_ms: 300 } : { t: 'answer', id: req.id, text: 'later', start: -1, end: -1, score: 1, layer: 12 };
  });
  const p = edge(t, device(await kit, { cloud: `127.0.0.1:${port}`, threshold_scale: 0 }), ['--jsonl']);
  p.child.stdin!.write(line(QUESTION));
  await p.until(() => jsonOut(p).some((o) => o.late === true), 30_000, 'the late answer');
  const [first, late] = jsonOut(p);
  t.like(first, { source: 'device-low-confidence' });
  t.regex(String(first!.note), /cloud busy/);
  t.like(late, { answer: 'later', source: 'cloud', late: true });
  p.child.stdin!.end();
  t.is(await p.exited, 0);
});

test('a refused handshake (device not enrolled): one line with the likely causes, and a back-off instead of silent retries', async (t) => {
  const port = await cloud(t, (req) => ({ t: 'ack', id: req.id }), new DeviceRegistry([]));
  const k = await kit;
  const p = edge(t, device(k, { cloud: `127.0.0.1:${port}` }), ['--jsonl']);
  await p.until(() => p.err.some((l) => /refused the handshake/.test(l)), 30_000, 'the refusal line');
  // "No retry storm" is a statement about what does not happen, so it needs a window of time: no
  // event marks the end of "no second try" (the next one is due in 30 s). A loaded machine can only
  // make this window see fewer tries, never fail a device that backs off.
  await new Promise((r) => setTimeout(r, 1500));
  const lines = p.err.filter((l) => /refused the handshake/.test(l));
  t.is(lines.length, 1, 'no retry storm');
  t.regex(lines[0]!, new RegExp(`this device's key ${k.devicePub} is probably not enrolled \\(on the cloud: elma link-register --public-key ${k.devicePub}.*or server_key in .*edge\\.json is not the cloud's key; next try in 30 s`));
  p.child.stdin!.end();
  t.is(await p.exited, 0);
});

test('the Unix socket: JSON lines and console commands; elma edge console drives it', async (t) => {
  const k = await kit;
  const config = device(k, { console: false, socket: 'edge.sock' });
  const p = edge(t, config);
  const sockPath = path.join(path.dirname(config), 'edge.sock');
  await p.until(() => p.err.some((l) => l.includes(`listening on ${sockPath}`)), 30_000, 'the socket');
  const sock = net.connect(sockPath);
  let got = '';
  sock.setEncoding('utf8');
  sock.on('data', (d: string) => { got += d; });
  sock.write(line(QUESTION));
  sock.write('stats\nfrobnicate\n');
  /** Resolves once `re` matches what came back, checked on each 'data' event (no polling). */
  const until = (re: RegExp): Promise<void> => new Promise((resolve, reject) => {
    const off = (): void => { clearTimeout(timer); sock.off('data', check); sock.off('close', closed); };
    const check = (): void => { if (re.test(got)) { off(); resolve(); } };
    const closed = (): void => { off(); reject(new Error(`the socket closed with no ${re} in:\n${got}`)); };
    // Only to report what came back if the answer never does (not a synchronisation).
    const timer = setTimeout(() => { off(); reject(new Error(`no ${re} after 60 s in:\n${got}`)); }, 60_000);
    sock.on('data', check);
    sock.on('close', closed);
    check();
  });
  await until(/did you mean/);
  await until(/"source":"device"/);
  t.regex(got, /^questions \d+ {2}device \d+/m);
  t.regex(got, /unknown command "frobnicate"; did you mean/);
  sock.end();
  const c = new Proc(['edge', 'console', '--socket', sockPath], 'status\nquit\n');
  t.teardown(() => c.kill());
  t.is(await c.exited, 0, c.err.join('\n'));
  t.regex(c.out.join('\n'), /^model elma-default version 1 \(slot A, backend \w+\), depth limit 6 of 12/m);
  p.child.kill('SIGTERM');
  t.is(await p.exited, 0, 'SIGTERM stops it cleanly');
  t.regex(p.err.join('\n'), /stopping \(SIGTERM\)[\s\S]*stopped; 0 request\(s\) wait in the outbox/);
});
