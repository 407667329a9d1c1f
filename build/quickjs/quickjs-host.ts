/**
 * The Node side of the QuickJS target: bundle the portable QA core (qa-core.ts) with esbuild, and
 * open a model bundle inside quickjs-emscripten with it. Used by the QuickJS tests and
 * bench/quickjs.ts. The bundle's files are read and checked against the manifest's sha256 here
 * (models/bundle/bundle-dir.ts); the weights go in once as an ArrayBuffer, and every batch of
 * questions is one call that returns JSON.
 */
import path from 'node:path';
import { build } from 'esbuild';
import { Worker } from 'node:worker_threads';
import { getQuickJS, type QuickJSContext } from 'quickjs-emscripten';
import { readBundleFile, readManifest } from '../../models/bundle/bundle-dir.ts';
import type { HostQuestion } from './bundle-answerer.ts';
import type { QuestionAnswer } from '../../engine/qa/answer-questions.ts';

const ENTRY = path.join(path.dirname(new URL(import.meta.url).pathname), 'qa-core.ts');

/** The QA core as one script for QuickJS: an IIFE that sets the global `ELMA`. */
export async function bundleQaCore(o: { minify?: boolean } = {}): Promise<string> {
  const out = await build({
    entryPoints: [ENTRY], bundle: true, write: false, format: 'iife', globalName: 'ELMA', platform: 'neutral', target: 'es2020',
    minify: o.minify ?? false, logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

/** A bundle directory's files as the core takes them, verified against its manifest. */
export interface BundleFiles {
  readonly manifestJson: string;
  readonly tokenizerJson: string;
  readonly weights: Uint8Array;
}

export function readBundleFiles(dir: string): BundleFiles {
  const { manifest } = readManifest(dir);
  if (!manifest.tokenizer.endsWith('.json')) throw new TypeError(`${dir}: the QuickJS core reads tokenizer.json, the manifest names ${manifest.tokenizer}`);
  return {
    manifestJson: JSON.stringify(manifest),
    tokenizerJson: new TextDecoder().decode(readBundleFile(dir, manifest, manifest.tokenizer)),
    weights: readBundleFile(dir, manifest, manifest.weights),
  };
}

export interface QuickJsAnswerer {
  answer(questions: readonly HostQuestion[]): QuestionAnswer[];
  dispose(): void;
}

function setString(vm: QuickJSContext, name: string, value: string): void {
  const h = vm.newString(value);
  vm.setProp(vm.global, name, h);
  h.dispose();
}

/** Evaluate the core in a fresh QuickJS context and open the bundle there (the weights copied in once). */
export async function openInQuickJs(code: string, files: BundleFiles): Promise<QuickJsAnswerer> {
  const vm = (await getQuickJS()).newContext();
  try {
    vm.unwrapResult(vm.evalCode(code, 'qa-core.js')).dispose();
    const w = files.weights;
    const buf = vm.newArrayBuffer(w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength));
    vm.setProp(vm.global, '__weights', buf);
    buf.dispose();
    setString(vm, '__manifest', files.manifestJson);
    setString(vm, '__tokenizer', files.tokenizerJson);
    // The inputs are dropped once the model holds its tensors, so they do not stay in QuickJS's heap twice.
    vm.unwrapResult(vm.evalCode('globalThis.__qa = ELMA.openBundle(__manifest, __tokenizer, new Uint8Array(__weights)); delete globalThis.__weights; delete globalThis.__manifest; delete globalThis.__tokenizer;')).dispose();
  } catch (e) {
    vm.dispose();
    throw e;
  }
  return {
    answer(questions) {
      setString(vm, '__questions', JSON.stringify(questions));
      const res = vm.unwrapResult(vm.evalCode('__qa.answer(__questions)'));
      try {
        return JSON.parse(vm.getString(res)) as QuestionAnswer[];
      } finally {
        res.dispose();
      }
    },
    dispose() {
      vm.dispose();
    },
  };
}

/**
 * Answer `questions` in `workers` QuickJS instances at once, each in its own worker thread with a
 * contiguous share of the questions (answers come back in the questions' order). From source the
 * worker registers tsx's loader first, as runtime/elma-worker.ts does (Node 20 workers do not
 * inherit --import hooks).
 */
export async function answerInQuickJsWorkers(code: string, files: BundleFiles, questions: readonly HostQuestion[], workers: number): Promise<QuestionAnswer[]> {
  const n = Math.max(1, Math.min(workers, questions.length));
  const size = Math.ceil(questions.length / n);
  const shares = Array.from({ length: n }, (_, i) => questions.slice(i * size, (i + 1) * size)).filter((q) => q.length > 0);
  const entry = new URL('./quickjs-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); })`;
  const results = await Promise.all(shares.map((share) => new Promise<QuestionAnswer[]>((resolve, reject) => {
    const w = new Worker(boot, { eval: true, workerData: { code, files, questions: share } });
    w.once('message', (m: { answers?: QuestionAnswer[]; error?: string }) => {
      void w.terminate();
      if (m.answers !== undefined) resolve(m.answers);
      else reject(new Error(`QuickJS worker: ${m.error ?? 'no answers'}`));
    });
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`QuickJS worker exited (${code}) without answers`)));
  })));
  return results.flat();
}
