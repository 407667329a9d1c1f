/**
 * `elma edge console --socket <path>` on elma-qjs: a console on the running device program through
 * its Unix socket (runtime/edge/jsonl.ts listenSocket serves console commands and JSON lines
 * there). The serial getty of the device image runs it as the login program of the TX2's debug
 * UART (deploy/systemd/serial-getty@ttyS0.service.d), and an operator over SSH. As the Node
 * client does without a terminal (cli/commands/edge.ts consoleClient): stdin's bytes go to the
 * socket as they come, the socket's to stdout; the end of stdin ends our side and the program
 * ends when the device closes the connection. No line editing (no readline on elma-qjs).
 */
import * as host from 'elma:host';
import net from 'node:net';
import { UsageError } from '../../runtime/usage-error.ts';
import { parseFlags, required } from './qjs-flags.ts';

export const CONSOLE_USAGE = 'usage: elma edge console --socket <path>';

/** Writes text to stdout as whole UTF-8 characters: a chunk from the socket may end inside one. */
class Utf8Out {
  #held = new Uint8Array(0);

  push(bytes: Uint8Array): void {
    const all = new Uint8Array(this.#held.length + bytes.length);
    all.set(this.#held);
    all.set(bytes, this.#held.length);
    // Up to the last newline every character is whole (0x0a never occurs inside a UTF-8 sequence).
    const cut = all.lastIndexOf(0x0a) + 1;
    this.#held = all.slice(cut);
    if (cut > 0) this.#write(all.subarray(0, cut));
  }

  flush(): void {
    if (this.#held.length > 0) this.#write(this.#held);
    this.#held = new Uint8Array(0);
  }

  #write(bytes: Uint8Array): void {
    host.writeStdout(host.decodeUtf8(bytes) ?? Buffer.from(bytes).toString('utf8'));
  }
}

export async function consoleClient(args: readonly string[]): Promise<number> {
  const file = required(parseFlags(args, { socket: 'string' }, CONSOLE_USAGE), 'socket', CONSOLE_USAGE);
  const sock = net.connect(file);
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', (e: Error & { code?: string }) => reject(new UsageError(`${file}: ${e.code === 'ENOENT' || e.code === 'ECONNREFUSED' ? 'no device program listens there (is elma edge running?)' : e.message}`)));
  });
  const out = new Utf8Out();
  const closed = new Promise<void>((r) => sock.on('close', () => r()));
  sock.on('error', () => undefined);
  sock.on('data', (b: Uint8Array) => out.push(b));
  const stdin = host.net.stdin();
  stdin.start({
    data: (ab) => { sock.write(new Uint8Array(ab)); },
    end: () => { sock.end(); },
    error: () => { sock.end(); },
  });
  await closed;
  out.flush();
  stdin.destroy();
  return 0;
}
