/**
 * The device console (issue 13 "The console"): over plain pipes (`printf 'context …\nask …\nstats\nquit\n'
 * | elma edge --config c.json`), with bad input of every kind, and over a pseudo-terminal (script(1)).
 */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ANSWER, CONTEXT, QUESTION, ROOT, device, edge, edgeKit } from './_edge-fixture.ts';
import { testUnless } from '../_skip.ts';

const kit = edgeKit();

test('pipes: context, ask, stats, quit print an answer with span, score, layer, entropy vs threshold, time and source, then the counters; exit 0', async (t) => {
  const k = await kit;
  const p = edge(t, device(k), [], `context ${CONTEXT}\nask ${QUESTION}\nstats\nquit\n`);
  t.is(await p.exited, 0, p.err.join('\n'));
  const out = p.out.join('\n');
  t.regex(out, /^context set: \d+ characters$/m);
  t.regex(out, new RegExp(`^answer: "${ANSWER}"  score 0\\.\\d{3}  exit layer \\d+ of 12  entropy \\d\\.\\d{4} < threshold \\d\\.\\d{4}  \\d+\\.\\d ms  \\[device\\]$`, 'm'));
  t.regex(out, /^questions 1  device 1  cloud 0  low-confidence 0  late cloud answers 0  offloads 0/m);
  t.regex(out, /^exits per layer: L1:\d+ L2:\d+ L3:\d+/m);
  t.regex(out, /^latency p50 \d+\.\d ms  p90 \d+\.\d ms  p99 \d+\.\d ms$/m);
  t.regex(out, /^model elma-default version 1, slot A, backend \w+; outbox 0 waiting; link down$/m);
  t.regex(p.err.join('\n'), /stopping \(quit\)/);
});

test('bad console input: empty lines, a 1 MiB paste, binary bytes, unknown commands, an over-long context, a question before any context', async (t) => {
  const k = await kit;
  const dir = path.dirname(device(k));
  const long = Array.from({ length: 60 }, (_, i) => `Town ${i} lies on the river Number${i}.`).join(' ') + ` ${CONTEXT}`;
  const file = path.join(dir, 'long.txt');
  writeFileSync(file, long);
  const input = Buffer.concat([
    Buffer.from(`ask ${QUESTION}\n\n   \n`),
    Buffer.from(`context ${'a'.repeat(1 << 20)}\n`),
    Buffer.from('ask wh\x00at\x01\n'),
    Buffer.from([0x61, 0x73, 0x6b, 0x20, 0xff, 0xfe, 0x0a]),
    Buffer.from('aks something\nstatsu\nthreshold banana\n'),
    Buffer.from(`context --file ${file}\nask ${QUESTION}\nquit\n`),
  ]);
  const p = edge(t, path.join(dir, 'edge.json'));
  p.child.stdin!.end(input);
  t.is(await p.exited, 0, p.err.join('\n'));
  const out = p.out;
  t.is(out[0], 'no context yet: give the text first with context <text> or context --file <path>', out.join('\n'));
  t.regex(out[1]!, /^refused: a line of 1048584 bytes; the longest taken is 200016/);
  t.regex(out[2]!, /^refused: binary input \(control byte 0x00 at character 7\)/);
  t.regex(out[3]!, /^refused: binary input \(not UTF-8 text\)/);
  t.is(out[4], 'unknown command "aks"; did you mean "ask"? (help lists the commands)');
  t.is(out[5], 'unknown command "statsu"; did you mean "stats"? (help lists the commands)');
  t.regex(out[6]!, /^threshold needs a scale 0\.\.100, got "banana"/);
  t.regex(out[7]!, /^context set: \d{4} characters$/);
  t.regex(out[8]!, /^answer: .* ms {2}\d+ windows {2}\[device/, 'the long context is read in windows and answered');
  t.is(out.length, 9, 'empty lines print nothing');
});

const noScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0 ? null : 'script(1) from util-linux is not installed';
testUnless(noScript)('a pseudo-terminal (script -qfc): prompt, tab completion of commands, answers', async (t) => {
  const k = await kit;
  const config = device(k);
  const cmd = `${process.execPath} --import tsx ${path.join(ROOT, 'cli/elma.ts')} edge --config ${config}`;
  const child = spawn('script', ['-qfc', cmd, '/dev/null'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  let out = '';
  child.stdout.on('data', (b: Buffer) => { out += b.toString('utf8'); });
  let closed = false;
  const wakers = new Set<() => void>();
  child.stdout.on('data', () => { for (const w of [...wakers]) w(); });
  child.on('close', () => { closed = true; for (const w of [...wakers]) w(); });
  /** Resolves once `re` matches the output after character `from`, checked on each output chunk (no polling). */
  const until = (re: RegExp, what: string, from = 0): Promise<void> => new Promise((resolve, reject) => {
    const off = (): void => { clearTimeout(timer); wakers.delete(check); };
    const check = (): void => {
      if (re.test(out.slice(from))) { off(); resolve(); } else if (closed) { off(); reject(new Error(`no ${what} before the exit; got:\n${out}`)); }
    };
    // Only to report what came if it never does (not a synchronisation).
    const timer = setTimeout(() => { off(); reject(new Error(`no ${what} after 60 s; got:\n${out}`)); }, 60_000);
    wakers.add(check);
    check();
  });
  await until(/elma> /, 'prompt');
  child.stdin.write(`context ${CONTEXT}\r`);
  await until(/context set: \d+ characters/, 'context line');
  // One key at a time (readline does not complete inside a paste: a tab followed by more input in
  // the same read is not a completion): each write waits for readline's echo of the one before.
  let mark = out.length;
  child.stdin.write('as');
  await until(/as/, 'the echo of "as"', mark);
  mark = out.length;
  child.stdin.write('\t');
  await until(/k /, 'the tab completing "as" to "ask "', mark);
  child.stdin.write(`${QUESTION}\r`);
  // "as" alone is an unknown command: an answer means the tab completed it to "ask ".
  await until(new RegExp(`answer: "${ANSWER}"`), 'answer (tab completing "as" to "ask ")');
  t.notRegex(out, /unknown command/);
  child.stdin.write('stats\r');
  await until(/questions 1 {2}device 1/, 'stats');
  child.stdin.write('quit\r');
  const code = await new Promise<number | null>((r) => { if (child.exitCode !== null) r(child.exitCode); else child.on('exit', r); });
  t.is(code, 0, out);
});
