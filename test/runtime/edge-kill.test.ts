/**
 * Acceptance (issue 13): the device program SIGKILLed at random moments under a stream of
 * questions, 20 times, restarts into a working state: the slots intact, the outbox intact, every
 * question it took answered by the cloud in the end (on the run that took it or, late, on a later
 * one) and none handled twice by the cloud. Runs the esbuild bundle (dist/elma.mjs, built by
 * `npm test`'s pretest) so that 20 restarts fit the time; skipped with the reason when it is missing.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { CONTEXT, ROOT, device, edgeKit } from './_edge-fixture.ts';
import { startServer } from '../transport/_procs.ts';
import { readState } from '../../runtime/slots/node/state-store.ts';
import { testUnless } from '../_skip.ts';

const KILLS = 20;

interface Run {
  out: string[];
  /** The exit code once stdout is closed too ('close': every line it printed has been read). */
  exited: Promise<number | null>;
  /** Resolves once `pred` holds, checked on each line of output (no polling); or at exit, or after `ms`, either way. */
  until: (pred: () => boolean, ms: number) => Promise<void>;
  write: (s: string) => void;
  end: () => void;
  kill: () => void;
}

function run(config: string): Run {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/elma.js'), 'edge', '--config', config, '--jsonl'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'ignore'] });
  const out: string[] = [];
  const waiters = new Set<() => void>();
  const wake = (): void => { for (const w of [...waiters]) w(); };
  let buf = '';
  child.stdout.on('data', (b: Buffer) => {
    buf += b.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) { out.push(buf.slice(0, nl)); buf = buf.slice(nl + 1); }
    wake();
  });
  child.stdin.on('error', () => undefined);
  let closed = false;
  const exited = new Promise<number | null>((r) => child.on('close', (code) => { closed = true; r(code); wake(); }));
  return {
    out, exited,
    until: (pred, ms) => new Promise((resolve) => {
      const stop = (): void => { clearTimeout(timer); waiters.delete(check); resolve(); };
      const check = (): void => { if (closed || pred()) stop(); };
      const timer = setTimeout(stop, ms);
      waiters.add(check);
      check();
    }),
    write: (s) => { if (child.exitCode === null && child.signalCode === null) child.stdin.write(s); },
    end: () => child.stdin.end(),
    kill: () => { child.kill('SIGKILL'); },
  };
}

const noBuild = existsSync(path.join(ROOT, 'dist/elma.mjs')) ? null : 'dist/elma.mjs is missing (npm run build)';
testUnless(noBuild)(`SIGKILLed ${KILLS} times under a stream of questions: slots and outbox intact, every question taken answered by the cloud, none handled twice`, async (t) => {
  const k = await kit;
  const { proc: server, port } = await startServer(t, k.f);
  const config = device(k, { cloud: `127.0.0.1:${port}`, threshold_scale: 0, offload_timeout_ms: 300, socket: null });
  const slots = path.join(path.dirname(config), 'slots');
  const before = JSON.stringify(readState(slots).state.slots);
  const lines: Record<string, unknown>[] = [];
  let n = 0;
  for (let i = 0; i <= KILLS; i++) {
    const r = run(config);
    t.teardown(() => r.kill());
    const last = i === KILLS;
    const stream = setInterval(() => r.write(`${JSON.stringify({ context: CONTEXT, question: `Q${n++}?` })}\n`), 25);
    if (last) {
      await new Promise((res) => setTimeout(res, 1500));
      clearInterval(stream);
      // Wait for every question taken to have its cloud answer (checked on each line the device
      // prints), then end the input. If one never comes, the wait ends after 2 minutes (far more
      // than a loaded machine needs: not what the test waits on) and the checks below say which.
      const done = (): boolean => {
        const all = [...lines, ...r.out.map((l) => JSON.parse(l) as Record<string, unknown>)];
        const taken = new Set(all.map((o) => o.question));
        const cloud = new Set(all.filter((o) => o.source === 'cloud').map((o) => o.question));
        return [...taken].every((q) => cloud.has(q));
      };
      await r.until(done, 120_000);
      r.end();
      t.is(await r.exited, 0);
    } else {
      await new Promise((res) => setTimeout(res, 900 + Math.random() * 900));
      clearInterval(stream);
      r.kill();
      await r.exited;
    }
    for (const l of r.out) lines.push(JSON.parse(l) as Record<string, unknown>);
  }
  const taken = new Set(lines.map((o) => o.question as string));
  const byCloud = lines.filter((o) => o.source === 'cloud').map((o) => o.question as string);
  t.true(taken.size > KILLS, `questions were taken (${taken.size})`);
  // DeviceLink removes a request from the outbox only after its waiter ran (the answer was shown),
  // so a kill at any moment leaves each question either shown or asked again after the restart.
  const unshown = [...taken].filter((q) => !byCloud.includes(q));
  t.deepEqual(unshown, [], 'every question the device took is shown answered by the cloud');
  t.deepEqual(readdirSync(path.join(path.dirname(config), 'outbox')).filter((f) => f.endsWith('.req')), [], 'the outbox drained');
  t.is(new Set(byCloud).size, byCloud.length, 'no question shown answered by the cloud twice');
  // Stop the server and wait for it to exit: then every line it logged has been read (a pause
  // would only make that likely).
  t.is(await server.kill('SIGTERM'), 0, 'the server stops cleanly');
  const handled = server.err.filter((l) => /handled device=edge-0 .*type=offload/.test(l)).map((l) => /id=(\w+)/.exec(l)![1]);
  t.is(new Set(handled).size, handled.length, 'no request handled twice by the cloud');
  t.true(handled.length >= taken.size, `the cloud handled ${handled.length} offloads for ${taken.size} questions taken`);
  t.is(JSON.stringify(readState(slots).state.slots), before, 'slots intact');
});

const kit = edgeKit();
