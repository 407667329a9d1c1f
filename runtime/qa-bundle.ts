/**
 * A bundle ready to answer questions on this machine: the verified bundle, its model on a backend,
 * its tokenizer and the run settings (exit policy, feature windows) from its manifest, optionally
 * overridden. Used by the CLI commands and by the slot health check.
 */
import path from 'node:path';
import { loadBundle, type LoadedBundle } from '../models/bundle/bundle-dir.ts';
import { AlbertModel } from '../engine/albert/model.ts';
import { EngineInputError } from '../engine/errors.ts';
import type { AlbertTokenizer } from '../engine/tokenizer/albert-tokenizer.ts';
import type { QaRunSettings } from '../engine/qa/answer-questions.ts';
import { loadTokenizer } from './load-tokenizer.ts';
import { selectBackend } from './backend-select.ts';
import { withLayerInt8 } from '../models/weights/layer-int8.ts';
import type { Backend } from '../kernels/backend.ts';
import type { NativeBackend } from '../kernels/native/index.ts';

export interface QaBundle {
  readonly bundle: LoadedBundle;
  readonly model: AlbertModel;
  readonly tokenizer: AlbertTokenizer;
  readonly settings: QaRunSettings;
}

export interface QaOverrides {
  /** One exit threshold for every layer instead of the manifest's. */
  readonly threshold?: number;
  readonly depthLimit?: number;
  /** Backend name (auto when absent). */
  readonly backend?: string;
  /** fp32 (default) or int8: the layer's matrices as int8 GEMMs on the native backend (docs/backends.md, "int8"). */
  readonly precision?: string;
}

/** Whether the backend runs the layer's matrices as int8 (the native backend at precision int8). */
function runsInt8(b: Backend): boolean {
  return b.name === 'native' && (b as NativeBackend).precision === 'int8';
}

export function loadQaBundle(dir: string, o: QaOverrides = {}): QaBundle {
  const bundle = loadBundle(dir);
  const backend = selectBackend(o.backend, o.precision !== undefined ? { precision: o.precision } : {});
  // An int8 bundle on the native int8 layer: its stored bytes and scales run as they are (no
  // quantising of the dequantised copies again), so the device runs what was signed.
  const weights = bundle.weightsFormat === 'int8' && runsInt8(backend)
    ? withLayerInt8(bundle.weights, bundle.int8, bundle.config, path.join(dir, bundle.manifest.weights)) : bundle.weights;
  const model = new AlbertModel(bundle.config, weights, backend);
  const tokenizer = loadTokenizer(dir, path.join(dir, bundle.manifest.tokenizer));
  const L = bundle.config.numHiddenLayers;
  const thresholds = o.threshold !== undefined ? new Array<number>(L).fill(o.threshold) : [...bundle.manifest.exits.thresholds];
  const depthLimit = o.depthLimit ?? bundle.manifest.exits.depth_limit;
  if (!Number.isSafeInteger(depthLimit) || depthLimit < 1 || depthLimit > L) {
    throw new EngineInputError('depth limit', `${depthLimit} is outside the model's 1..${L} layers`);
  }
  const qa = bundle.manifest.qa;
  return {
    bundle, model, tokenizer,
    settings: {
      policy: { thresholds, depthLimit }, maxSeqLength: qa.max_seq_length, docStride: qa.doc_stride, maxAnswerLength: qa.max_answer_length,
      nBestSize: qa.n_best_size, nullScoreDiffThreshold: qa.null_score_diff_threshold, now: () => performance.now(),
    },
  };
}
