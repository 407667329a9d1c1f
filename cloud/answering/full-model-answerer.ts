/**
 * The cloud's answers: every offloaded question runs to the model's last layer. A text offload is
 * tokenized here (the same SQuAD windows the device makes: the bundle's max_seq_length and
 * doc_stride); a hidden-state offload continues from the device's layer k with the weights of the
 * bundle version the device ran, so the cloud keeps every version it has published. Questions are
 * prepared one by one (checks, tokenization) and run in batches (engine/qa/staged-batch.ts).
 */
import { extractAnswer, topIndexes } from '../../engine/squad/answers.ts';
import { buildFeatures, type SquadFeature } from '../../engine/squad/features.ts';
import { runToLastLayer, type StagedResult, type StagedRow } from '../../engine/qa/staged-batch.ts';
import type { QaBundle } from '../../runtime/qa-bundle.ts';
import { decodeHiddenOffload } from '../../transport/offload-codec.ts';
import type { Ask, Offload } from '../../transport/schema.ts';
import { ElmaError } from '../../engine/errors.ts';

/** A request the cloud cannot answer as sent; `code` goes to the device in an `error` reply. */
export class OffloadRefusal extends ElmaError {
  readonly code: string;
  constructor(code: string, where: string, why: string) {
    super(where, why);
    this.code = code;
  }
}

/** Soft labels kept for distillation: per feature, the top start and end logits. */
export interface SoftLabels { start: [number, number][]; end: [number, number][] }

export interface CloudAnswer {
  readonly text: string;
  /** Character span in the context; -1, -1 for "no answer". */
  readonly start: number;
  readonly end: number;
  /** Probability of the answer among the n-best (as the device reports its own). */
  readonly score: number;
  readonly layer: number;
  readonly soft: SoftLabels[];
}

/** A question checked and tokenized, ready to join a batch. */
export interface PreparedQuestion {
  readonly key: string;
  readonly context: string;
  readonly features: SquadFeature[];
  readonly rows: StagedRow[];
}

/** Top-k logits kept per feature: the n-best search looks at 20 starts and 20 ends. */
const SOFT_TOP_K = 20;

export class FullModelAnswerer {
  readonly #versions = new Map<string, QaBundle>();
  /** The cloud's full model: it answers the text form, and its answer settings (n-best, the
   *  null-answer threshold) decide every answer, so a published device version — whose exits and
   *  thresholds were retrained for the device — never changes what the cloud answers. */
  readonly #full: QaBundle;

  constructor(full: QaBundle) {
    this.#full = full;
    this.add(full);
  }

  /** Serve hidden-state offloads of this bundle version too (a version published to devices). */
  add(bundle: QaBundle): void {
    const m = bundle.bundle.manifest;
    this.#versions.set(keyOf(m.model_id, m.version), bundle);
  }

  /** The full model (the bundle the cloud was started with). */
  get full(): QaBundle {
    return this.#full;
  }

  get versions(): string[] {
    return [...this.#versions.keys()];
  }

  get numLayers(): number {
    return this.#full.model.config.numHiddenLayers;
  }

  /** Tokenize and check one request; throws OffloadRefusal for what the device must change. */
  prepare(req: Ask | Offload): PreparedQuestion {
    const hiddenForm = req.t === 'offload' && req.hidden_layer > 0;
    let qa = this.#full;
    if (hiddenForm) {
      const v = this.#versions.get(keyOf(req.model, req.version));
      if (v === undefined) {
        throw new OffloadRefusal('unknown-model-version', 'offload.version', `model ${req.model} version ${req.version} is not held by this cloud (it serves ${this.versions.join(', ')}); send the text form`);
      }
      qa = v;
    }
    if (req.context.trim() === '') throw new OffloadRefusal('bad-request', `${req.t}.context`, 'is empty');
    if (req.question.trim() === '') throw new OffloadRefusal('bad-request', `${req.t}.question`, 'is empty');
    const s = qa.settings;
    const features = buildFeatures([{ id: 'q', title: '', question: req.question, context: req.context, answers: [], isImpossible: false }],
      qa.tokenizer, { maxLength: s.maxSeqLength, docStride: s.docStride });
    if (features.length === 0) throw new OffloadRefusal('bad-request', `${req.t}.context`, 'produced no features');
    const key = keyOf(qa.bundle.manifest.model_id, qa.bundle.manifest.version);
    if (!hiddenForm) {
      return { key, context: req.context, features, rows: features.map((f) => ({ fromLayer: 0, inputIds: f.input_ids, tokenTypeIds: f.token_type_ids, attentionMask: f.attention_mask })) };
    }
    const o = req as Offload;
    const H = qa.model.config.hiddenSize;
    const d = decodeHiddenOffload(o, H, qa.model.config.numHiddenLayers);
    if (d.features !== features.length) {
      throw new OffloadRefusal('bad-request', 'offload.input_ids', `holds ${d.features} feature(s); this context and question make ${features.length} with model ${o.model} version ${o.version}`);
    }
    const rows = features.map((f, b): StagedRow => {
      // The device cut its rows to the longest used length; ours must match token for token there and be padding after.
      for (let j = 0; j < f.input_ids.length; j++) {
        const mine = f.input_ids[j]!;
        const theirs = j < d.seq ? d.inputIds[b * d.seq + j]! : 0;
        const theirMask = j < d.seq ? d.attentionMask[b * d.seq + j]! : 0;
        if ((f.attention_mask[j] === 1 || theirMask === 1) && (mine !== theirs || f.attention_mask[j] !== theirMask)) {
          throw new OffloadRefusal('bad-request', `offload.input_ids[${b}][${j}]`, `is ${theirs} (mask ${theirMask}), the cloud's tokenization gives ${mine} (mask ${f.attention_mask[j]}): not the same tokenizer or text`);
        }
      }
      const n = f.input_ids.length;
      const hidden = new Float32Array(n * H);
      hidden.set(d.hidden.subarray(b * d.seq * H, (b * d.seq + Math.min(d.seq, n)) * H));
      return { fromLayer: d.layer, inputIds: f.input_ids, tokenTypeIds: f.token_type_ids, attentionMask: f.attention_mask, hidden };
    });
    return { key, context: req.context, features, rows };
  }

  /** Run prepared questions (any mix of forms and versions) to the last layer here; one answer each. */
  run(questions: readonly PreparedQuestion[]): CloudAnswer[] {
    const out: CloudAnswer[] = new Array(questions.length);
    for (const [key, idx] of groupByKey(questions)) {
      this.#fill(out, questions, idx, key, runToLastLayer(this.#versions.get(key)!.model, idx.flatMap((i) => questions[i]!.rows)));
    }
    return out;
  }

  /** The same, with the layers run by `runner` (the model worker, cloud/answering/model-worker.ts). */
  async runWith(questions: readonly PreparedQuestion[], runner: (key: string, rows: StagedRow[]) => Promise<StagedResult>): Promise<CloudAnswer[]> {
    const out: CloudAnswer[] = new Array(questions.length);
    for (const [key, idx] of groupByKey(questions)) {
      this.#fill(out, questions, idx, key, await runner(key, idx.flatMap((i) => questions[i]!.rows)));
    }
    return out;
  }

  #fill(out: CloudAnswer[], questions: readonly PreparedQuestion[], idx: readonly number[], key: string, res: StagedResult): void {
    const qa = this.#versions.get(key)!;
    let r = 0;
    for (const i of idx) {
      const q = questions[i]!;
      const n = q.rows.length;
      out[i] = this.#answer(qa, q, res.start.slice(r, r + n), res.end.slice(r, r + n));
      r += n;
    }
  }

  #answer(qa: QaBundle, q: PreparedQuestion, start: Float32Array[], end: Float32Array[]): CloudAnswer {
    const s = this.#full.settings;
    const a = extractAnswer(q.context, q.features.map((f, b) => ({ offsets: f.offset_mapping, start: start[b]!, end: end[b]! })), {
      versionTwoWithNegative: true, nBestSize: s.nBestSize, maxAnswerLength: s.maxAnswerLength, nullScoreDiffThreshold: s.nullScoreDiffThreshold, wholeWords: true,
    }, 'cloud answer');
    const best = a.nbest.find((n) => n.text === a.text);
    const span = a.text === '' || best?.offsets == null ? [-1, -1] : best.offsets;
    const soft = q.features.map((_, b): SoftLabels => ({ start: topLogits(start[b]!), end: topLogits(end[b]!) }));
    return { text: a.text, start: span[0]!, end: span[1]!, score: best?.probability ?? 0, layer: qa.model.config.numHiddenLayers, soft };
  }
}

/** How versions are named between the answerer and the model worker. */
export function keyOf(model: string, version: number): string {
  return `${model}@${version}`;
}

function groupByKey(questions: readonly PreparedQuestion[]): Map<string, number[]> {
  const byKey = new Map<string, number[]>();
  questions.forEach((q, i) => {
    const list = byKey.get(q.key);
    if (list === undefined) byKey.set(q.key, [i]); else list.push(i);
  });
  return byKey;
}

/** The SOFT_TOP_K largest logits as [token, logit]; positions cut as padding (-Infinity) are left out. */
function topLogits(x: Float32Array): [number, number][] {
  return topIndexes(x, SOFT_TOP_K).filter((j) => Number.isFinite(x[j]!)).map((j) => [j, x[j]!]);
}
