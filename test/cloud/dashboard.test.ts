/**
 * The dashboard (cloud/admin/dashboard-page.ts) in a real browser: Debian's chromium, headless,
 * driven by puppeteer-core, against the admin server and a fake FleetAdmin. The page takes the token
 * from `#token=…` (and drops it from the address), renders without a console error, and every number
 * it shows is the API's: devices, offload rates and versions, the exit histogram's bars, rollout
 * states and stage counts, the hard questions (a device's `<script>` shown as text, never run). A
 * refresh fetches only the new questions. A wrong token brings the form back. The screenshot is
 * docs/dashboard.png (with ELMA_DOCS_SCREENSHOT=1). No chromium: a loud skip, except under CI, where it is a failure.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { startAdminServer, type AdminServer } from '../../cloud/admin/admin-server.ts';
import { testUnless } from '../_skip.ts';
import { scratch } from '../_cli.ts';
import { FakeFleetAdmin } from './_fake-fleet-admin.ts';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
// The docs' screenshot is rewritten only when asked (ELMA_DOCS_SCREENSHOT=1 npx ava test/cloud/dashboard.test.ts):
// a test run never dirties the working tree; otherwise it goes to a scratch file, still proving it can be taken.
const SCREENSHOT = process.env.ELMA_DOCS_SCREENSHOT === '1'
  ? path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../docs/dashboard.png')
  : path.join(scratch('elma-dashboard-'), 'dashboard.png');
const TOKEN = 'dashboard-test_token-0123456789abcdef';

// Under CI a missing browser fails the test (.ci/run installs it); elsewhere it is a loud skip.
const browserTest = testUnless(CHROMIUM === undefined && process.env.CI === undefined ? 'no chromium (apt-get install chromium)' : null);

interface Session {
  server: AdminServer;
  fake: FakeFleetAdmin;
  browser: Browser;
  page: Page;
  /** Console errors and uncaught exceptions of the page. */
  errors: string[];
  /** Requests that did not complete. */
  failed: string[];
}

async function withDashboard(t: ExecutionContext, fn: (s: Session) => Promise<void>): Promise<void> {
  if (CHROMIUM === undefined) {
    t.fail('no chromium at /usr/bin/chromium: CI must have it (.ci/run installs it)');
    return;
  }
  const fake = new FakeFleetAdmin();
  const server = await startAdminServer({ admin: fake, token: TOKEN, port: 0, nodeName: 'cloud-eu-1' });
  const profile = mkdtempSync(path.join(tmpdir(), 'elma-dashboard-chromium-'));
  let browser: Browser | undefined;
  try {
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true, // --headless=new
      // Chromium's sandbox needs user namespaces that root (CI, containers) does not get.
      args: [`--user-data-dir=${profile}`, '--disable-gpu', '--no-first-run', ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
    });
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    const errors: string[] = [];
    const failed: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => { errors.push(`page: ${e instanceof Error ? e.message : String(e)}`); });
    page.on('requestfailed', (r) => { failed.push(`${r.url()}: ${r.failure()?.errorText ?? '?'}`); });
    await fn({ server, fake, browser, page, errors, failed });
  } finally {
    await browser?.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/** An API answer, read freely by the test. */
async function api(s: AdminServer, route: string): Promise<any> {
  const r = await fetch(new URL(route, s.url), { headers: { Authorization: `Bearer ${TOKEN}` } });
  if (r.status !== 200) throw new Error(`${route}: ${r.status}`);
  return r.json();
}

/** `data-value` of every element with this data-testid, in document order (under `root` when given). */
function values(page: Page, testid: string, root = 'body'): Promise<string[]> {
  return page.$$eval(`${root} [data-testid="${testid}"]`, (els) => els.map((e) => e.getAttribute('data-value') ?? ''));
}

const pct = (r: number | null): string => (r === null ? '—' : `${(r * 100).toFixed(1)} %`);

browserTest('the dashboard shows the API\'s numbers, with no console error; a refresh reads only new questions; screenshot', async (t) => {
  await withDashboard(t, async ({ server, fake, page, errors, failed }) => {
    await page.goto(`${server.url}#token=${encodeURIComponent(TOKEN)}`);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
    t.is(await page.evaluate('location.hash'), '', 'the token left the address bar');
    t.is(await page.evaluate('sessionStorage.getItem("elma-admin-token")'), TOKEN);
    t.is(await page.$eval('#node-name', (e) => e.textContent), 'cloud-eu-1');
    t.is(await page.title(), 'ELMA · cloud-eu-1');

    const { devices } = await api(server, '/api/v1/devices');
    const { rollouts } = await api(server, '/api/v1/rollouts');
    const { questions } = await api(server, '/api/v1/questions?since=0&limit=1000');
    const live = devices.filter((d: { revokedAt: string | null }) => d.revokedAt === null);

    // The summary.
    t.deepEqual(await values(page, 'device-count'), [String(live.length)]);
    t.deepEqual(await values(page, 'connected-count'), [String(live.filter((d: { connected: boolean }) => d.connected).length)]);
    const sum = (k: 'questions' | 'offloads'): number => devices.reduce((a: number, d: { window: Record<string, number> }) => a + d.window[k]!, 0);
    t.deepEqual(await values(page, 'fleet-offload-rate'), [String(sum('offloads') / sum('questions'))]);
    t.deepEqual(await values(page, 'question-count'), [String(questions.length)]);
    t.is(questions.length, 30);

    // The fleet table: one row per device, in the API's order, its rate and version as the API has them.
    const rows = await page.$$eval('[data-testid="device-row"]', (els) => els.map((e) => e.getAttribute('data-device')));
    t.deepEqual(rows, devices.map((d: { name: string }) => d.name));
    for (const d of devices) {
      const row = `[data-testid="device-row"][data-device="${d.name}"]`;
      t.deepEqual(await values(page, 'device-offload-rate', row), [d.window.offloadRate === null ? '' : String(d.window.offloadRate)], d.name);
      t.is(await page.$eval(`${row} [data-testid="device-offload-rate"]`, (e) => e.textContent), pct(d.window.offloadRate), d.name);
      t.deepEqual(await values(page, 'device-version', row), [d.model === null ? '' : String(d.model.version)], d.name);
      t.deepEqual(await values(page, 'device-connected', row), [String(d.connected)], d.name);
      t.deepEqual(await values(page, 'device-p99', row), [d.latency === null ? '' : String(d.latency.p99)], d.name);
      t.deepEqual(await values(page, 'device-last-update', row), [d.lastUpdate === null ? '' : d.lastUpdate.event], d.name);
    }

    // The exit histogram: the devices' window exits summed per layer.
    const exits: number[] = [];
    for (const d of devices) d.window.exits.forEach((n: number, i: number) => { exits[i] = (exits[i] ?? 0) + n; });
    const bars = await page.$$eval('[data-testid="exit-bar"]', (els) => els.map((e) => [Number(e.getAttribute('data-layer')), Number(e.getAttribute('data-count'))]));
    t.deepEqual(bars, exits.map((n, i) => [i + 1, n]));
    t.true(exits.length >= 6);

    // The offload chart: one line per version, a point per bucket with questions, and a legend entry.
    const since = new Date(Date.now() - 6 * 3600_000).toISOString();
    const { points } = await api(server, `/api/v1/offload-series?bucket_s=600&since=${encodeURIComponent(since)}`);
    const versions = [...new Set<number>(points.map((p: { version: number }) => p.version))].sort();
    const lines = await page.$$eval('[data-testid="offload-line"]', (els) => els.map((e) => [Number(e.getAttribute('data-version')), Number(e.getAttribute('data-points'))]));
    t.deepEqual(lines, versions.map((v) => [v, points.filter((p: { version: number; questions: number }) => p.version === v && p.questions > 0).length]));
    t.deepEqual(await page.$$eval('[data-testid="offload-legend"]', (els) => els.map((e) => e.textContent)), versions.map((v) => `v${v}`));

    // Rollouts, newest first: state and per-stage counts.
    const cards = await page.$$eval('[data-testid="rollout"]', (els) => els.map((e) => Number(e.getAttribute('data-rollout-id'))));
    t.deepEqual(cards, rollouts.map((r: { id: number }) => r.id).sort((a: number, b: number) => b - a));
    for (const r of rollouts) {
      const card = `[data-testid="rollout"][data-rollout-id="${r.id}"]`;
      t.deepEqual(await values(page, 'rollout-state', card), [r.state]);
      const stageCount = (devs: string[], set: string[]): string => String(devs.filter((d) => set.includes(d)).length);
      t.deepEqual(await values(page, 'stage-good', card), r.stageDevices.map((devs: string[]) => stageCount(devs, r.good)));
      t.deepEqual(await values(page, 'stage-failed', card), r.stageDevices.map((devs: string[]) => stageCount(devs, r.failed.map((f: { device: string }) => f.device))));
      t.deepEqual(await values(page, 'stage-waiting', card), r.stageDevices.map((devs: string[]) => stageCount(devs, r.waiting)));
    }
    t.deepEqual(await values(page, 'stage-failed', '[data-rollout-id="2"]'), ['0', '0', '1']);

    // The latest 20 hard questions, newest first; a device's markup is text, not markup.
    const seqs = await page.$$eval('[data-testid="question-row"]', (els) => els.map((e) => Number(e.getAttribute('data-seq'))));
    t.deepEqual(seqs, questions.map((q: { seq: number }) => q.seq).slice(-20).reverse());
    t.is(await page.$$eval('script', (els) => els.length), 1);
    t.is(await page.$eval('[data-seq="29"] td.question', (e) => [e.textContent, e.children.length].join(' ')), `${questions[28].question} 0`);
    t.deepEqual(await page.$$eval('[data-testid="question-cloud-answer"]', (els) => [...new Set(els.map((e) => e.firstChild?.textContent))]), ['France']);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    t.true(statSync(SCREENSHOT).size > 10_000, 'a real screenshot was written');

    // The next refresh (5 s) asks only for what came after the last seq it has, and shows it.
    fake.stored.push({ ...fake.stored[29]!, seq: 31, requestId: 999, question: 'Which river runs through Rouen?', receivedAt: new Date() });
    await page.waitForSelector('[data-testid="question-count"][data-value="31"]', { timeout: 10_000 });
    t.true(fake.calls.some((c) => c.method === 'questions' && (c.args[0] as { afterSeq?: number }).afterSeq === 30));
    t.is(await page.$eval('[data-testid="question-row"]', (e) => e.getAttribute('data-seq')), '31');

    t.deepEqual(errors, [], 'no console error or uncaught exception');
    t.deepEqual(failed, [], 'no failed request');
  });
});

browserTest('the token form: a wrong token is refused and asked again; the right one shows the fleet', async (t) => {
  await withDashboard(t, async ({ server, page, errors }) => {
    await page.goto(`${server.url}#token=wrong-token`);
    await page.waitForSelector('body[data-state="signed-out"]', { timeout: 20_000 });
    t.regex(await page.$eval('#signin-message', (e) => e.textContent ?? ''), /token was refused/);
    t.is(await page.evaluate('sessionStorage.getItem("elma-admin-token")'), null, 'a refused token is not kept');
    t.true(await page.$eval('#main', (e) => e.hasAttribute('hidden')));
    await page.type('#token-input', TOKEN);
    await page.click('#signin button[type="submit"]');
    await page.waitForSelector('body[data-state="ready"]', { timeout: 20_000 });
    t.deepEqual(await values(page, 'device-count'), ['3']);
    // The 401s of the wrong token are the only console errors (Chromium logs a failed load).
    t.true(errors.every((e) => /status of 401/.test(e)), errors.join('\n'));
  });
});
