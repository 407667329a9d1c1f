/**
 * Converting a bundle's weights for release (issue 19), golden answers included.
 *
 * A bundle's golden questions are its health check: after an update the device loads the new
 * model and must give each golden answer (runtime/slots/health-check.ts), or it rolls back. The
 * fp32 bundle's golden answers are the fp32 model's; fp16 or int8 weights may move a close answer
 * span. So after converting, the new bundle is loaded exactly as a device loads it (through
 * loadQaBundle, dequantising on load), each golden question is answered under the bundle's own
 * exit policy, and the manifest gets those answers. An answer equal to the old one after SQuAD's
 * normalisation keeps its old text; the changed ones are reported to the publisher. Finally the
 * bundle is loaded again from disk and must pass its own health check, so a bundle whose golden
 * answers are not its model's is never packed.
 */
import path from 'node:path';
import { writeFileAtomic } from '../common/node/atomic-file.ts';
import { BundleError } from '../models/errors.ts';
import { MANIFEST_FILE, type GoldenQuestion, type Manifest } from '../models/bundle/manifest.ts';
import { convertBundleDir, type ConvertedDir } from '../models/bundle/node/convert-dir.ts';
import type { ConvertSelection, WeightsFormat } from '../models/weights/weights-format.ts';
import { normalizeAnswer } from '../engine/squad/metric.ts';
import { loadQaBundle } from './qa-bundle.ts';
import { healthCheck } from './slots/health-check.ts';

export interface GoldenChange {
  readonly index: number;
  readonly question: string;
  /** The fp32 bundle's answer and the converted model's. */
  readonly before: string;
  readonly after: string;
}

export interface ConvertedBundle extends ConvertedDir {
  /** Golden questions whose answer the converted model gives differently (after normalisation). */
  readonly goldenChanges: readonly GoldenChange[];
}

export interface ConvertOptions {
  /** The backend that answers the golden questions (default auto, as on the device). */
  readonly backend?: string;
  readonly selection?: ConvertSelection;
}

/** The golden answers of the bundle at `dir`, as its own model gives them under its own exit policy. */
function ownAnswers(dir: string, golden: readonly GoldenQuestion[], backend: string | undefined): string[] {
  const qa = loadQaBundle(dir, backend === undefined ? {} : { backend });
  return healthCheck(qa.model, qa.tokenizer, qa.settings, golden, Number.POSITIVE_INFINITY).results.map((r) => r.got);
}

/** Convert `src` (fp32) into the new directory `dst` in `format`, with golden answers recomputed. */
export function convertBundle(src: string, dst: string, format: WeightsFormat, o: ConvertOptions = {}): ConvertedBundle {
  const converted = convertBundleDir(src, dst, format, o.selection);
  const m = converted.manifest;
  if (m.golden.length === 0) return { ...converted, goldenChanges: [] };
  const got = ownAnswers(dst, m.golden, o.backend);
  const goldenChanges: GoldenChange[] = [];
  const golden = m.golden.map((g, i): GoldenQuestion => {
    const after = got[i]!;
    if (normalizeAnswer(after) === normalizeAnswer(g.answer)) return g;
    goldenChanges.push({ index: i, question: g.question, before: g.answer, after });
    return { ...g, answer: after };
  });
  const manifest: Manifest = { ...m, golden };
  if (goldenChanges.length > 0) writeFileAtomic(path.join(dst, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  const qa = loadQaBundle(dst, o.backend === undefined ? {} : { backend: o.backend });
  const health = healthCheck(qa.model, qa.tokenizer, qa.settings, qa.bundle.manifest.golden, Number.POSITIVE_INFINITY);
  if (!health.pass) throw new BundleError(dst, `the converted bundle fails its own health check (${health.summary}); not packed`);
  return { ...converted, manifest, goldenChanges };
}
