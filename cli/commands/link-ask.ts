import path from 'node:path';
import { optionalInt, requireString, requireText, UsageError, type Command, type CliIO } from '../command.ts';
import { DeviceLink } from '../../runtime/link/device-link.ts';
import { FileOutbox, type OutboxEntry } from '../../runtime/link/outbox.ts';
import { PersistentHandshakeClock } from '../../runtime/link/handshake-clock.ts';
import { readKeyFile, readPublicKey } from '../../transport/node/key-file.ts';
import { nodeRandom } from '../../transport/node/socket-session.ts';
import type { Reply } from '../../transport/schema.ts';
import { CRYPTO_HELP, TIMEOUT_HELP, TIMEOUT_OPTIONS, cryptoOption, hostPort, timeoutOptions } from './_link-options.ts';

function printReply(io: CliIO, entry: OutboxEntry, reply: Reply, recovered: boolean): void {
  const q = entry.request.t === 'ask' ? entry.request.question : entry.request.t;
  const r = reply.t === 'answer' ? { answer: reply.text, start: reply.start, end: reply.end, score: reply.score, layer: reply.layer }
    : reply.t === 'error' ? { error: reply.code, message: reply.message } : { reply: reply.t };
  io.stdout(`${JSON.stringify({ id: entry.id.toString(16), question: q, ...r, ...(recovered ? { recovered: true } : {}) })}\n`);
}

export const linkAskCommand: Command = {
  name: 'link-ask',
  summary: 'Send questions to the cloud over the encrypted link (device side, with outbox)',
  help: `Usage: elma link-ask --server <host:port> --server-key <hex|file> --key <device.key> --outbox <dir>
                     [--context <text> --question <text>] [options]

The device end of the link. Questions go into the outbox directory first (each written and
fsynced before it counts as asked), then over the link, and leave the outbox only when answered:
questions asked while the server is unreachable are sent once it is back, and questions left by
an earlier run (even one that was killed) are sent and answered first. Connection attempts back
off exponentially with jitter. The server is pinned: only the holder of --server-key's private
key can complete the handshake.
Questions come from --context/--question, or else as JSON lines {"context", "question"} on stdin.
Each answer is printed as one JSON line {"id", "question", "answer", "start", "end", "score",
"layer"} ("recovered": true for questions of an earlier run). Exits when the input has ended and
the outbox is empty.

Options:
  --server <host:port>     the server (elma serve)
  --server-key <hex|file>  the server's public key, or its key file
  --key <file>             this device's key file (elma link-keygen), registered on the server
  --outbox <dir>           where unanswered questions wait (created if missing)
  --context <text>         the text to read
  --question <text>        the question
  --wait-ms <n>            give up after n ms (exit code 3); unanswered questions stay in the outbox
${TIMEOUT_HELP}
${CRYPTO_HELP}`,
  options: {
    server: { type: 'string' }, 'server-key': { type: 'string' }, key: { type: 'string' }, outbox: { type: 'string' },
    context: { type: 'string' }, question: { type: 'string' }, 'wait-ms': { type: 'string' }, crypto: { type: 'string' },
    ...TIMEOUT_OPTIONS,
  },
  async run(args, io) {
    const provider = cryptoOption(args);
    const { host, port } = hostPort(requireString(args, 'server'), 'server');
    const serverKey = readPublicKey(requireString(args, 'server-key'), '--server-key', provider);
    const staticKey = readKeyFile(requireString(args, 'key'), provider);
    const dir = requireString(args, 'outbox');
    const single = args.values.question !== undefined || args.values.context !== undefined;
    const one = single ? { context: requireText(args, 'context'), question: requireText(args, 'question') } : undefined;
    const waitMs = optionalInt(args, 'wait-ms', 0);
    const log = (line: string): void => io.stderr(`${line}\n`);
    const outbox = new FileOutbox(dir, nodeRandom, { warn: log });
    if (outbox.size > 0) log(`${outbox.size} question(s) from an earlier run in ${dir}`);
    const clock = new PersistentHandshakeClock(path.join(dir, 'handshake.tai64n'));
    const link = new DeviceLink({
      host, port, serverKey, staticKey, outbox, provider, config: timeoutOptions(args), log,
      timestamp: () => clock.next(),
      onReply: (entry, reply) => { printReply(io, entry, reply, true); setImmediate(check); },
    });
    let drained!: () => void;
    const empty = new Promise<void>((r) => { drained = r; });
    let inputDone = false;
    const check = (): void => { if (inputDone && outbox.size === 0) drained(); };
    link.start();
    const timer = waitMs > 0 ? setTimeout(() => { link.stop(); drained(); }, waitMs) : undefined;
    const ask = (context: string, question: string): void => {
      const { entry, reply } = link.submit({ t: 'ask', context, question });
      log(`queued id=${entry.id.toString(16)}`);
      reply.then((r) => { printReply(io, entry, r, false); setImmediate(check); }, () => { /* stopped: it stays in the outbox */ });
    };
    try {
      if (one !== undefined) ask(one.context, one.question);
      else {
        let n = 0;
        for await (const line of io.stdin()) {
          n++;
          if (line.trim() === '') continue;
          let q: { context?: unknown; question?: unknown };
          try {
            q = JSON.parse(line) as typeof q;
          } catch {
            throw new UsageError(`stdin line ${n}: not JSON`);
          }
          if (typeof q.context !== 'string' || typeof q.question !== 'string') throw new UsageError(`stdin line ${n}: needs "context" and "question" strings`);
          if (q.context.trim() === '') throw new UsageError(`stdin line ${n}: "context" is empty`);
          if (q.question.trim() === '') throw new UsageError(`stdin line ${n}: "question" is empty`);
          ask(q.context, q.question);
        }
      }
      inputDone = true;
      check();
      await empty;
    } finally {
      clearTimeout(timer);
      link.stop();
    }
    if (outbox.size > 0) {
      log(`${outbox.size} question(s) not answered within ${waitMs} ms; they stay in ${dir}`);
      return 3;
    }
    return 0;
  },
};
