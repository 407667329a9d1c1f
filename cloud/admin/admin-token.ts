/**
 * The admin API's bearer token (issue 16): one secret per cloud node, kept in a file only its owner
 * can read. The first start makes it (32 random bytes, base64url) with mode 0600, atomically and
 * without clobbering, so two nodes starting at once on one file end up with the same token; later
 * starts read it. A file others may read or write is refused rather than used: the token guards
 * enrolment and rollouts, so a readable copy is a leaked one (OpenSSH refuses such keys alike).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../../common/node/atomic-file.ts';
import { AdminError } from './errors.ts';

/** RFC 6750 §2.1 `b64token`: what may follow `Bearer ` in an Authorization header. */
const BEARER_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Bytes of a new token: 256 bits, beyond guessing. */
const TOKEN_BYTES = 32;

/** Read the token in `file`, or create the file with a new one; AdminError for a file it will not use. */
export function loadOrCreateToken(file: string): string {
  try {
    writeFileAtomic(file, `${randomBytes(TOKEN_BYTES).toString('base64url')}\n`, { mode: 0o600, replace: false });
  } catch (e) {
    if (errorCode(e) !== 'EEXIST') throw new AdminError(file, `cannot create the admin token file (${describe(e)})`);
  }
  return readToken(file);
}

function readToken(file: string): string {
  let text: string;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new AdminError(file, 'is not a regular file; the admin token must be one');
    // Group or others may read or write it: refuse, the owner fixes it with one command.
    if ((st.mode & 0o077) !== 0) {
      throw new AdminError(file, `is open to group or others (mode ${(st.mode & 0o777).toString(8).padStart(3, '0')}); run chmod 600 ${file}`);
    }
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof AdminError) throw e;
    throw new AdminError(file, `cannot read the admin token file (${describe(e)})`);
  }
  const token = text.trim();
  if (token === '') throw new AdminError(file, 'is empty; write a token into it, or delete it and a new one is made');
  if (!BEARER_TOKEN.test(token)) {
    throw new AdminError(file, 'holds no usable token: one line of letters, digits and - . _ ~ + / (a bearer token, RFC 6750)');
  }
  return token;
}

function errorCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

function describe(e: unknown): string {
  return errorCode(e) ?? (e instanceof Error ? e.message.replace(/\s+/g, ' ') : String(e));
}
