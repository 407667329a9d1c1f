/**
 * The request handler of `elma cloud serve`: offloaded questions (`offload`, and the plain `ask` of
 * `elma link-ask`) are checked, queued in the dynamic batcher, answered by the full model and, for
 * `offload`, stored in the hard-question store before the device is answered, so a question the
 * device has an answer to is never missing from the store (a resend after a lost reply is
 * answered from the link's reply cache, and the store ignores the duplicate). A store that fails
 * (a full disk, a database that stays down) is logged and answering goes on. Other requests go to
 * `next` (the over-the-air handler).
 */
import type { Offload, Reply } from '../../transport/schema.ts';
import type { DeviceRef, RequestHandler } from '../request-handler.ts';
import type { QuestionStore } from '../store/question-store.ts';
import type { StagedResult, StagedRow } from '../../engine/qa/staged-batch.ts';
import { BusyError, DynamicBatcher } from './dynamic-batcher.ts';
import type { FixedHistogram } from './histogram.ts';
import { OffloadRefusal, type CloudAnswer, type FullModelAnswerer, type PreparedQuestion } from './full-model-answerer.ts';

export interface OffloadHandlerOptions {
  readonly answerer: FullModelAnswerer;
  readonly batcher: DynamicBatcher<PreparedQuestion, CloudAnswer>;
  readonly store?: QuestionStore;
  readonly next: RequestHandler;
  readonly log?: (line: string) => void;
  /** Called after each question newly stored. */
  readonly onStored?: () => void;
  /** Seconds from arrival to answer of each answered question (/metrics). */
  readonly answerSeconds?: FixedHistogram;
}

export interface OffloadStats {
  answered: number;
  stored: number;
  duplicates: number;
  storeFailures: number;
  busy: number;
  refused: number;
}

/** The batcher the answerer runs in; with `runner`, the layers run there (the model worker). */
export function answerBatcher(answerer: FullModelAnswerer, o?: ConstructorParameters<typeof DynamicBatcher<PreparedQuestion, CloudAnswer>>[2],
  runner?: (key: string, rows: StagedRow[]) => Promise<StagedResult>): DynamicBatcher<PreparedQuestion, CloudAnswer> {
  return new DynamicBatcher<PreparedQuestion, CloudAnswer>((qs) => (runner === undefined ? answerer.run(qs) : answerer.runWith(qs, runner)), (q) => q.rows.length, o);
}

export function offloadHandler(o: OffloadHandlerOptions, stats: OffloadStats = { answered: 0, stored: 0, duplicates: 0, storeFailures: 0, busy: 0, refused: 0 }): RequestHandler {
  return async (req, device): Promise<Reply> => {
    if (req.t !== 'offload' && req.t !== 'ask') return o.next(req, device);
    let answer: CloudAnswer;
    const t0 = performance.now();
    try {
      answer = await o.batcher.submit(o.answerer.prepare(req));
    } catch (e) {
      if (e instanceof BusyError) {
        stats.busy++;
        return { t: 'busy', id: req.id, retry_after_ms: e.retryAfterMs };
      }
      if (e instanceof OffloadRefusal) {
        stats.refused++;
        o.log?.(`refused device=${device.name} id=${req.id.toString(16)} code=${e.code} ${e.message}`);
        return { t: 'error', id: req.id, code: e.code, message: e.message.slice(0, 1024) };
      }
      throw e;
    }
    stats.answered++;
    o.answerSeconds?.observe((performance.now() - t0) / 1000);
    if (req.t === 'offload' && o.store !== undefined) await store(o, stats, req, device, answer);
    return { t: 'answer', id: req.id, text: answer.text, start: answer.start, end: answer.end, score: answer.score, layer: answer.layer };
  };
}

async function store(o: OffloadHandlerOptions, stats: OffloadStats, req: Offload, device: DeviceRef, answer: CloudAnswer): Promise<void> {
  try {
    const fresh = await o.store!.add({
      device: device.name, requestId: req.id, modelId: req.model, modelVersion: req.version, receivedAt: new Date(),
      context: req.context, question: req.question,
      deviceExit: { layer: req.exit_layer, entropy: req.exit_entropy, text: req.exit_text },
      cloud: { text: answer.text, start: answer.start, end: answer.end, score: answer.score, layer: answer.layer, soft: answer.soft },
    });
    if (fresh) {
      stats.stored++;
      o.onStored?.();
    } else {
      stats.duplicates++;
    }
  } catch (e) {
    stats.storeFailures++;
    o.log?.(`store-failed device=${device.name} id=${req.id.toString(16)} ${(e as Error).message}`);
  }
}

