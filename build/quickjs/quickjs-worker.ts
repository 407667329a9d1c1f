/**
 * One QuickJS answerer in a worker thread (quickjs-host.ts `answerInQuickJsWorkers`): QuickJS runs
 * the matrix products interpreted, seconds per question, so a long check spreads its questions over
 * the machine's cores, one QuickJS instance each. Reads {code, files, questions} from workerData and
 * posts the answers back (or {error}).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { HostQuestion } from './bundle-answerer.ts';
import { openInQuickJs, type BundleFiles } from './quickjs-host.ts';

const { code, files, questions } = workerData as { code: string; files: BundleFiles; questions: HostQuestion[] };
try {
  const qjs = await openInQuickJs(code, files);
  try {
    parentPort!.postMessage({ answers: qjs.answer(questions) });
  } finally {
    qjs.dispose();
  }
} catch (e) {
  parentPort!.postMessage({ error: e instanceof Error ? e.message : String(e) });
}
