/**
 * A worker thread running the `elma` program itself with internal arguments (the device's
 * inference worker, the cloud's model worker). Bundled (dist/elma.mjs) this code is the program,
 * so the worker runs that file; from source, the worker runs cli/elma.ts after registering tsx's
 * loader in its own thread (a worker does not inherit the parent's --import hooks on Node 20).
 */
import { Worker } from 'node:worker_threads';

export function spawnElmaWorker(argv: readonly string[]): Worker {
  const self = new URL(import.meta.url);
  const opts = { argv: [...argv], stdout: false, stderr: false };
  if (!self.pathname.endsWith('.ts')) return new Worker(self, opts);
  const entry = new URL('../cli/elma.ts', self).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(code, { ...opts, eval: true });
}
