/**
 * The device's JSON-lines protocol (`elma edge --jsonl` on stdin/stdout, and the Unix socket):
 * `{"context", "question"}` in (an optional `"id"` is echoed back), one
 * `{"question", "answer", "score", "layer", "entropy", "threshold", "source", "ms"}` out per
 * question, and a second line with `"late": true` when the cloud answers a question the device
 * already answered with low confidence. A bad line gets `{"error": "..."}`.
 */
import { existsSync, unlinkSync, chmodSync } from 'node:fs';
import net from 'node:net';
import { EngineInputError } from '../../engine/errors.ts';
import { ConsoleSession, LineSplitter, MAX_CONTEXT, MAX_QUESTION, refusal, type InputLine } from './console.ts';
import type { AnswerLine, EdgeDevice } from './device.ts';
import type { Logger } from './log.ts';

export function answerJson(a: AnswerLine, id?: unknown): string {
  const round = (x: number, n: number): number => Math.round(x * 10 ** n) / 10 ** n;
  return JSON.stringify({
    ...(id === undefined ? {} : { id }), question: a.question, answer: a.answer, score: round(a.score, 6), layer: a.layer,
    entropy: round(a.entropy, 6), threshold: round(a.threshold, 6), source: a.source, ms: round(a.ms, 2), ...((a.windows ?? 1) > 1 ? { windows: a.windows } : {}),
    ...(a.late === true ? { late: true } : {}), ...(a.note === undefined ? {} : { note: a.note }),
  });
}

/** Handle one JSON line; `write` gets each output line (no newline). Resolves after the first answer. */
export async function jsonLine(dev: EdgeDevice, line: InputLine, write: (line: string) => void): Promise<void> {
  const why = refusal(line);
  if (why !== undefined) { dev.stats.refused++; write(JSON.stringify({ error: why })); return; }
  const text = (line as { text: string }).text.trim();
  if (text === '') return;
  let q: Record<string, unknown>;
  try {
    q = JSON.parse(text) as Record<string, unknown>;
  } catch {
    dev.stats.refused++;
    write(JSON.stringify({ error: 'not a JSON object: expected {"context": "...", "question": "..."}' }));
    return;
  }
  const id = typeof q === 'object' && q !== null ? q.id : undefined;
  const bad = (e: string): void => { dev.stats.refused++; write(JSON.stringify({ ...(id === undefined ? {} : { id }), error: e })); };
  if (typeof q !== 'object' || q === null || typeof q.context !== 'string' || typeof q.question !== 'string') return bad('needs "context" and "question" strings');
  if (q.context.trim() === '' || q.question.trim() === '') return bad('"context" and "question" must not be empty');
  if (q.context.length > MAX_CONTEXT) return bad(`"context" has ${q.context.length} characters; the most is ${MAX_CONTEXT}`);
  if (q.question.length > MAX_QUESTION) return bad(`"question" has ${q.question.length} characters; the most is ${MAX_QUESTION}`);
  try {
    const a = await dev.ask(q.context, q.question, (late) => write(answerJson(late, id)));
    write(answerJson(a, id));
  } catch (e) {
    if (e instanceof EngineInputError) return bad(e.message); // unreadable or too long: the line's fault
    dev.stats.errors++;
    write(JSON.stringify({ ...(id === undefined ? {} : { id }), error: `could not answer: ${(e as Error).message}` }));
  }
}

/**
 * The local Unix socket: each connection speaks JSON lines (a line starting with "{") and console
 * commands (any other line, answered in text), so `elma edge console --socket` can drive it.
 */
export async function listenSocket(dev: EdgeDevice, file: string, log: Logger): Promise<net.Server> {
  if (existsSync(file)) {
    // A socket left by a killed run: remove it unless a live device answers on it.
    const live = await new Promise<boolean>((resolve) => {
      const c = net.connect(file);
      c.once('connect', () => { c.destroy(); resolve(true); });
      c.once('error', () => resolve(false));
    });
    if (live) throw new Error(`${file}: another device program is listening there`);
    unlinkSync(file);
  }
  const conns = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    conns.add(sock);
    const split = new LineSplitter();
    let open = true;
    const write = (l: string): void => { if (open && !sock.destroyed) sock.write(`${l}\n`); };
    const session = new ConsoleSession(dev, write);
    let chain = Promise.resolve();
    const asked = new Set<Promise<void>>();
    const take = (lines: InputLine[]): void => {
      for (const line of lines) {
        const isJson = 'text' in line && line.text.trimStart().startsWith('{');
        if (isJson) {
          // JSON questions run side by side, answered as they finish.
          const p = jsonLine(dev, line, write).finally(() => asked.delete(p));
          asked.add(p);
        }
        else {
          chain = chain.then(async () => {
            if (await session.input(line) === 'quit') sock.end();
          });
        }
      }
    };
    sock.on('data', (b: Buffer) => take(split.push(b)));
    sock.on('end', () => { take(split.end()); void chain.then(() => Promise.all(asked)).then(() => sock.end()); });
    sock.on('error', () => undefined);
    sock.on('close', () => { open = false; conns.delete(sock); });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(file, () => { server.off('error', reject); resolve(); });
  });
  chmodSync(file, 0o660);
  server.on('close', () => { for (const c of conns) c.destroy(); });
  log('info', `listening on ${file}`);
  return server;
}
