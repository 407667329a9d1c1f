/**
 * Child processes of the store tests (run with `node --import tsx`):
 *   fill SPEC      adds questions with large distinct contexts until an add fails (run under a
 *                  file-size limit), then one small add; prints a JSON report on stdout.
 *   claim SPEC W   prints `ready`, waits for a line on stdin, then claims jobs as worker W until none
 *                  is left; prints the claimed ids as JSON.
 */
import { openStore, StoreError } from '../../cloud/store/question-store.ts';
import { makeQuestion } from './_store-fixtures.ts';

const [mode, spec, worker] = process.argv.slice(2);
const store = await openStore(spec!, { retryMs: 20_000 });
if (mode === 'fill') {
  const added: number[] = [];
  let error: { storeError: boolean; message: string } | undefined;
  for (let i = 0; i < 10_000 && error === undefined; i++) {
    try {
      if (await store.add(makeQuestion(i, { context: `Context ${i}. ${'All work and no play makes Jack a dull boy. '.repeat(200)}` }))) added.push(i);
    } catch (e) {
      error = { storeError: e instanceof StoreError, message: (e as Error).message };
    }
  }
  let small: boolean | string;
  try {
    small = await store.add(makeQuestion(100_000, { context: 'Short.' }));
  } catch (e) {
    small = (e as Error).message;
  }
  try {
    await store.close();
  } catch { /* closing may checkpoint, which may fail on the full disk too */ }
  process.stdout.write(`${JSON.stringify({ added, error, small })}\n`);
} else if (mode === 'claim') {
  // Ready once the store is open; claims start when the parent says go, in every child at once.
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => {
    process.stdin.on('data', () => resolve());
    process.stdin.on('end', () => resolve());
  });
  process.stdin.pause();
  const ids: number[] = [];
  for (;;) {
    const job = await store.claimJob(worker!);
    if (job === undefined) break;
    ids.push(job.id);
  }
  await store.close();
  process.stdout.write(`${JSON.stringify(ids)}\n`);
} else {
  throw new Error(`unknown mode ${String(mode)}`);
}
