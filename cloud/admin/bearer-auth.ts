/**
 * Checking a request's `Authorization: Bearer <token>` (RFC 6750 §2.1) against the admin token in
 * constant time: both sides are hashed first, so timingSafeEqual compares equal lengths and neither
 * the token's length nor its first differing byte shows in the response time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** True when `authorization` (the header, absent or not) carries exactly `token` as a bearer token. */
export function bearerMatches(authorization: string | undefined, token: string): boolean {
  if (authorization === undefined) return false;
  // The scheme is case-insensitive (RFC 7235 §2.1); one or more spaces before the token.
  const m = /^bearer +(\S+) *$/i.exec(authorization);
  const given = m?.[1] ?? '';
  const ok = timingSafeEqual(digest(given), digest(token));
  return ok && given !== '';
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}
