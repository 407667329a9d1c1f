/**
 * The device program on elma-qjs (issue 18): `elma edge`'s own code bundled for the native QuickJS
 * host (build/quickjs/qjs-edge-bundle.ts) and run against a real `elma cloud serve` started here,
 * over the real Noise link:
 *
 * - early exit on the native kernels: questions answered on the device (exit layers below the
 *   depth limit) and unsure ones by the cloud, the same answers, layers, sources and thresholds as
 *   the Node device program on the same configuration; entropies and scores within 1e-5
 * - an offload in the hidden-state form (fp16 states at the depth limit), answered by the cloud
 * - SIGKILL with questions queued in the outbox (the cloud unreachable), then a restart against
 *   the cloud: the slots byte-identical, the outbox intact, every queued question answered late
 *   and the outbox drained
 * - an OTA update into the inactive slot through the console's `update`: downloaded over the
 *   link, verified, installed in slot B, trial boot with the health check on elma-qjs, slot B
 *   active with version 2 and answering; slot A untouched; the cloud has the "good" report
 * - bad input to the device entry: one line, exit 2 for usage, 1 otherwise
 * - the Node APIs under it (build/quickjs/node-api): one program run on Node and on elma-qjs prints the
 *   same (paths, Buffer, text, files and their errors, hashes, timers, sockets); and the host's event
 *   loop: QuickJS 2021-03-27's async-function GC bug fixed, unhandled rejections and uncaught
 *   exceptions end the program in one line, a signal reaches JavaScript through the self-pipe
 *
 * Without the x64 host (npm run build:native) these are loud skips; under CI or
 * ELMA_REQUIRE_NATIVE=1 failures. Waits are on output lines (events), never sleeps.
 */
import test, { type ExecutionContext } from 'ava';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { elma, scratch } from '../_cli.ts';
import { testUnless } from '../_skip.ts';
import { findElmaQjs } from '../../build/quickjs/qjs-core-bundle.ts';
import { bundleForQjs } from '../../build/quickjs/qjs-edge-bundle.ts';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CONTEXT, QUESTION, ANSWER, ROOT, device, edge, edgeKit, jsonOut, type EdgeKit } from '../runtime/_edge-fixture.ts';
import { Proc } from '../transport/_procs.ts';
import { synthesizeSquad } from '../../models/synth/generate.ts';
import { parseSquad } from '../../engine/squad/dataset.ts';
import { readState } from '../../runtime/slots/node/state-store.ts';
import { ReportLog } from '../../cloud/ota/report-log.ts';
import { edgeBundle, QjsDevice, slotsSnapshot } from './_qjs-device.ts';

const REQUIRED = process.env.ELMA_REQUIRE_NATIVE === '1' || process.env.CI !== undefined;
const QJS = findElmaQjs(), QJS_SMALL = findElmaQjs('elma-qjs-small');
const blocker = process.platform !== 'linux' || process.arch !== 'x64' ? `elma-qjs runs the device tests on x64 Linux; this is ${process.platform}-${process.arch}`
  : QJS === null || QJS_SMALL === null ? 'dist/native/elma-qjs(-small) was not built (npm run build:native needs cmake, gcc, libopenblas-dev and npm ci\'s qjsc)' : null;
/** Serial tests (they share one cloud); a missing host is a loud skip, or a failure where it is required. */
function qjsTest(title: string, impl: (t: ExecutionContext) => unknown): void {
  if (blocker === null) test.serial(title, impl);
  else if (REQUIRED) test.serial(title, (t) => { t.fail(`required here (CI / ELMA_REQUIRE_NATIVE=1): ${blocker}`); });
  else testUnless(blocker)(title, impl);
}

const tmp = scratch('elma-qjs-device-');
test.after.always(() => rmSync(tmp, { recursive: true, force: true }));

const line = (context: string, question: string, id: string | number): string => `${JSON.stringify({ id, context, question })}\n`;

/** Questions about the fixture's context and fresh synthetic ones (seed 41: not the training seeds). */
function questionLines(): { lines: string; count: number } {
  const synthetic = parseSquad(synthesizeSquad({ seed: 41, questions: 10 }));
  const qs = [
    { id: 'founder', context: CONTEXT, question: QUESTION },
    { id: 'mayor', context: CONTEXT, question: 'Who serves as mayor of Kravgia?' },
    { id: 'river', context: CONTEXT, question: 'On the banks of which river does the city stand?' },
    ...synthetic.map((e) => ({ id: e.id, context: e.context, question: e.question })),
  ];
  return { lines: qs.map((q) => line(q.context, q.question, q.id)).join(''), count: qs.length };
}

interface Cloud { readonly proc: Proc; readonly port: number; readonly reports: string }

/**
 * `elma cloud serve` on the default model (every layer), offering version 2 of the kit's bundle
 * (a signed archive in 64 KiB chunks) and keeping slot reports; started once for all the tests.
 */
async function startCloud(k: EdgeKit): Promise<Cloud> {
  const v2 = path.join(tmp, 'v2');
  cpSync(path.join(ROOT, 'models/default'), v2, { recursive: true });
  const tar = path.join(tmp, 'v2.tar');
  const pack = await elma(['bundle', 'pack', v2, '--key', k.signKey, '--version', '2', '--out', tar, '--chunk-size', '65536']);
  if (pack.code !== 0) throw new Error(pack.stderr);
  const reports = path.join(tmp, 'reports.jsonl');
  const proc = new Proc(['cloud', 'serve', '--bundle', path.join(ROOT, 'models/default'), '--key', k.f.serverKeyFile, '--registry', k.f.registry,
    '--port', '0', '--offer', tar, '--reports', reports, '--verbose']);
  await proc.until(() => proc.out.some((l) => l.startsWith('no store')), 60_000, 'the cloud to start');
  const listening = proc.out.find((l) => l.startsWith('listening on'))!;
  return { proc, port: Number(listening.slice(listening.lastIndexOf(':') + 1)), reports };
}

let shared: Promise<{ k: EdgeKit; cloud: Cloud }> | undefined;
function setup(): Promise<{ k: EdgeKit; cloud: Cloud }> {
  shared ??= (async () => {
    const k = await edgeKit();
    return { k, cloud: await startCloud(k) };
  })();
  return shared;
}
test.after.always(async () => {
  if (shared !== undefined) await (await shared.catch(() => undefined))?.cloud.proc.kill('SIGTERM');
});

/** The device on elma-qjs with `args` (after the bundle), killed when the test ends. */
async function qjsDevice(t: ExecutionContext, binary: string, args: string[], env: Record<string, string> = {}): Promise<QjsDevice> {
  return new QjsDevice(t, binary, await edgeBundle(tmp), args, env);
}

const handledOffloads = (c: Cloud): number => c.proc.count(/handled device=edge-0 .*type=offload/);

qjsTest('early exit on the native kernels, unsure questions to the cloud: the same answers, layers, sources and thresholds as the Node device program', async (t) => {
  t.timeout(3 * 60_000);
  const { k, cloud } = await setup();
  const { lines, count } = questionLines();
  // A generous offload time-out: a loaded machine must not turn a cloud answer into a local one.
  const fields = { cloud: `127.0.0.1:${cloud.port}`, offload_timeout_ms: 60_000, socket: null };
  const q = await qjsDevice(t, QJS!, ['--config', device(k, fields), '--jsonl']);
  q.end(lines);
  const node = edge(t, device(k, fields), ['--jsonl'], lines);
  t.is(await q.exited, 0, q.err.join('\n'));
  t.is(await node.exited, 0, node.err.join('\n'));
  t.true(q.err.some((l) => /model elma-default version 1 from slot A backend=qjs-native/.test(l)), `the C kernels answer: ${q.err.join('\n')}`);
  const got = new Map(q.json().map((a) => [a.id, a]));
  const want = new Map(jsonOut(node).map((a) => [a.id, a]));
  t.is(got.size, count);
  t.is(want.size, count);
  for (const [id, w] of want) {
    const g = got.get(id);
    if (g === undefined) { t.fail(`no answer to ${String(id)}`); continue; }
    for (const f of ['question', 'answer', 'layer', 'source', 'threshold', 'windows']) t.deepEqual(g[f], w[f], `${String(id)}: ${f}`);
    for (const f of ['score', 'entropy']) t.true(Math.abs((g[f] as number) - (w[f] as number)) <= 1e-5, `${String(id)}: ${f} ${String(g[f])} vs ${String(w[f])}`);
  }
  t.like(got.get('founder'), { answer: ANSWER, source: 'device' });
  const early = [...got.values()].filter((a) => a.source === 'device' && (a.layer as number) < 6);
  t.true(early.length >= 3, `questions exit early on the device (${early.length})`);
  t.true([...got.values()].some((a) => a.source === 'cloud'), 'unsure questions are answered by the cloud');
  t.log(`${count} questions: ${early.length} exited early on the device, ${[...got.values()].filter((a) => a.source === 'cloud').length} answered by the cloud; exit layers ${[...got.values()].map((a) => a.layer).join(' ')}`);
});

qjsTest('an offload in the hidden-state form over the Noise link is answered by the cloud (elma-qjs-small)', async (t) => {
  t.timeout(2 * 60_000);
  const { k, cloud } = await setup();
  const before = handledOffloads(cloud);
  const config = device(k, { cloud: `127.0.0.1:${cloud.port}`, threshold_scale: 0, offload_form: 'hidden', offload_timeout_ms: 60_000, socket: null });
  const q = await qjsDevice(t, QJS_SMALL!, ['--config', config, '--jsonl', '--log-format', 'json']);
  q.end(line(CONTEXT, QUESTION, 1) + line(CONTEXT, 'Who serves as mayor of Kravgia?', 2));
  t.is(await q.exited, 0, q.err.join('\n'));
  const out = q.json();
  t.like(out.find((a) => a.id === 1), { answer: ANSWER, source: 'cloud', layer: 12 });
  t.like(out.find((a) => a.id === 2), { answer: 'Bamim Ciandduley', source: 'cloud', layer: 12 });
  t.true(q.err.every((l) => l.startsWith('{')), 'the log is JSON lines');
  t.true(q.err.some((l) => /link: connected to 127\.0\.0\.1/.test(l)), 'the handshake completed');
  await cloud.proc.until(() => handledOffloads(cloud) >= before + 2, 60_000, 'the cloud to log the offloads');
  t.is(readdirSync(path.join(path.dirname(config), 'outbox')).filter((f) => f.endsWith('.req')).length, 0, 'the outbox drained');
});

qjsTest('SIGKILL with questions queued (cloud unreachable), then a restart against the cloud: slots and outbox intact, every queued question answered late', async (t) => {
  t.timeout(2 * 60_000);
  const { k, cloud } = await setup();
  // Port 1: nothing listens, the connection is refused; the device answers low-confidence and queues.
  const config = device(k, { cloud: '127.0.0.1:1', threshold_scale: 0, offload_timeout_ms: 300, socket: null });
  const dir = path.dirname(config);
  const slots = path.join(dir, 'slots'), outbox = path.join(dir, 'outbox');
  const before = slotsSnapshot(slots);
  const q = await qjsDevice(t, QJS_SMALL!, ['--config', config, '--jsonl']);
  const asked = ['Q1?', 'Q2?', 'Q3?'];
  q.write(asked.map((x, i) => line(CONTEXT, x, i)).join(''));
  await q.until(() => q.json().length === 3, 30_000, 'three low-confidence answers');
  t.true(q.json().every((a) => a.source === 'device-low-confidence'), JSON.stringify(q.json()));
  const queued = readdirSync(outbox).filter((f) => f.endsWith('.req')).sort();
  t.is(queued.length, 3, 'the three questions are on disk in the outbox');
  t.is(await q.kill('SIGKILL'), null);
  t.is(q.child.signalCode, 'SIGKILL');
  t.deepEqual(slotsSnapshot(slots), before, 'the slots are byte-identical');
  t.deepEqual(readdirSync(outbox).filter((f) => f.endsWith('.req')).sort(), queued, 'the outbox is intact');

  const c = JSON.parse(readFileSync(config, 'utf8')) as Record<string, unknown>;
  writeFileSync(config, JSON.stringify({ ...c, cloud: `127.0.0.1:${cloud.port}` }));
  const again = await qjsDevice(t, QJS_SMALL!, ['--config', config, '--jsonl']);
  await again.until(() => again.json().filter((a) => a.late === true).length === 3, 60_000, 'the three late cloud answers');
  t.true(again.err.some((l) => /3 request\(s\) from an earlier run wait in the outbox/.test(l)), again.err.join('\n'));
  const late = again.json();
  t.deepEqual(late.map((a) => a.question).sort(), asked);
  t.true(late.every((a) => a.source === 'cloud' && a.layer === 12), JSON.stringify(late));
  again.end();
  t.is(await again.exited, 0, again.err.join('\n'));
  t.deepEqual(readdirSync(outbox).filter((f) => f.endsWith('.req')), [], 'the outbox drained');
  t.deepEqual(slotsSnapshot(slots), before, 'the slots are still byte-identical');
});

qjsTest('an OTA update through the console: version 2 downloaded over the link into slot B, its trial boot passes on elma-qjs, it answers; slot A untouched; the cloud has the report', async (t) => {
  t.timeout(3 * 60_000);
  const { k, cloud } = await setup();
  const config = device(k, { cloud: `127.0.0.1:${cloud.port}`, console: true, socket: null });
  const slots = path.join(path.dirname(config), 'slots');
  const slotA = (): Record<string, string> => Object.fromEntries(Object.entries(slotsSnapshot(slots)).filter(([f]) => f.startsWith('A/')));
  const aBefore = slotA();
  const q = await qjsDevice(t, QJS_SMALL!, ['--config', config]);
  q.write('update\n');
  await q.until(() => q.out.some((l) => l.startsWith('update: ')), 120_000, 'the update to finish');
  t.regex(q.out.find((l) => l.startsWith('update: '))!, /^update: installed: elma-default version 2 installed; running slot B, version 2$/);
  await q.until(() => q.err.some((l) => /now answering with elma-default version 2 from slot B/.test(l)), 30_000, 'the new model to answer');
  q.write(`slots\ncontext ${CONTEXT}\nask ${QUESTION}\nstatus\nquit\n`);
  t.is(await q.exited, 0, q.err.join('\n'));
  t.true(q.out.includes('slot B: elma-default version 2, good, active'), q.out.join('\n'));
  t.true(q.out.some((l) => l.startsWith(`answer: "${ANSWER}"`)), q.out.join('\n'));
  t.true(q.out.some((l) => /^model elma-default version 2 \(slot B, backend qjs-native\)/.test(l)), q.out.join('\n'));
  t.true(q.err.some((l) => /update: downloading elma-default version 2: \d+ bytes in \d+ chunks, from chunk 0/.test(l)), q.err.join('\n'));
  const s = readState(slots).state;
  t.is(s.active, 'B');
  t.is(s.lastGoodVersion, 2);
  t.deepEqual(slotA(), aBefore, 'slot A (the fallback) is untouched');
  await cloud.proc.until(() => cloud.proc.err.some((l) => /report device=edge-0 event=good version=2/.test(l)), 60_000, 'the cloud to record the report');
  t.like(ReportLog.read(cloud.reports).find((r) => r.event === 'good'), { device: 'edge-0', kind: 'slot', version: 2, slot: 'B' });
});

qjsTest('bad input to the device entry: an unknown flag, a missing config, a bad field: one line on stderr, exit 2 for usage, 1 otherwise', async (t) => {
  const { k } = await setup();
  const bad = device(k, { depth_limit: 'x' });
  const cases: [string[], number, RegExp][] = [
    [['--frobnicate'], 2, /^elma-qjs: unknown option --frobnicate; usage: elma-qjs <elma-qjs-edge\.js> --config <edge\.json>/],
    [[], 2, /^elma-qjs: --config <edge\.json> is required; usage:/],
    [['--config', path.join(tmp, 'none.json')], 1, /^elma-qjs: .*none\.json: no such file \(elma edge init writes one\)$/],
    [['--config', bad], 1, /^elma-qjs: .*edge\.json: depth_limit: must be an integer 1\.\.12, got "x"$/],
    [['--config', bad, '--log-format', 'xml'], 2, /^elma-qjs: --log-format must be text or json, got "xml"$/],
  ];
  for (const [args, code, re] of cases) {
    const q = await qjsDevice(t, QJS_SMALL!, args);
    q.end();
    t.is(await q.exited, code, `${args.join(' ')}: ${q.err.join('\n')}`);
    t.is(q.err.length, 1, `${args.join(' ')}: one line: ${q.err.join('\n')}`);
    t.regex(q.err[0] ?? '', re);
    t.deepEqual(q.out, []);
  }
});

qjsTest('Node\'s APIs on elma-qjs (build/quickjs/node-api) do what Node\'s do: one program, the same output on both', async (t) => {
  const checks = path.join(path.dirname(fileURLToPath(import.meta.url)), '_node-api-checks.ts');
  const bundle = path.join(tmp, 'node-api-checks.js');
  writeFileSync(bundle, (await bundleForQjs(checks)).code);
  const onNode = path.join(tmp, 'checks-node'), onQjs = path.join(tmp, 'checks-qjs');
  mkdirSync(onNode);
  mkdirSync(onQjs);
  const node = spawnSync(process.execPath, ['--import', 'tsx', checks, onNode], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  t.is(node.status, 0, node.stderr);
  const qjs = spawnSync(QJS_SMALL!, [bundle, onQjs], { encoding: 'utf8', timeout: 60_000 });
  t.is(qjs.status, 0, qjs.stderr);
  const want = JSON.parse(node.stdout) as Record<string, unknown>;
  const got = JSON.parse(qjs.stdout) as Record<string, unknown>;
  t.true(Object.keys(want).length >= 15, Object.keys(want).join(' '));
  for (const k of Object.keys(want)) t.deepEqual(got[k], want[k], k);
});

qjsTest('the host\'s event loop: a suspended async function survives a garbage collection; an unhandled rejection or an uncaught exception ends the program in one line; SIGTERM reaches JavaScript', (t) => {
  const run = (name: string, code: string, o: { input?: string } = {}): { status: number | null; stdout: string; stderr: string } => {
    const file = path.join(tmp, name);
    writeFileSync(file, code);
    const r = spawnSync(QJS_SMALL!, [file], { encoding: 'utf8', timeout: 60_000, ...(o.input === undefined ? {} : { input: o.input }) });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  // bellard/quickjs#156 (CVE-2023-48184): a closure held by a timer reads a local of an async
  // function suspended forever, after allocation has made the cycle collector run; unpatched, the
  // closure reads freed memory (a crash, or "not a function").
  const gc = run('gc.js', `import * as host from 'elma:host';
(async () => {
  const state = { seen: 'alive' };
  let finish;
  const done = new Promise((r) => { finish = r; });
  host.setTimer(300, () => { host.writeStdout(state.seen + ' ' + typeof finish + '\\n'); finish(); });
  host.setTimer(50, () => { let junk = []; for (let i = 0; i < 2e6; i++) { junk.push({ i, a: [i] }); if (junk.length > 1000) junk = []; } });
  await done;
  host.writeStdout('resumed\\n');
})();`);
  t.is(gc.status, 0, gc.stderr);
  t.is(gc.stdout, 'alive function\nresumed\n');
  const rejection = run('reject.js', `import * as host from 'elma:host';
Promise.reject(new TypeError('nobody handles this'));
host.setTimer(10, () => host.writeStdout('not reached\\n'));`);
  t.is(rejection.status, 1);
  t.is(rejection.stdout, '');
  t.is(rejection.stderr, 'elma-qjs: ' + path.join(tmp, 'reject.js') + ': unhandled promise rejection: TypeError: nobody handles this\n');
  const thrown = run('throw.js', `import * as host from 'elma:host';
host.setTimer(5, () => { throw new RangeError('in a timer'); });`);
  t.is(thrown.status, 1);
  t.is(thrown.stderr, 'elma-qjs: ' + path.join(tmp, 'throw.js') + ': uncaught RangeError: in a timer\n');
  const signal = run('signal.js', `import * as host from 'elma:host';
host.signal('SIGTERM', (name) => { host.writeStdout('got ' + name + '\\n'); host.signal('SIGTERM', null); host.setExitCode(3); });
host.setTimer(20, () => host.kill(host.pid(), 'SIGTERM'));
host.setTimer(200, () => host.writeStdout('loop still running\\n'));`);
  t.is(signal.status, 3, signal.stderr);
  t.is(signal.stdout, 'got SIGTERM\nloop still running\n');
  const badSignal = run('bad-signal.js', `import * as host from 'elma:host';
host.signal('SIGWINCH', () => {});`);
  t.is(badSignal.status, 1);
  t.regex(badSignal.stderr, /^elma-qjs: .*bad-signal\.js: TypeError: signal: unknown signal "SIGWINCH" \(elma-qjs handles SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2\)\n$/);
});
