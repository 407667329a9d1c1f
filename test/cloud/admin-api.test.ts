/**
 * The admin HTTP API (cloud/admin/, issue 16) over a real socket, against a fake FleetAdmin: every
 * route's JSON and what it asks of the fleet; the token (401 without it, with a wrong one, on
 * /metrics too; the token file's creation and refusals); 400 naming each bad field; 404, 405, 413;
 * the status of the fleet's and the store's errors; /metrics parsed back line by line as Prometheus
 * reads it; a stalled client cut off by the header timeout.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync, chmodSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { loadOrCreateToken } from '../../cloud/admin/admin-token.ts';
import { startAdminServer, type AdminServer } from '../../cloud/admin/admin-server.ts';
import { bearerMatches } from '../../cloud/admin/bearer-auth.ts';
import { AdminError } from '../../cloud/admin/errors.ts';
import { fleetErrorStatus } from '../../cloud/admin/fleet-error-status.ts';
import { renderMetrics } from '../../cloud/admin/prometheus.ts';
import { FleetError } from '../../cloud/fleet/errors.ts';
import { StoreError } from '../../cloud/store/errors.ts';
import { FakeFleetAdmin } from './_fake-fleet-admin.ts';

const TOKEN = 'k3y-for-tests_0123456789abcdefABCDEF';

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body; the tests read the API's JSON freely. */
  json: any;
}

async function withServer(fn: (s: AdminServer, fake: FakeFleetAdmin, logged: string[]) => Promise<void>, opts: { headersTimeoutMs?: number } = {}): Promise<void> {
  const fake = new FakeFleetAdmin();
  const logged: string[] = [];
  const s = await startAdminServer({ admin: fake, token: TOKEN, port: 0, nodeName: 'cloud-test-1', log: (l) => logged.push(l), ...opts });
  try {
    await fn(s, fake, logged);
  } finally {
    await s.close();
  }
}

async function call(s: AdminServer, method: string, urlPath: string, o: { body?: string | object; token?: string | null; headers?: Record<string, string> } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.token !== null) headers.authorization = `Bearer ${o.token ?? TOKEN}`;
  const body = o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(new URL(urlPath, s.url), { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await r.text();
  let json: unknown;
  try { json = JSON.parse(text); } catch { json = undefined; }
  // No response, of any status, ever carries a stack trace.
  if (/\n\s+at /.test(text)) throw new Error(`${method} ${urlPath}: a stack trace in the response: ${text}`);
  return { status: r.status, headers: r.headers, text, json };
}

/** What JSON makes of a value (Dates become ISO strings). */
const asJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

test('the devices: list, enrol (201), revoke (a percent-encoded name decoded)', async (t) => {
  await withServer(async (s, fake) => {
    const list = await call(s, 'GET', '/api/v1/devices');
    t.is(list.status, 200);
    t.is(list.headers.get('content-type'), 'application/json');
    t.is(list.headers.get('cache-control'), 'no-store');
    t.deepEqual(list.json, { devices: asJson(fake.deviceViews) });
    t.is(list.json.devices[0].window.offloadRate, 29 / 240);
    t.is(list.json.devices[3].revokedAt, fake.deviceViews[3]!.revokedAt!.toISOString());

    const key = 'ab'.repeat(32);
    const added = await call(s, 'POST', '/api/v1/devices', { body: { name: 'jetson-09', public_key: key } });
    t.is(added.status, 201);
    t.deepEqual(added.json, { device: { name: 'jetson-09', publicKey: key, enrolledAt: fake.now.toISOString(), revokedAt: null } });
    t.deepEqual(fake.calls.at(-1), { method: 'addDevice', args: ['jetson-09', key] });

    const revoked = await call(s, 'DELETE', '/api/v1/devices/jetson%2D02');
    t.is(revoked.status, 200);
    t.is(revoked.json.device.name, 'jetson-02');
    t.is(revoked.json.device.revokedAt, fake.now.toISOString());
    t.deepEqual(fake.calls.at(-1), { method: 'revokeDevice', args: ['jetson-02'] });
  });
});

test('the rollouts: list, one, start (201, snake_case body to StartRollout), pause, resume, abort', async (t) => {
  await withServer(async (s, fake) => {
    t.deepEqual((await call(s, 'GET', '/api/v1/rollouts')).json, { rollouts: asJson(fake.rolloutViews) });
    const one = await call(s, 'GET', '/api/v1/rollouts/2');
    t.is(one.status, 200);
    t.deepEqual(one.json, { rollout: asJson(fake.rolloutViews[1]) });
    t.deepEqual(fake.calls.at(-1), { method: 'rollout', args: [2] });

    const started = await call(s, 'POST', '/api/v1/rollouts', {
      body: { bundle: '/srv/elma/bundles/v4.tar', index: '/srv/elma/bundles/v4.index.json', stages: [5, 25, 100], halt_after_failures: 2, stage_min_devices: 1, stage_hold_s: 600 },
    });
    t.is(started.status, 201);
    t.is(started.json.rollout.id, 3);
    t.deepEqual(fake.calls.at(-1), {
      method: 'startRollout',
      args: [{ bundle: '/srv/elma/bundles/v4.tar', index: '/srv/elma/bundles/v4.index.json', stages: [5, 25, 100], haltAfterFailures: 2, stageMinDevices: 1, stageHoldMs: 600_000 }],
    });
    // The optional fields may be left out, and then are not passed at all.
    t.is((await call(s, 'POST', '/api/v1/rollouts', { body: { bundle: '/b.tar', stages: [100], halt_after_failures: 1 } })).status, 201);
    t.deepEqual(fake.calls.at(-1), { method: 'startRollout', args: [{ bundle: '/b.tar', stages: [100], haltAfterFailures: 1 }] });

    for (const [command, method, state] of [['pause', 'pauseRollout', 'paused'], ['resume', 'resumeRollout', 'running'], ['abort', 'abortRollout', 'aborted']] as const) {
      const r = await call(s, 'POST', `/api/v1/rollouts/2/${command}`);
      t.is(r.status, 200, command);
      t.is(r.json.rollout.state, state);
      t.deepEqual(fake.calls.at(-1), { method, args: [2] });
    }
  });
});

test('the questions: since a seq or a time, limit, next; soft labels left out, corrections kept', async (t) => {
  await withServer(async (s, fake) => {
    const all = await call(s, 'GET', '/api/v1/questions');
    t.is(all.status, 200);
    t.is(all.json.questions.length, 30);
    t.is(all.json.next, 30);
    t.deepEqual(fake.calls.at(-1), { method: 'questions', args: [{ limit: 100 }] });
    const q3 = fake.stored[3]!;
    t.deepEqual(all.json.questions[3], {
      seq: 4, device: q3.device, receivedAt: q3.receivedAt.toISOString(), modelId: 'elma-default', modelVersion: 2,
      question: q3.question, context: q3.context, deviceExit: asJson(q3.deviceExit),
      cloud: { text: 'France', score: q3.cloud.score, layer: 12 }, correction: 'in France',
    });
    t.is(all.json.questions[0].correction, null);
    t.false(all.text.includes('soft'));

    const page = await call(s, 'GET', '/api/v1/questions?since=10&limit=5');
    t.deepEqual(page.json.questions.map((q: { seq: number }) => q.seq), [11, 12, 13, 14, 15]);
    t.is(page.json.next, 15);
    t.deepEqual(fake.calls.at(-1), { method: 'questions', args: [{ afterSeq: 10, limit: 5 }] });
    // Nothing new: next stays where the client is.
    t.deepEqual((await call(s, 'GET', '/api/v1/questions?since=30')).json, { questions: [], next: 30 });

    const since = fake.stored[25]!.receivedAt;
    const recent = await call(s, 'GET', `/api/v1/questions?since=${encodeURIComponent(since.toISOString())}&limit=1000`);
    t.deepEqual(recent.json.questions.map((q: { seq: number }) => q.seq), [26, 27, 28, 29, 30]);
    t.deepEqual(fake.calls.at(-1), { method: 'questions', args: [{ since, limit: 1000 }] });
    // An offset's '+' left unencoded arrives as a space: still the same time.
    const plus = await call(s, 'GET', '/api/v1/questions?since=2099-12-01T11:00:00+01:00');
    t.is(plus.status, 200);
    t.deepEqual(fake.calls.at(-1), { method: 'questions', args: [{ since: new Date('2099-12-01T10:00:00Z'), limit: 100 }] });
    t.deepEqual(plus.json, { questions: [], next: null });
  });
});

test('the offload series, the node, the page: shapes and arguments', async (t) => {
  await withServer(async (s, fake) => {
    const since = new Date(fake.now.getTime() - 3 * 3600_000);
    const series = await call(s, 'GET', `/api/v1/offload-series?bucket_s=600&since=${since.toISOString()}`);
    t.is(series.status, 200);
    t.deepEqual(series.json, { points: asJson(fake.points.filter((p) => p.at >= since)) });
    t.true(series.json.points.length > 0 && series.json.points.length < fake.points.length);
    t.deepEqual(fake.calls.at(-1), { method: 'offloadSeries', args: [{ bucketMs: 600_000, since }] });
    await call(s, 'GET', '/api/v1/offload-series');
    t.deepEqual(fake.calls.at(-1), { method: 'offloadSeries', args: [{ bucketMs: 300_000 }] });

    t.deepEqual((await call(s, 'GET', '/api/v1/node')).json, { name: 'cloud-test-1' });

    // The page needs no token; it carries a CSP that allows only its own script and style.
    const page = await call(s, 'GET', '/', { token: null });
    t.is(page.status, 200);
    t.is(page.headers.get('content-type'), 'text/html; charset=utf-8');
    t.regex(page.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]{44}'/);
    t.regex(page.text, /^<!doctype html>/);
    t.notRegex(page.text.replaceAll('\'http://www.w3.org/2000/svg\'', ''), /https?:|\/\/[a-z]/i, 'the page loads nothing from elsewhere (SVG\'s namespace is a name)');
    t.is((await call(s, 'HEAD', '/', { token: null })).status, 200);
  });
});

test('401 without the token, with a wrong one, another scheme: every route but the page, /metrics too', async (t) => {
  await withServer(async (s, fake) => {
    const before = fake.calls.length;
    for (const [method, p] of [['GET', '/api/v1/devices'], ['POST', '/api/v1/devices'], ['DELETE', '/api/v1/devices/jetson-01'], ['GET', '/metrics'], ['POST', '/api/v1/rollouts/2/abort'], ['GET', '/nowhere']] as const) {
      for (const o of [{ token: null }, { token: `${TOKEN}x` }, { token: TOKEN.slice(0, -1) }, { token: null, headers: { authorization: `Basic ${TOKEN}` } }, { token: '' }]) {
        const r = await call(s, method, p, { ...o, ...(method === 'POST' ? { body: { name: 'x', public_key: 'y' } } : {}) });
        t.is(r.status, 401, `${method} ${p} ${JSON.stringify(o)}`);
        t.regex(r.headers.get('www-authenticate') ?? '', /^Bearer\b/);
        t.regex(r.json.error, /missing or wrong token/);
      }
    }
    t.is(fake.calls.length, before, 'nothing reached the fleet');
    // The scheme is case-insensitive (RFC 7235).
    t.is((await call(s, 'GET', '/api/v1/devices', { token: null, headers: { authorization: `bearer ${TOKEN}` } })).status, 200);
  });
});

test('bearerMatches: the exact token only', (t) => {
  t.true(bearerMatches(`Bearer ${TOKEN}`, TOKEN));
  t.true(bearerMatches(`BEARER  ${TOKEN}`, TOKEN));
  for (const h of [undefined, '', 'Bearer', 'Bearer ', `Bearer ${TOKEN} extra`, `Token ${TOKEN}`, TOKEN, `Bearer ${TOKEN.toUpperCase()}`]) {
    t.false(bearerMatches(h, TOKEN), String(h));
  }
});

test('400 naming the field: each bad field of each body, bad JSON, a body that is no object', async (t) => {
  await withServer(async (s, fake) => {
    const key = 'ab'.repeat(32);
    const rollout = { bundle: '/srv/v4.tar', stages: [5, 25, 100], halt_after_failures: 2 };
    const cases: [string, string, unknown, RegExp][] = [
      ['POST', '/api/v1/devices', { public_key: key }, /^name: missing/],
      ['POST', '/api/v1/devices', { name: 7, public_key: key }, /^name: must be a non-empty string/],
      ['POST', '/api/v1/devices', { name: 'jetson-09' }, /^public_key: missing/],
      ['POST', '/api/v1/devices', { name: 'jetson-09', public_key: ['ab'] }, /^public_key: must be a non-empty string/],
      ['POST', '/api/v1/devices', { name: 'jetson-09', public_key: key, publicKey: key }, /^publicKey: unknown field \(this request takes name, public_key\)/],
      ['POST', '/api/v1/rollouts', { ...rollout, bundle: undefined }, /^bundle: missing/],
      ['POST', '/api/v1/rollouts', { ...rollout, bundle: 5 }, /^bundle: must be a non-empty string/],
      ['POST', '/api/v1/rollouts', { ...rollout, bundle: 'v4.tar' }, /^bundle: must be an absolute path on the cloud host/],
      ['POST', '/api/v1/rollouts', { ...rollout, index: '' }, /^index: must be a non-empty string/],
      ['POST', '/api/v1/rollouts', { ...rollout, index: 'v4.index.json' }, /^index: must be an absolute path/],
      ['POST', '/api/v1/rollouts', { ...rollout, stages: undefined }, /^stages: missing/],
      ['POST', '/api/v1/rollouts', { ...rollout, stages: '5,25,100' }, /^stages: must be an array of numbers/],
      ['POST', '/api/v1/rollouts', { ...rollout, stages: [5, '25', 100] }, /^stages: must be an array of numbers/],
      ['POST', '/api/v1/rollouts', { ...rollout, stages: [] }, /^stages: must be an array of numbers/],
      ['POST', '/api/v1/rollouts', { ...rollout, halt_after_failures: undefined }, /^halt_after_failures: missing/],
      ['POST', '/api/v1/rollouts', { ...rollout, halt_after_failures: 1.5 }, /^halt_after_failures: must be a whole number/],
      ['POST', '/api/v1/rollouts', { ...rollout, stage_min_devices: '2' }, /^stage_min_devices: must be a whole number/],
      ['POST', '/api/v1/rollouts', { ...rollout, stage_hold_s: -1 }, /^stage_hold_s: must be a number of seconds ≥ 0/],
      ['POST', '/api/v1/rollouts', { ...rollout, stage_hold: 60 }, /^stage_hold: unknown field/],
      ['GET', '/api/v1/rollouts/abc', undefined, /^rollout id "abc": must be a whole number ≥ 1/],
      ['POST', '/api/v1/rollouts/0/pause', undefined, /^rollout id "0": must be a whole number ≥ 1/],
      ['DELETE', '/api/v1/devices/%E0%A4%A', undefined, /^device name "%E0%A4%A": is not valid percent-encoding/],
      ['GET', '/api/v1/questions?limit=0', undefined, /^limit: must be a whole number from 1 to 1000, not "0"/],
      ['GET', '/api/v1/questions?limit=1001', undefined, /^limit: must be a whole number from 1 to 1000/],
      ['GET', '/api/v1/questions?limit=ten', undefined, /^limit: must be a whole number/],
      ['GET', '/api/v1/questions?since=yesterday', undefined, /^since: must be the last seq you have \(a whole number ≥ 0\) or an ISO-8601 time/],
      ['GET', '/api/v1/questions?since=2026-12-01T10:00:00', undefined, /^since: must be the last seq/],
      ['GET', '/api/v1/questions?since=-1', undefined, /^since: must be the last seq/],
      ['GET', '/api/v1/questions?after=3', undefined, /^after: unknown query parameter \(this request takes since, limit\)/],
      ['GET', '/api/v1/questions?limit=5&limit=6', undefined, /^limit: given more than once/],
      ['GET', '/api/v1/offload-series?bucket_s=0', undefined, /^bucket_s: must be a whole number from 1 to 604800/],
      ['GET', '/api/v1/offload-series?since=2026-13-45T00:00:00Z', undefined, /^since: must be an ISO-8601 time/],
    ];
    const before = fake.calls.length;
    for (const [method, p, body, want] of cases) {
      const r = await call(s, method, p, body === undefined ? {} : { body: body as object });
      t.is(r.status, 400, `${method} ${p} ${JSON.stringify(body)}: ${r.text}`);
      t.regex(r.json.error, want, `${method} ${p} ${JSON.stringify(body)}`);
      t.false(r.json.error.includes('\n'));
    }
    t.is(fake.calls.length, before, 'no bad request reached the fleet');

    const bad = await call(s, 'POST', '/api/v1/devices', { body: '{"name": "jetson-09",' });
    t.is(bad.status, 400);
    t.regex(bad.json.error, /^request body is not JSON: /);
    t.regex((await call(s, 'POST', '/api/v1/devices', { body: '' })).json.error, /^request body is not JSON: it is empty/);
    t.regex((await call(s, 'POST', '/api/v1/rollouts', { body: '[1, 2]' })).json.error, /^request body: must be a JSON object/);
    t.regex((await call(s, 'POST', '/api/v1/rollouts', { body: 'null' })).json.error, /^request body: must be a JSON object/);
  });
});

test('404 for an unknown route, 405 with Allow for a wrong method, 413 for a body over 64 KiB', async (t) => {
  await withServer(async (s, fake) => {
    for (const p of ['/api/v1/device', '/api/v2/devices', '/api/v1/devices/jetson-01/keys', '/api/v1/rollouts/2/restart', '/index.html']) {
      const r = await call(s, 'GET', p);
      t.is(r.status, 404, p);
      t.regex(r.json.error, /no such route/);
    }
    // A target starting '//' is a path here, never another host's.
    const doubled = await new Promise<number>((resolve, reject) => {
      request({ host: s.host, port: s.port, path: '//x/api/v1/devices', headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject).end();
    });
    t.is(doubled, 404);
    const cases: [string, string, string][] = [
      ['PUT', '/api/v1/devices', 'GET, POST'],
      ['GET', '/api/v1/devices/jetson-01', 'DELETE'],
      ['DELETE', '/api/v1/rollouts', 'GET, POST'],
      ['GET', '/api/v1/rollouts/2/pause', 'POST'],
      ['POST', '/metrics', 'GET'],
      ['POST', '/', 'GET, HEAD'],
    ];
    for (const [method, p, allow] of cases) {
      const r = await call(s, method, p, { token: p === '/' ? null : TOKEN });
      t.is(r.status, 405, `${method} ${p}`);
      t.is(r.headers.get('allow'), allow);
      t.regex(r.json.error, /method not allowed/);
    }
    const before = fake.calls.length;
    const big = await call(s, 'POST', '/api/v1/devices', { body: JSON.stringify({ name: 'jetson-09', public_key: 'x'.repeat(70 * 1024) }) });
    t.is(big.status, 413);
    t.regex(big.json.error, /^request body: is larger than 64 KiB/);
    t.is(fake.calls.length, before);
    // A body declared far larger is refused before it is read.
    const declared = await new Promise<number>((resolve, reject) => {
      const req = request(new URL('/api/v1/rollouts', s.url), { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-length': String(8 << 20) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('{"bundle": ');
    });
    t.is(declared, 413);
    // Sent in chunks, without a length, it is counted as it comes.
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(new URL('/api/v1/devices', s.url), { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => { body += d.toString(); });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      for (let i = 0; i < 70; i++) req.write(' '.repeat(1024));
      req.end('{}');
    });
    t.is(chunked.status, 413);
    t.regex(chunked.body, /is larger than 64 KiB/);
    // Exactly at the limit is fine (and then the key is the fleet's to judge).
    const pad = 64 * 1024 - JSON.stringify({ name: 'jetson-09', public_key: '' }).length;
    t.is((await call(s, 'POST', '/api/v1/devices', { body: JSON.stringify({ name: 'jetson-09', public_key: 'y'.repeat(pad) }) })).status, 201);
  });
});

test('the fleet\'s and the store\'s errors: 400, 404, 409, 503; anything else 500, generic and logged', async (t) => {
  await withServer(async (s, fake, logged) => {
    const cases: [Error, string, string, number][] = [
      [new FleetError('device "jetson-09"', 'is not enrolled'), 'DELETE', '/api/v1/devices/jetson-09', 404],
      [new FleetError('device "jetson-04"', 'is already revoked'), 'DELETE', '/api/v1/devices/jetson-04', 409],
      [new FleetError('device "jetson-01"', 'is already enrolled'), 'POST', '/api/v1/devices', 409],
      [new FleetError('device name "-x"', 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit'), 'POST', '/api/v1/devices', 400],
      [new FleetError('stages', 'must end at 100 (the whole fleet), not 50'), 'POST', '/api/v1/rollouts', 400],
      [new FleetError('/srv/v4.tar', 'the signature does not verify'), 'POST', '/api/v1/rollouts', 400],
      [new FleetError('rollout 9', 'not found'), 'GET', '/api/v1/rollouts/9', 404],
      [new FleetError('rollout 1', 'is completed: only a running rollout can be paused'), 'POST', '/api/v1/rollouts/1/pause', 409],
    ];
    const bodies: Record<string, object> = {
      '/api/v1/devices': { name: 'jetson-01', public_key: 'ab'.repeat(32) },
      '/api/v1/rollouts': { bundle: '/srv/v4.tar', stages: [50], halt_after_failures: 1 },
    };
    for (const [err, method, p, status] of cases) {
      fake.failWith = err;
      const body = bodies[p];
      const r = await call(s, method, p, body === undefined ? {} : { body });
      t.is(r.status, status, err.message);
      t.deepEqual(r.json, { error: err.message });
    }
    fake.failWith = new StoreError('db.example:5432/elma', 'connection refused (after retrying for 30 s)');
    const down = await call(s, 'GET', '/api/v1/devices');
    t.is(down.status, 503);
    t.is(down.json.error, 'the store failed: db.example:5432/elma: connection refused (after retrying for 30 s)');
    t.is(down.headers.get('retry-after'), '5');

    fake.failWith = new Error('cannot read properties of undefined (secret detail /etc/elma)');
    const broken = await call(s, 'GET', '/metrics');
    t.is(broken.status, 500);
    t.deepEqual(Object.keys(broken.json), ['error']);
    t.false(broken.text.includes('secret'));
    t.true(logged.some((l) => l.includes('GET /metrics failed') && l.includes('secret detail') && l.includes('    at ')), 'the cause is in the log');
    t.true(logged.some((l) => /^admin: GET \/api\/v1\/devices 503 \d+ ms$/.test(l)));
    t.false(logged.some((l) => l.includes(TOKEN)), 'the token is never logged');
  });
});

test('fleetErrorStatus: the rule by where and problem, on the fleet\'s own messages', (t) => {
  const cases: [string, string, number][] = [
    ['device "jetson-07"', 'is not enrolled', 404],
    ['device "jetson-07"', 'was already revoked on 2026-12-01T10:00:00.000Z', 409],
    ['device "jetson-07"', 'is already enrolled (revoked on 2026-12-01T10:00:00.000Z; a revoked name stays taken)', 409],
    ['device "jetson-07"', 'its key 0a1b2c3d… is already enrolled as device "jetson-02"', 409],
    ['device "unknown"', 'is already enrolled (its name or key)', 409], // the name is not the problem
    ['device "jetson-07"', 'is revoked', 409],
    ['device "jetson-07": key', 'must be 64 lowercase hex digits (the public key elma link-keygen prints)', 400],
    ['device name "-x"', 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit', 400],
    ['rollout 3', 'does not exist (elma cloud rollout status lists them)', 404],
    ['rollout 3', 'no such rollout', 404],
    ['rollout 3', 'is completed; only a running or paused rollout can be aborted', 409],
    ['rollout 2', 'already rolls out elma-default version 3 (running)', 409],
    ['rollout 3', 'kept changing while it was being changed; try again', 409],
    ['bundle elma-default v3', 'is already being rolled out (rollout 2, running): abort that rollout first', 409],
    ['rollout member "jetson-07"', 'stage 4 is not one of the 3 stages', 400],
    ['stages', 'stage 2 is 0: each must be a percentage in (0, 100]', 400],
    ['halt-after-failures', 'is 0, not a whole number ≥ 1', 400],
    ['/srv/bundle.tar', 'does not verify: invalid signature', 400],
    ['/srv/bundle.tar', 'not found', 400], // a file, not a device, rollout or bundle version: the request is wrong
  ];
  for (const [where, problem, status] of cases) t.is(fleetErrorStatus(new FleetError(where, problem)) as number, status, `${where}: ${problem}`);
});

/** One metric family as the exposition format declares it. */
interface Family { type: string; help: string; samples: { name: string; labels: Record<string, string>; value: number }[] }

/** Parse Prometheus text format 0.0.4, failing on anything the format does not allow. */
function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  if (!text.endsWith('\n')) throw new Error('the last line must end with a line feed');
  let pendingHelp: { name: string; help: string } | undefined;
  for (const line of text.slice(0, -1).split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line)) !== null) {
      if (families.has(m[1]!) || pendingHelp !== undefined) throw new Error(`HELP for ${m[1]} twice or without TYPE`);
      pendingHelp = { name: m[1]!, help: m[2]! };
    } else if ((m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line)) !== null) {
      if (pendingHelp === undefined || pendingHelp.name !== m[1]) throw new Error(`TYPE ${m[1]} without its HELP just before`);
      families.set(m[1]!, { type: m[2]!, help: pendingHelp.help, samples: [] });
      pendingHelp = undefined;
    } else if ((m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line)) !== null) {
      const name = m[1]!;
      const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g)].map((l) => [l[1]!, l[2]!]));
      const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
      if (Number.isNaN(value) && m[3] !== 'NaN') throw new Error(`bad value: ${line}`);
      const family = families.get(name) ?? families.get(name.replace(/_(bucket|sum|count)$/, ''));
      if (family === undefined) throw new Error(`sample before its TYPE: ${line}`);
      if (family.type !== 'histogram' && families.get(name) !== family) throw new Error(`${name} is not ${family.type}'s sample`);
      family.samples.push({ name, labels, value });
    } else {
      throw new Error(`not a line of the format: ${JSON.stringify(line)}`);
    }
  }
  return families;
}

test('/metrics: Prometheus text 0.0.4, parsed back line by line', async (t) => {
  await withServer(async (s, fake) => {
    const r = await call(s, 'GET', '/metrics');
    t.is(r.status, 200);
    t.is(r.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const families = parseExposition(r.text);
    t.true(families.size >= 15);
    for (const [name, f] of families) {
      t.regex(name, /^elma_[a-z_]+$/);
      t.true(f.help.length > 10, name);
      if (f.type === 'counter') t.regex(name, /_total$/, `${name}: a counter's name ends in _total`);
      else t.notRegex(name, /_total$/, name);
    }
    const value = (name: string): number | undefined => families.get(name)?.samples[0]?.value;
    const m = fake.snapshot;
    t.is(value('elma_offloads_answered_total'), m.offloads.answered);
    t.is(value('elma_offloads_stored_total'), m.offloads.stored);
    t.is(value('elma_offloads_duplicate_total'), m.offloads.duplicates);
    t.is(value('elma_offload_store_failures_total'), m.offloads.storeFailures);
    t.is(value('elma_offloads_busy_total'), m.offloads.busy);
    t.is(value('elma_offloads_refused_total'), m.offloads.refused);
    t.is(value('elma_batcher_queue_windows'), m.queueDepth);
    t.is(families.get('elma_batcher_queue_windows')!.type, 'gauge');
    t.is(value('elma_link_connections'), m.link.connections);
    t.is(value('elma_link_connections_opened_total'), m.link.opened);
    t.is(value('elma_link_connections_closed_total'), m.link.closed);
    t.is(value('elma_link_requests_handled_total'), m.link.handled);
    t.is(value('elma_link_requests_duplicate_total'), m.link.duplicates);
    t.is(value('elma_devices_enrolled'), m.devices.enrolled);
    t.is(value('elma_devices_revoked'), m.devices.revoked);
    t.is(value('elma_stored_questions'), m.storedQuestions);

    for (const [name, h] of [['elma_batch_size_windows', m.batchSize], ['elma_offload_answer_seconds', m.answerSeconds]] as const) {
      const f = families.get(name)!;
      t.is(f.type, 'histogram');
      const buckets = f.samples.filter((x) => x.name === `${name}_bucket`);
      const bounds = buckets.map((b) => b.labels.le!);
      // Increasing le, cumulative counts, the last le="+Inf" equal to _count; then _sum and _count.
      t.is(bounds.at(-1), '+Inf', name);
      const numeric = bounds.map((b) => (b === '+Inf' ? Infinity : Number(b)));
      numeric.forEach((b, i) => { if (i > 0) t.true(b > numeric[i - 1]!, `${name} le ${b}`); });
      buckets.forEach((b, i) => { if (i > 0) t.true(b.value >= buckets[i - 1]!.value, `${name} cumulative at le=${b.labels.le}`); });
      const count = f.samples.find((x) => x.name === `${name}_count`)!.value;
      t.is(buckets.at(-1)!.value, count);
      t.is(count, h.count);
      t.is(f.samples.find((x) => x.name === `${name}_sum`)!.value, h.sum);
      t.deepEqual(f.samples.map((x) => x.name).slice(-2), [`${name}_sum`, `${name}_count`]);
      // Every bucket of the snapshot is there (a missing +Inf is added with the count).
      t.deepEqual(buckets.slice(0, h.buckets.length).map((b) => [numeric[buckets.indexOf(b)], b.value]), h.buckets.map(([b, c]) => [b, c]));
    }
    t.deepEqual(families.get('elma_offload_answer_seconds')!.samples.filter((x) => x.name.endsWith('_bucket')).map((b) => b.labels.le),
      ['0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf']);
  });
});

test('renderMetrics refuses a histogram that is not cumulative, out of order, or whose +Inf is not its count', (t) => {
  const m = new FakeFleetAdmin().snapshot;
  t.throws(() => renderMetrics({ ...m, batchSize: { buckets: [[1, 5], [2, 4]], sum: 9, count: 9 } }), { instanceOf: RangeError, message: /elma_batch_size_windows: bucket counts must be cumulative/ });
  t.throws(() => renderMetrics({ ...m, batchSize: { buckets: [[2, 1], [1, 4]], sum: 9, count: 9 } }), { instanceOf: RangeError, message: /bounds must increase/ });
  t.throws(() => renderMetrics({ ...m, batchSize: { buckets: [[1, 1], [Infinity, 4]], sum: 9, count: 9 } }), { instanceOf: RangeError, message: /\+Inf bucket \(4\) must equal the count \(9\)/ });
  t.throws(() => renderMetrics({ ...m, batchSize: { buckets: [[1, 5]], sum: 9, count: 4 } }), { instanceOf: RangeError, message: /count \(4\) is below the last bucket \(5\)/ });
  t.regex(renderMetrics({ ...m, queueDepth: NaN }), /^elma_batcher_queue_windows NaN$/m);
});

test('a stalled client is cut off: headers not complete within headersTimeoutMs get 408 and a closed connection', async (t) => {
  await withServer(async (s) => {
    const started = Date.now();
    const answer = await new Promise<string>((resolve, reject) => {
      const sock = connect(s.port, s.host);
      let got = '';
      sock.on('connect', () => sock.write(`GET /api/v1/devices HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n`)); // never the blank line
      sock.on('data', (d) => { got += d.toString('latin1'); });
      sock.on('close', () => resolve(got));
      sock.on('error', reject);
      sock.setTimeout(10_000, () => { sock.destroy(); reject(new Error('the server kept a stalled connection open')); });
    });
    t.regex(answer, /^HTTP\/1\.1 408 /);
    t.true(Date.now() - started < 5_000);
  }, { headersTimeoutMs: 300 });
});

test('close() ends idle keep-alive connections at once', async (t) => {
  const fake = new FakeFleetAdmin();
  const s = await startAdminServer({ admin: fake, token: TOKEN, port: 0 });
  t.is(s.host, '127.0.0.1');
  t.is(s.url, `http://127.0.0.1:${s.port}/`);
  t.is((await call(s, 'GET', '/api/v1/devices')).status, 200); // fetch keeps the connection alive
  const started = Date.now();
  await s.close();
  t.true(Date.now() - started < 1_000);
  await t.throwsAsync(fetch(new URL('/api/v1/devices', s.url)));
  await t.throwsAsync(startAdminServer({ admin: fake, token: '', port: 0 }), { instanceOf: TypeError });
  // A port in use: Node's error, with its code, for the caller to name the address.
  const first = await startAdminServer({ admin: fake, token: TOKEN, port: 0 });
  await t.throwsAsync(startAdminServer({ admin: fake, token: TOKEN, port: first.port }), { code: 'EADDRINUSE' });
  await first.close();
});

test('the token file: made once with mode 0600 and read back; refused when open to others or empty', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'elma-admin-token-'));
  try {
    const file = path.join(dir, 'admin-token');
    const token = loadOrCreateToken(file);
    t.regex(token, /^[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url');
    t.is(statSync(file).mode & 0o777, 0o600);
    t.is(readFileSync(file, 'utf8'), `${token}\n`);
    t.is(loadOrCreateToken(file), token, 'the second start reads the same token');
    t.not(loadOrCreateToken(path.join(dir, 'other')), token);

    chmodSync(file, 0o644);
    t.throws(() => loadOrCreateToken(file), { instanceOf: AdminError, message: `${file}: is open to group or others (mode 644); run chmod 600 ${file}` });
    chmodSync(file, 0o620);
    t.throws(() => loadOrCreateToken(file), { instanceOf: AdminError, message: /mode 620\); run chmod 600/ });

    const own = path.join(dir, 'own-token');
    writeFileSync(own, '  my-own_token.1234~+/==  \n', { mode: 0o600 });
    t.is(loadOrCreateToken(own), 'my-own_token.1234~+/==', 'a token a person wrote, trimmed');
    writeFileSync(own, ' \n');
    t.throws(() => loadOrCreateToken(own), { instanceOf: AdminError, message: `${own}: is empty; write a token into it, or delete it and a new one is made` });
    writeFileSync(own, 'two words\n');
    t.throws(() => loadOrCreateToken(own), { instanceOf: AdminError, message: /holds no usable token/ });
    t.throws(() => loadOrCreateToken(path.join(dir, 'missing', 'admin-token')), { instanceOf: AdminError, message: /cannot create the admin token file \(ENOENT\)/ });
    t.throws(() => loadOrCreateToken(dir), { instanceOf: AdminError, message: /is not a regular file/ });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
