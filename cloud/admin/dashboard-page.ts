/**
 * The dashboard (issue 16): one HTML page, its style and script inline, so the program's esbuild
 * bundle carries it and the node needs no internet, no CDN and no files beside it. GET / serves it
 * without the token; the page asks for one (or takes `#token=…`) and reads everything else from the
 * API with it. The Content-Security-Policy allows exactly this style and this script (by their
 * sha256) and connections to this node: a question a device sent can show, never run.
 */
import { createHash } from 'node:crypto';
import { DASHBOARD_SCRIPT } from './dashboard-script.ts';

const STYLE = `
:root { --ink: #111827; --muted: #6b7280; --line: #e5e7eb; --bg: #f3f4f6; --card: #fff; --accent: #2563eb; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: var(--ink); background: var(--bg); }
header { display: flex; align-items: baseline; gap: 1rem; padding: .8rem 1.5rem; background: #111827; color: #f9fafb; }
header h1 { margin: 0; font-size: 1.15rem; font-weight: 600; }
header h1 span { color: #93c5fd; }
header .updated { margin-left: auto; color: #9ca3af; font-size: .85rem; }
header button { font: inherit; font-size: .85rem; color: #f9fafb; background: transparent; border: 1px solid #4b5563; border-radius: 4px; padding: .15rem .6rem; cursor: pointer; }
main { padding: 1.2rem 1.5rem 2rem; display: grid; gap: 1.2rem; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.2rem; overflow-x: auto; }
h2 { margin: 0 0 .6rem; font-size: 1rem; }
h2 small, .muted { color: var(--muted); font-weight: normal; font-size: .85rem; }
.stats { display: grid; grid-template-columns: repeat(4, 1fr); gap: 1.2rem; }
.stat { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1.2rem; }
.stat .value { font-size: 1.8rem; font-weight: 600; }
.stat .label { color: var(--muted); }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 1.2rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 500; font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; }
tbody tr:nth-child(even) { background: #f9fafb; }
tr.revoked td { color: var(--muted); text-decoration: line-through; }
tr.revoked td[data-testid="device-revoked"] { text-decoration: none; }
td.empty { color: var(--muted); text-align: center; padding: 1rem; }
td.question { max-width: 28rem; }
td small { color: var(--muted); }
.dot::before { content: ""; display: inline-block; width: .55rem; height: .55rem; border-radius: 50%; margin-right: .35rem; background: #9ca3af; }
.dot.on::before { background: #16a34a; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: .8rem; background: #e5e7eb; }
.state-running, .ev-installed { background: #dbeafe; color: #1e40af; }
.state-paused { background: #fef3c7; color: #92400e; }
.state-halted, .ev-rolled-back, .ev-refused { background: #fee2e2; color: #991b1b; }
.state-completed, .ev-good { background: #dcfce7; color: #166534; }
svg { width: 100%; height: auto; display: block; font: 11px system-ui, sans-serif; }
svg .grid { stroke: var(--line); }
svg .tick, svg .muted { fill: var(--muted); }
svg .bar { fill: var(--accent); }
.legend { list-style: none; display: flex; gap: 1rem; padding: 0; margin: .4rem 0 0; }
.swatch { display: inline-block; width: .9rem; height: .25rem; margin-right: .35rem; vertical-align: middle; }
#rollouts { display: grid; grid-template-columns: repeat(auto-fill, minmax(26rem, 1fr)); gap: 1rem; }
.rollout { border: 1px solid var(--line); border-radius: 6px; padding: .7rem .9rem; }
.rollout h3 { display: flex; justify-content: space-between; margin: 0 0 .2rem; font-size: .95rem; }
.rollout p { margin: .2rem 0; }
.rollout .reason { color: #991b1b; }
.rollout tr.closed td { color: var(--muted); }
.events, .failures { margin: .5rem 0 0; padding-left: 1.1rem; font-size: .85rem; }
.events time { color: var(--muted); }
.failures { color: #991b1b; }
#problem { background: #fee2e2; color: #991b1b; border: 1px solid #fecaca; border-radius: 8px; padding: .6rem 1rem; }
#signin { max-width: 28rem; margin: 4rem auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1.5rem; display: grid; gap: .7rem; }
#signin input { font: inherit; padding: .45rem .6rem; border: 1px solid #d1d5db; border-radius: 4px; }
#signin button { font: inherit; padding: .45rem; border: 0; border-radius: 4px; background: var(--accent); color: #fff; cursor: pointer; }
[hidden] { display: none !important; }
@media (max-width: 900px) { .charts, .stats { grid-template-columns: 1fr; } }
`;

const BODY = `
<header>
  <h1>ELMA cloud · <span id="node-name">…</span></h1>
  <span class="updated" id="updated"></span>
  <button type="button" id="signout" hidden>Sign out</button>
</header>
<form id="signin" hidden autocomplete="off">
  <h2>Admin token</h2>
  <p class="muted" id="signin-message"></p>
  <input id="token-input" type="password" aria-label="admin token" placeholder="token">
  <button type="submit">Show the fleet</button>
</form>
<main id="main" hidden>
  <div id="problem" role="alert" hidden></div>
  <div class="stats">
    <div class="stat"><div class="value" data-testid="device-count">–</div><div class="label">devices enrolled</div></div>
    <div class="stat"><div class="value" data-testid="connected-count">–</div><div class="label">connected now</div></div>
    <div class="stat"><div class="value" data-testid="fleet-offload-rate">–</div><div class="label">fleet offload rate</div></div>
    <div class="stat"><div class="value" data-testid="question-count">–</div><div class="label">hard questions (last day)</div></div>
  </div>
  <section>
    <h2>Fleet <small id="window-note"></small></h2>
    <table>
      <thead><tr><th>device</th><th>link</th><th>revoked</th><th>model</th><th>slot</th><th>last seen</th><th>questions</th><th>offload rate</th><th>p50</th><th>p99</th><th>last update</th></tr></thead>
      <tbody id="devices-body"></tbody>
    </table>
  </section>
  <div class="charts">
    <section>
      <h2>Offload rate over time <small>per model version</small></h2>
      <div id="offload-chart-box"></div>
      <ul class="legend" id="offload-legend"></ul>
    </section>
    <section>
      <h2>Exit layer <small>questions answered at each layer, the whole fleet</small></h2>
      <div id="exit-chart-box"></div>
    </section>
  </div>
  <section>
    <h2>Rollouts</h2>
    <div id="rollouts"></div>
  </section>
  <section>
    <h2>Hard questions <small id="questions-note"></small></h2>
    <table>
      <thead><tr><th>seq</th><th>received</th><th>device</th><th>model</th><th>question</th><th>device's answer</th><th>cloud's answer</th><th>correction</th></tr></thead>
      <tbody id="questions-body"></tbody>
    </table>
  </section>
</main>
`;

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>ELMA cloud</title>
<style>${STYLE}</style>
</head>
<body data-state="loading">
${BODY}
<script>${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** CSP Level 2 hash sources: the inline style and script exactly as served, nothing else. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  `script-src ${sha256(DASHBOARD_SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
