/** The server processes of bench:link: `elma serve`, and a plain-TCP server for the baseline. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface BenchServer {
  readonly port: number;
  stop(): Promise<void>;
}

function started(child: ChildProcess, what: string): Promise<BenchServer> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (b: Buffer) => { err = (err + b.toString()).slice(-4000); });
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}): ${err}`)));
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /listening on \S+:(\d+)/.exec(out);
      if (m === null) return;
      child.removeAllListeners('exit');
      resolve({
        port: Number(m[1]),
        stop: () => new Promise<void>((r) => {
          if (child.exitCode !== null) return r();
          child.once('exit', () => r());
          child.kill('SIGTERM');
        }),
      });
    });
  });
}

export function startBenchServer(s: { serverKeyFile: string; registry: string }, crypto: string): Promise<BenchServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'cli/elma.ts'), 'serve',
    '--key', s.serverKeyFile, '--registry', s.registry, '--port', '0', '--crypto', crypto], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  return started(child, 'elma serve');
}

/** Answers every 8-byte request with `payload` bytes, unencrypted. */
export function startPlainServer(payload: number): Promise<BenchServer> {
  const code = `
    const net = require('node:net');
    const reply = Buffer.alloc(${payload}, 7);
    const server = net.createServer({ noDelay: true }, (s) => {
      let got = 0;
      s.on('data', (b) => { got += b.length; while (got >= 8) { got -= 8; s.write(reply); } });
      s.on('error', () => {});
    });
    server.listen(0, '127.0.0.1', () => console.log('listening on 127.0.0.1:' + server.address().port));
    process.on('SIGTERM', () => process.exit(0));`;
  return started(spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'pipe'] }), 'plain TCP server');
}
