/**
 * `elma edge` against `elma serve` (the echo cloud), as separate processes: the --jsonl round trip
 * (device answers and offloaded ones), and the acceptance test "offline": the cloud stopped
 * mid-session, questions answered low-confidence and queued, the cloud started again, the queued
 * answers arrive and are shown as late lines — each handled once by the cloud.
 */
import test from 'ava';
import { CONTEXT, QUESTION, ANSWER, device, edge, edgeKit, jsonOut } from './_edge-fixture.ts';
import { startServer } from '../transport/_procs.ts';

const kit = edgeKit();
const line = (question: string, id?: number): string => `${JSON.stringify({ context: CONTEXT, question, ...(id === undefined ? {} : { id }) })}\n`;

test('--jsonl round trip: a confident question is answered on the device, an unsure one by the cloud; bad lines get an error line', async (t) => {
  const k = await kit;
  const { port } = await startServer(t, k.f);
  const config = device(k, { cloud: `127.0.0.1:${port}` });
  const p = edge(t, config, ['--jsonl', '--log-format', 'json']);
  p.child.stdin!.write(line(QUESTION, 1));
  await p.until(() => jsonOut(p).length === 1, 30_000, 'the device answer');
  t.like(jsonOut(p)[0], { id: 1, question: QUESTION, answer: ANSWER, source: 'device' });
  for (const k2 of ['score', 'layer', 'entropy', 'threshold', 'ms']) t.is(typeof jsonOut(p)[0]![k2], 'number', k2);
  // Threshold scale 0: nothing is confident, every question goes to the cloud.
  const p0 = edge(t, device(k, { cloud: `127.0.0.1:${port}`, threshold_scale: 0 }), ['--jsonl']);
  p0.child.stdin!.end(`${line('Who governs Caiske?', 7)}not json\n{"context": 1}\n`);
  t.is(await p0.exited, 0, p0.err.join('\n'));
  const out = jsonOut(p0);
  t.like(out.find((o) => o.id === 7), { question: 'Who governs Caiske?', answer: 'echo: Who governs Caiske?', source: 'cloud', layer: 0 });
  t.deepEqual(out.filter((o) => 'error' in o).map((o) => o.error), ['not a JSON object: expected {"context": "...", "question": "..."}', 'needs "context" and "question" strings']);
  t.true(p.err.every((l) => l.startsWith('{')), 'the log is JSON lines');
  p.child.stdin!.end();
  t.is(await p.exited, 0);
});

test('offline: cloud stopped mid-session → answered low-confidence and queued; cloud back → the queued answers arrive as late lines, each handled once', async (t) => {
  const k = await kit;
  const first = await startServer(t, k.f);
  const config = device(k, { cloud: `127.0.0.1:${first.port}`, threshold_scale: 0, offload_timeout_ms: 2000 });
  const p = edge(t, config, ['--jsonl']);
  p.child.stdin!.write(line('Q1?'));
  await p.until(() => jsonOut(p).length === 1, 30_000, 'the first answer');
  t.like(jsonOut(p)[0], { question: 'Q1?', answer: 'echo: Q1?', source: 'cloud' });
  await first.proc.kill('SIGTERM');
  await p.until(() => p.err.some((l) => /link: disconnected/.test(l)), 60_000, 'the device to see the link go down');
  p.child.stdin!.write(line('Q2?') + line('Q3?'));
  await p.until(() => jsonOut(p).length === 3, 60_000, 'two low-confidence answers');
  for (const q of ['Q2?', 'Q3?']) {
    const a = jsonOut(p).find((o) => o.question === q);
    t.is(a?.source, 'device-low-confidence', q);
    t.is(typeof a?.answer, 'string');
  }
  const again = await startServer(t, k.f, [], first.port);
  await p.until(() => jsonOut(p).filter((o) => o.late === true).length === 2, 40_000, 'the late cloud answers');
  for (const q of ['Q2?', 'Q3?']) t.like(jsonOut(p).find((o) => o.question === q && o.late === true), { answer: `echo: ${q}`, source: 'cloud' });
  p.child.stdin!.end();
  t.is(await p.exited, 0, p.err.join('\n'));
  t.is(again.proc.count(/handled device=edge-0 .*type=offload/), 2, 'each queued question handled once by the cloud');
});
