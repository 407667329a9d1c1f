/**
 * The cloud node's admin HTTP API and dashboard (issue 16), on node:http, loopback by default: the
 * routes of admin-routes.ts behind a bearer token, the dashboard page at `/` (the only thing served
 * without the token: it asks for one). Every answer is JSON (`{ "error": "…" }` for refusals) except
 * the page and /metrics; no response ever carries a stack trace. The status of a failure:
 *
 * - ApiError (bad field, bad JSON, no such route, wrong method, body too large): its own status;
 * - FleetError: 400, 404 or 409 by fleetErrorStatus (fleet-error-status.ts);
 * - StoreError: 503 (the store is down; the request may succeed later);
 * - anything else: 500 with a generic message, the error logged.
 *
 * A slow or stalled client cannot hold the server: headers must arrive within headersTimeoutMs and
 * the whole request within requestTimeoutMs, else Node answers 408 and closes the connection.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { FleetError } from '../fleet/errors.ts';
import { StoreError } from '../store/errors.ts';
import { matchRoute, type ApiReply, type Method } from './admin-routes.ts';
import { bearerMatches } from './bearer-auth.ts';
import { DASHBOARD_CSP, DASHBOARD_HTML } from './dashboard-page.ts';
import { ApiError } from './errors.ts';
import type { FleetAdmin } from './fleet-admin.ts';
import { fleetErrorStatus } from './fleet-error-status.ts';
import { readJsonBody } from './request-body.ts';

export interface AdminServerOptions {
  readonly admin: FleetAdmin;
  /** The bearer token every route but the page needs (loadOrCreateToken). */
  readonly token: string;
  /** Default 127.0.0.1: reaching it from elsewhere is a choice (a tunnel, a proxy with TLS). */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Shown in the dashboard's header (default: the host name). */
  readonly nodeName?: string;
  /** One line per request and per unexpected error; never the token. */
  readonly log?: (line: string) => void;
  /** Default 10 000 ms for the headers and 30 000 ms for the whole request. */
  readonly headersTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
}

export interface AdminServer {
  readonly host: string;
  readonly port: number;
  /** `http://host:port/`, the dashboard's address. */
  readonly url: string;
  /** Stop listening and close every connection, idle keep-alive ones too. */
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

export async function startAdminServer(o: AdminServerOptions): Promise<AdminServer> {
  if (o.token === '') throw new TypeError('startAdminServer: token must not be empty');
  const host = o.host ?? '127.0.0.1';
  const nodeName = o.nodeName ?? hostname();
  const requestTimeout = o.requestTimeoutMs ?? 30_000;
  const headersTimeout = Math.min(o.headersTimeoutMs ?? 10_000, requestTimeout);
  const server = createServer({
    requestTimeout,
    headersTimeout,
    keepAliveTimeout: 5_000,
    // How often Node looks for requests past their timeouts (default 30 s, coarser than the limits).
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersTimeout / 2))),
  }, (req, res) => {
    const started = Date.now();
    void handle(req, res).finally(() => o.log?.(`admin: ${req.method ?? '?'} ${pathOf(req)} ${res.statusCode} ${Date.now() - started} ms`));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    // Origin-form only: a target such as `//host/x` must not be read as another host's `/x`.
    const target = req.url ?? '/';
    const url = new URL(`http://admin.invalid${target.startsWith('/') ? target : `/${target}`}`);
    try {
      if (url.pathname === '/') {
        if (method !== 'GET' && method !== 'HEAD') throw new ApiError(405, `${method} /`, 'method not allowed (GET)', { Allow: 'GET, HEAD' });
        send(res, 200, DASHBOARD_HTML, 'text/html; charset=utf-8', { 'Content-Security-Policy': DASHBOARD_CSP });
        return;
      }
      if (!bearerMatches(req.headers.authorization, o.token)) {
        throw new ApiError(401, '', 'missing or wrong token: send Authorization: Bearer <the admin token of this cloud node>', { 'WWW-Authenticate': 'Bearer realm="elma-admin"' });
      }
      const found = matchRoute(url.pathname);
      if (found === undefined) throw new ApiError(404, `${method} ${url.pathname}`, 'no such route (see docs/dashboard.md)');
      const handler = found.route.methods[method as Method];
      if (handler === undefined) {
        const allow = Object.keys(found.route.methods).join(', ');
        throw new ApiError(405, `${method} ${url.pathname}`, `method not allowed (${allow})`, { Allow: allow });
      }
      reply(res, await handler({ admin: o.admin, nodeName, params: found.params, query: url.searchParams, body: () => readJsonBody(req) }));
    } catch (e) {
      const { status, message, headers } = failure(e);
      if (status === 500) o.log?.(`admin: ${method} ${url.pathname} failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      // After a 413 the rest of an oversized body may still be on its way: close rather than read on.
      reply(res, { status, json: { error: message } }, status === 413 ? { ...headers, Connection: 'close' } : headers);
    }
  }

  // A failed listen rejects with Node's own error (code EADDRINUSE, EACCES, …): the caller names the address its way.
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    server.once('error', onError);
    server.listen(o.port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : o.port;
  return {
    host,
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** The status, the one-line message and extra headers of a failed request. */
function failure(e: unknown): { status: number; message: string; headers: Readonly<Record<string, string>> } {
  if (e instanceof ApiError) return { status: e.status, message: e.message, headers: e.headers };
  if (e instanceof FleetError) return { status: fleetErrorStatus(e), message: e.message, headers: {} };
  if (e instanceof StoreError) return { status: 503, message: `the store failed: ${e.message}`, headers: { 'Retry-After': '5' } };
  return { status: 500, message: 'internal error: the request failed; the cloud node\'s log says why', headers: {} };
}

function reply(res: ServerResponse, r: ApiReply, headers: Readonly<Record<string, string>> = {}): void {
  if ('json' in r) send(res, r.status, `${JSON.stringify(r.json)}\n`, 'application/json', { 'Cache-Control': 'no-store', ...headers });
  else send(res, r.status, r.text, r.contentType, { 'Cache-Control': 'no-store', ...headers });
}

function send(res: ServerResponse, status: number, body: string, contentType: string, headers: Readonly<Record<string, string>>): void {
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(status, { ...SECURITY_HEADERS, ...headers, 'Content-Type': contentType, 'Content-Length': String(bytes.length) });
  res.end(bytes);
}

/** The request's path without its query (which may hold `since` times, harmless, but long). */
function pathOf(req: IncomingMessage): string {
  const u = req.url ?? '/';
  const q = u.indexOf('?');
  return q < 0 ? u : u.slice(0, q);
}
