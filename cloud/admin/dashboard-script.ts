/**
 * The dashboard's script, as the text the page carries inline (dashboard-page.ts): no library, no
 * network but this node's API, plots drawn as SVG. Data from devices is untrusted (a question is
 * whatever a device sent), so every text goes in through textContent, never as markup.
 *
 * What a test reads is marked with data-testid, the raw numbers in data-value and data-* attributes;
 * `body[data-state]` says where the page is: signed-out, loading, ready (after each good refresh),
 * error. Written as plain ES2020 without template literals (this file is one).
 */
export const DASHBOARD_SCRIPT = String.raw`
'use strict';
(function () {
  var REFRESH_MS = 5000;
  var TOKEN_KEY = 'elma-admin-token';
  var SERIES_HOURS = 6, SERIES_BUCKET_S = 600;
  var QUESTIONS_HOURS = 24, QUESTIONS_PAGE = 1000, QUESTIONS_SHOWN = 20;
  var SVG_NS = 'http://www.w3.org/2000/svg';
  var COLORS = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];
  var timer = null;
  var questions = { next: null, since: null, count: 0, latest: [] };

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    setAttrs(e, attrs);
    (children || []).forEach(function (c) { if (c !== null) e.append(c); });
    return e;
  }

  function svg(tag, attrs, children) {
    var e = document.createElementNS(SVG_NS, tag);
    setAttrs(e, attrs);
    (children || []).forEach(function (c) { e.append(c); });
    return e;
  }

  function setAttrs(e, attrs) {
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined || v === null) return;
      if (k === 'text') e.textContent = String(v);
      else if (k === 'class') e.setAttribute('class', v);
      else if (k === 'testid') e.setAttribute('data-testid', v);
      else e.setAttribute(k, String(v));
    });
  }

  // ---- the token: #token=… in the address (then removed from it), else sessionStorage, else the form.
  function tokenFromAddress() {
    var m = /(?:^#|&)token=([^&]*)/.exec(location.hash);
    if (m === null) return;
    try { sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1])); } catch (e) { /* storage off: ask */ }
    history.replaceState(null, '', location.pathname + location.search);
  }

  function token() {
    try { return sessionStorage.getItem(TOKEN_KEY); } catch (e) { return null; }
  }

  function signOut(message) {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    try { sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* nothing kept */ }
    questions = { next: null, since: null, count: 0, latest: [] };
    $('signin-message').textContent = message;
    $('signin').hidden = false;
    $('main').hidden = true;
    $('signout').hidden = true;
    document.body.dataset.state = 'signed-out';
    $('token-input').focus();
  }

  function signIn(t) {
    try { sessionStorage.setItem(TOKEN_KEY, t); } catch (e) { /* kept for this page only */ }
    $('signin').hidden = true;
    $('main').hidden = false;
    $('signout').hidden = false;
    document.body.dataset.state = 'loading';
    refresh();
  }

  function Unauthorized() {}

  async function api(path) {
    var r = await fetch(path, { headers: { Authorization: 'Bearer ' + token() }, cache: 'no-store' });
    var body = null;
    try { body = await r.json(); } catch (e) { body = null; }
    if (r.status === 401) throw new Unauthorized();
    if (!r.ok) throw new Error(body !== null && typeof body.error === 'string' ? body.error : 'HTTP ' + r.status);
    return body;
  }

  // ---- formatting
  function pct(r) { return r === null || r === undefined ? '—' : (r * 100).toFixed(1) + ' %'; }
  function ms(v) { return v === null || v === undefined ? '—' : (v < 10 ? v.toFixed(1) : String(Math.round(v))) + ' ms'; }
  function ago(iso) {
    if (iso === null || iso === undefined) return 'never';
    var s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
    if (s < 60) return Math.round(s) + ' s ago';
    if (s < 3600) return Math.round(s / 60) + ' min ago';
    if (s < 86400) return Math.round(s / 3600) + ' h ago';
    return Math.round(s / 86400) + ' d ago';
  }
  function clock(iso) { return new Date(iso).toLocaleString(); }
  function hhmm(ms) { var d = new Date(ms); return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0'); }
  function cut(s, n) { return s.length > n ? s.slice(0, n - 1) + '…' : s; }

  function cell(testid, text, value, title) {
    return el('td', { testid: testid, text: text, 'data-value': value, title: title });
  }

  // ---- the fleet
  function renderSummary(devices) {
    var active = devices.filter(function (d) { return d.revokedAt === null; });
    var q = 0, off = 0;
    devices.forEach(function (d) { q += d.window.questions; off += d.window.offloads; });
    var rate = q > 0 ? off / q : null;
    setStat('device-count', String(active.length), active.length);
    setStat('connected-count', String(active.filter(function (d) { return d.connected; }).length), active.filter(function (d) { return d.connected; }).length);
    setStat('fleet-offload-rate', pct(rate), rate === null ? '' : rate);
    setStat('question-count', String(questions.count), questions.count);
    var win = devices.length > 0 ? devices[0].window.ms : 0;
    $('window-note').textContent = win > 0 ? 'questions and offload rates over the last ' + Math.round(win / 60000) + ' min' : '';
  }

  function setStat(testid, text, value) {
    var e = document.querySelector('[data-testid="' + testid + '"]');
    e.textContent = text;
    e.setAttribute('data-value', String(value));
  }

  function renderDevices(devices) {
    var rows = devices.map(function (d) {
      var u = d.lastUpdate;
      return el('tr', { testid: 'device-row', 'data-device': d.name, class: d.revokedAt !== null ? 'revoked' : '' }, [
        el('td', { testid: 'device-name', text: d.name, title: 'key ' + d.publicKey }),
        el('td', { testid: 'device-connected', 'data-value': d.connected }, [el('span', { class: 'dot ' + (d.connected ? 'on' : 'off'), text: d.connected ? 'online' : 'offline' })]),
        cell('device-revoked', d.revokedAt !== null ? clock(d.revokedAt) : '—', d.revokedAt !== null),
        cell('device-version', d.model !== null ? 'v' + d.model.version : '—', d.model !== null ? d.model.version : '', d.model !== null ? d.model.id : undefined),
        cell('device-slot', d.slot !== null ? d.slot.running + ' · ' + d.slot.backend : '—'),
        cell('device-last-seen', ago(d.lastSeen), d.lastSeen || '', d.lastSeen !== null ? clock(d.lastSeen) : undefined),
        cell('device-questions', String(d.window.questions), d.window.questions),
        cell('device-offload-rate', pct(d.window.offloadRate), d.window.offloadRate === null ? '' : d.window.offloadRate),
        cell('device-p50', ms(d.latency && d.latency.p50), d.latency ? d.latency.p50 : ''),
        cell('device-p99', ms(d.latency && d.latency.p99), d.latency ? d.latency.p99 : ''),
        el('td', { testid: 'device-last-update', 'data-value': u !== null ? u.event : '', title: u !== null ? u.reason + ' (' + clock(u.at) + ')' : undefined }, u === null ? ['—'] : [
          el('span', { class: 'badge ev-' + u.event.replace(/[^a-z-]/g, ''), text: u.event }), ' v' + u.version,
        ]),
      ]);
    });
    if (rows.length === 0) rows = [el('tr', {}, [el('td', { colspan: 11, class: 'empty', text: 'No device is enrolled yet: elma cloud device add, or POST /api/v1/devices.' })])];
    $('devices-body').replaceChildren.apply($('devices-body'), rows);
  }

  // ---- offload rate over time, one line per model version
  function renderSeries(points) {
    var W = 620, H = 250, L = 48, R = 12, T = 12, B = 30;
    var byVersion = {};
    points.forEach(function (p) {
      if (p.questions <= 0) return;
      (byVersion[p.version] = byVersion[p.version] || []).push({ t: Date.parse(p.at), rate: p.offloads / p.questions, q: p.questions, o: p.offloads });
    });
    var versions = Object.keys(byVersion).map(Number).sort(function (a, b) { return a - b; });
    var all = [].concat.apply([], versions.map(function (v) { return byVersion[v]; }));
    var chart = svg('svg', { testid: 'offload-chart', viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': 'offload rate over time per model version' });
    var legend = $('offload-legend');
    legend.replaceChildren();
    if (all.length === 0) {
      chart.append(svg('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'muted', text: 'no status reports in the last ' + SERIES_HOURS + ' h' }));
      $('offload-chart-box').replaceChildren(chart);
      return;
    }
    var t0 = Math.min.apply(null, all.map(function (p) { return p.t; }));
    var t1 = Math.max.apply(null, all.map(function (p) { return p.t; }));
    if (t1 === t0) { t0 -= SERIES_BUCKET_S * 1000; t1 += SERIES_BUCKET_S * 1000; }
    // A round step (1, 2, 5, 10, 20 or 25 %) with at most 5 of them to the top.
    var most = Math.max.apply(null, all.map(function (p) { return p.rate; }));
    var step = [0.01, 0.02, 0.05, 0.1, 0.2, 0.25].find(function (s) { return most / s <= 5; }) || 0.25;
    var top = Math.max(step, Math.ceil(most / step - 1e-9) * step);
    var x = function (t) { return L + (W - L - R) * (t - t0) / (t1 - t0); };
    var y = function (r) { return T + (H - T - B) * (1 - r / top); };
    for (var k = 0; k * step <= top + 1e-9; k++) {
      chart.append(svg('line', { x1: L, x2: W - R, y1: y(k * step), y2: y(k * step), class: 'grid' }));
      chart.append(svg('text', { x: L - 6, y: y(k * step) + 4, 'text-anchor': 'end', class: 'tick', text: Math.round(k * step * 100) + '%' }));
    }
    [t0, (t0 + t1) / 2, t1].forEach(function (t, i) {
      chart.append(svg('text', { x: x(t), y: H - 8, 'text-anchor': ['start', 'middle', 'end'][i], class: 'tick', text: hhmm(t) }));
    });
    versions.forEach(function (v, i) {
      var color = COLORS[i % COLORS.length];
      var pts = byVersion[v].sort(function (a, b) { return a.t - b.t; });
      var d = pts.map(function (p, j) { return (j === 0 ? 'M' : 'L') + x(p.t).toFixed(1) + ' ' + y(p.rate).toFixed(1); }).join(' ');
      chart.append(svg('path', { testid: 'offload-line', 'data-version': v, 'data-points': pts.length, d: d, fill: 'none', stroke: color, 'stroke-width': 2 }));
      pts.forEach(function (p) {
        chart.append(svg('circle', { cx: x(p.t).toFixed(1), cy: y(p.rate).toFixed(1), r: 2.5, fill: color }, [
          svg('title', { text: 'v' + v + ' at ' + hhmm(p.t) + ': ' + pct(p.rate) + ' (' + p.o + ' of ' + p.q + ')' }),
        ]));
      });
      var swatch = el('span', { class: 'swatch' });
      swatch.style.background = color;
      legend.append(el('li', { testid: 'offload-legend', 'data-version': v }, [swatch, 'v' + v]));
    });
    $('offload-chart-box').replaceChildren(chart);
  }

  // ---- which layer the fleet's questions left at, summed over devices
  function renderExits(devices) {
    var sums = [];
    devices.forEach(function (d) { d.window.exits.forEach(function (n, i) { sums[i] = (sums[i] || 0) + n; }); });
    for (var i = 0; i < sums.length; i++) sums[i] = sums[i] || 0;
    var W = 620, H = 250, L = 48, R = 12, T = 18, B = 30;
    var chart = svg('svg', { testid: 'exit-histogram', viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': 'questions answered at each exit layer' });
    if (sums.length === 0) {
      chart.append(svg('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'muted', text: 'no answers in the window' }));
      $('exit-chart-box').replaceChildren(chart);
      return;
    }
    var top = Math.max(1, Math.max.apply(null, sums));
    var slot = (W - L - R) / sums.length;
    var y = function (n) { return T + (H - T - B) * (1 - n / top); };
    [0, 0.5, 1].forEach(function (f) {
      chart.append(svg('line', { x1: L, x2: W - R, y1: y(top * f), y2: y(top * f), class: 'grid' }));
      chart.append(svg('text', { x: L - 6, y: y(top * f) + 4, 'text-anchor': 'end', class: 'tick', text: String(Math.round(top * f)) }));
    });
    sums.forEach(function (n, i) {
      var bx = L + i * slot + slot * 0.15, bw = slot * 0.7;
      chart.append(svg('rect', { testid: 'exit-bar', 'data-layer': i + 1, 'data-count': n, x: bx.toFixed(1), y: y(n).toFixed(1), width: bw.toFixed(1), height: Math.max(0, y(0) - y(n)).toFixed(1), class: 'bar' }, [
        svg('title', { text: 'layer ' + (i + 1) + ': ' + n + ' questions' }),
      ]));
      chart.append(svg('text', { x: (bx + bw / 2).toFixed(1), y: (y(n) - 4).toFixed(1), 'text-anchor': 'middle', class: 'tick', text: String(n) }));
      chart.append(svg('text', { x: (bx + bw / 2).toFixed(1), y: H - 8, 'text-anchor': 'middle', class: 'tick', text: String(i + 1) }));
    });
    $('exit-chart-box').replaceChildren(chart);
  }

  // ---- rollouts, newest first
  function renderRollouts(rollouts) {
    var cards = rollouts.slice().sort(function (a, b) { return b.id - a.id; }).map(function (r) {
      var good = new Set(r.good), waiting = new Set(r.waiting);
      var failed = new Set(r.failed.map(function (f) { return f.device; }));
      var count = function (devs, set) { return devs.filter(function (d) { return set.has(d); }).length; };
      var stages = r.stages.map(function (p, i) {
        var devs = r.stageDevices[i] || [];
        return el('tr', { testid: 'rollout-stage', 'data-stage': i, class: i <= r.stage ? 'open' : 'closed' }, [
          el('td', { text: (i + 1) + '. ' + p + ' %' + (i === r.stage ? ' ◂' : '') }),
          cell('stage-devices', String(devs.length), devs.length),
          cell('stage-good', String(count(devs, good)), count(devs, good)),
          cell('stage-failed', String(count(devs, failed)), count(devs, failed)),
          cell('stage-waiting', String(count(devs, waiting)), count(devs, waiting)),
        ]);
      });
      var events = r.events.slice(-5).reverse().map(function (ev) {
        return el('li', {}, [el('time', { text: clock(ev.at) }), ' ', el('b', { text: ev.kind }), ' ', ev.detail]);
      });
      var failures = r.failed.map(function (f) { return el('li', { text: f.device + ': ' + f.reason }); });
      return el('article', { testid: 'rollout', 'data-rollout-id': r.id, class: 'card rollout' }, [
        el('h3', {}, [
          el('span', { text: 'Rollout ' + r.id + ' · ' + r.modelId + ' v' + r.version }),
          el('span', { testid: 'rollout-state', 'data-value': r.state, class: 'badge state-' + r.state, text: r.state }),
        ]),
        el('p', { class: 'muted', text: 'halts after ' + r.haltAfterFailures + ' failures · started ' + clock(r.createdAt) }),
        r.reason !== '' ? el('p', { testid: 'rollout-reason', class: 'reason', text: r.reason }) : null,
        el('table', { class: 'stages' }, [
          el('thead', {}, [el('tr', {}, ['stage', 'devices', 'good', 'failed', 'waiting'].map(function (h) { return el('th', { text: h }); }))]),
          el('tbody', {}, stages),
        ]),
        failures.length > 0 ? el('ul', { class: 'failures' }, failures) : null,
        el('ul', { class: 'events' }, events),
      ]);
    });
    if (cards.length === 0) cards = [el('p', { class: 'muted', text: 'No rollout yet.' })];
    $('rollouts').replaceChildren.apply($('rollouts'), cards);
  }

  // ---- hard questions: the first load reads the last day, later ones only what is new (since=next)
  async function fetchQuestions() {
    if (questions.since === null) questions.since = new Date(Date.now() - QUESTIONS_HOURS * 3600 * 1000).toISOString();
    for (var page = 0; page < 20; page++) {
      var since = questions.next !== null ? String(questions.next) : questions.since;
      var r = await api('/api/v1/questions?limit=' + QUESTIONS_PAGE + '&since=' + encodeURIComponent(since));
      questions.count += r.questions.length;
      questions.latest = questions.latest.concat(r.questions).slice(-QUESTIONS_SHOWN);
      if (r.next !== null) questions.next = r.next;
      if (r.questions.length < QUESTIONS_PAGE) break;
    }
  }

  function renderQuestions() {
    $('questions-note').textContent = 'received since ' + clock(questions.since) + '; the latest ' + Math.min(QUESTIONS_SHOWN, questions.latest.length) + ' below';
    var rows = questions.latest.slice().reverse().map(function (q) {
      return el('tr', { testid: 'question-row', 'data-seq': q.seq }, [
        el('td', { text: String(q.seq) }),
        el('td', { text: ago(q.receivedAt), title: clock(q.receivedAt) }),
        el('td', { text: q.device }),
        el('td', { text: 'v' + q.modelVersion }),
        el('td', { class: 'question', text: cut(q.question, 160), title: cut(q.context, 600) }),
        el('td', {}, [q.deviceExit.text === '' ? el('i', { text: 'no answer' }) : cut(q.deviceExit.text, 80), el('small', { text: ' layer ' + q.deviceExit.layer })]),
        el('td', { testid: 'question-cloud-answer' }, [q.cloud.text === '' ? el('i', { text: 'no answer' }) : cut(q.cloud.text, 80), el('small', { text: ' ' + q.cloud.score.toFixed(2) })]),
        el('td', { text: q.correction === null ? '' : q.correction === '' ? '(no answer)' : q.correction }),
      ]);
    });
    if (rows.length === 0) rows = [el('tr', {}, [el('td', { colspan: 8, class: 'empty', text: 'No hard question yet.' })])];
    $('questions-body').replaceChildren.apply($('questions-body'), rows);
  }

  async function refresh() {
    timer = null;
    try {
      var since = new Date(Date.now() - SERIES_HOURS * 3600 * 1000).toISOString();
      var got = await Promise.all([
        api('/api/v1/node'), api('/api/v1/devices'), api('/api/v1/rollouts'),
        api('/api/v1/offload-series?bucket_s=' + SERIES_BUCKET_S + '&since=' + encodeURIComponent(since)),
        fetchQuestions(),
      ]);
      $('node-name').textContent = got[0].name;
      document.title = 'ELMA · ' + got[0].name;
      renderSummary(got[1].devices);
      renderDevices(got[1].devices);
      renderExits(got[1].devices);
      renderRollouts(got[2].rollouts);
      renderSeries(got[3].points);
      renderQuestions();
      $('updated').textContent = 'updated ' + new Date().toLocaleTimeString() + ' · every ' + REFRESH_MS / 1000 + ' s';
      $('problem').hidden = true;
      document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes || 0) + 1);
      document.body.dataset.state = 'ready';
    } catch (e) {
      if (e instanceof Unauthorized) { signOut('The token was refused. Enter the admin token of this cloud node.'); return; }
      $('problem').textContent = 'Could not refresh: ' + (e && e.message ? e.message : String(e)) + ' (trying again)';
      $('problem').hidden = false;
      document.body.dataset.state = 'error';
    }
    if ($('signin').hidden) timer = setTimeout(refresh, REFRESH_MS);
  }

  $('signin').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var t = $('token-input').value.trim();
    if (t === '') { $('signin-message').textContent = 'Enter the token first.'; return; }
    $('token-input').value = '';
    signIn(t);
  });
  $('signout').addEventListener('click', function () { signOut('Signed out.'); });

  tokenFromAddress();
  if (token() !== null) signIn(token());
  else signOut('The admin token is in this cloud node\'s token file (mode 600).');
})();
`;
