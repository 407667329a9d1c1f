/**
 * Reading an admin request's JSON body, bounded: at most MAX_BODY_BYTES are kept. A larger body is
 * read on and thrown away (up to DRAIN_BYTES more) before the 413, so the client, still sending,
 * reads our answer instead of a reset connection; past that the server stops reading and closes.
 */
import type { IncomingMessage } from 'node:http';
import type { JsonObject } from './api-requests.ts';
import { ApiError } from './errors.ts';

/** Bodies are a device enrolment or a rollout: a few hundred bytes. 64 KiB is generous. */
export const MAX_BODY_BYTES = 64 * 1024;
const DRAIN_BYTES = 1024 * 1024;

function tooLarge(limit: number): ApiError {
  return new ApiError(413, 'request body', `is larger than ${limit / 1024} KiB`);
}

/** The body as a JSON object; ApiError 400 (not UTF-8 JSON, not an object) or 413 (too large). */
export function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<JsonObject> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit + DRAIN_BYTES) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > limit + DRAIN_BYTES) {
        req.off('data', onData);
        req.pause();
        reject(tooLarge(limit));
      }
    };
    req.on('data', onData);
    req.on('error', () => reject(new ApiError(400, 'request body', 'the connection failed before it was complete')));
    req.on('close', () => { if (!req.complete) reject(new ApiError(400, 'request body', 'the client closed the connection before it was complete')); });
    req.on('end', () => {
      if (size > limit) reject(tooLarge(limit));
      else {
        try {
          resolve(parseJsonObject(Buffer.concat(chunks)));
        } catch (e) {
          reject(e);
        }
      }
    });
  });
}

/** One JSON object from UTF-8 bytes; ApiError 400 otherwise. */
export function parseJsonObject(bytes: Uint8Array): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    const why = bytes.length === 0 ? 'it is empty' : e instanceof Error ? e.message.replace(/\s+/g, ' ') : String(e);
    throw new ApiError(400, '', `request body is not JSON: ${why}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ApiError(400, 'request body', 'must be a JSON object');
  }
  return value as JsonObject;
}
