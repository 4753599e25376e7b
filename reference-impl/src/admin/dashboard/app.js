// The dashboard's script: reads the snapshot stream with the admin token in
// a header (never in the address), and redraws the tables. Every value goes
// into the page as text, never as markup.
'use strict';

const HISTORY = 60; // snapshots kept per provider for the sparklines
const DECISIONS = 50; // decisions kept on the page
const series = new Map();
let token = sessionStorage.getItem('dashboard-token') || '';

// A token handed over in the fragment (#token=...) is kept for the session
// and removed from the address bar at once; fragments never reach a server.
function tokenFromHash() {
  const found = new URLSearchParams(location.hash.slice(1)).get('token');
  if (!found) return false;
  token = found;
  sessionStorage.setItem('dashboard-token', token);
  history.replaceState(null, '', location.pathname);
  return true;
}
tokenFromHash();

const $ = (id) => document.getElementById(id);

function setStatus(state) {
  $('status').dataset.state = state;
  $('status').textContent = state;
}

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function fixed(value, digits, unit) {
  return value === null || value === undefined ? '–' : value.toFixed(digits) + (unit || '');
}

function sparkline(kind, values) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('class', 'spark ' + kind);
  svg.setAttribute('viewBox', '0 0 120 24');
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  const top = Math.max(...values, 1e-9);
  const step = values.length > 1 ? 120 / (values.length - 1) : 0;
  line.setAttribute('points', values.map((v, i) => `${(i * step).toFixed(1)},${(23 - (v / top) * 22).toFixed(1)}`).join(' '));
  svg.appendChild(line);
  return svg;
}

// Replaces the rows of table body `id`, one per item, filled by `fill`.
function rows(id, items, fill) {
  const body = $(id);
  body.replaceChildren();
  for (const item of items) {
    const row = document.createElement('tr');
    fill(row, item);
    body.appendChild(row);
  }
}

function renderProviders(providers, atMs) {
  rows('providers', providers, (row, p) => {
    const key = `${p.model}/${p.provider}`;
    const s = series.get(key) || { latency: [], errors: [] };
    s.latency.push(p.p50_ms || 0);
    s.errors.push(p.error_rate || 0);
    for (const list of [s.latency, s.errors]) list.splice(0, Math.max(0, list.length - HISTORY));
    series.set(key, s);
    row.dataset.key = key;
    row.dataset.state = p.state;
    cell(row, p.model);
    cell(row, p.provider);
    // A ramping provider shows the share of its traffic it has back.
    const shown = p.state === 'ramping' && typeof p.share === 'number' ? `ramping ${fixed(p.share * 100, 0, ' %')}` : p.state;
    cell(row, shown, 'state ' + p.state);
    cell(row, fixed((atMs - p.since_ms) / 1000, 1, ' s ago'));
    cell(row, fixed(p.score, 2));
    cell(row, p.error_rate === null ? '–' : fixed(p.error_rate * 100, 1, ' %'));
    cell(row, fixed(p.p50_ms, 1, ' ms'));
    // Continuous evaluation: the pass rate of the golden set, and the mark
    // with the first failing case as its evidence.
    const e = p.evaluation;
    row.dataset.evaluation = e ? (e.degraded ? 'degraded' : 'passing') : 'none';
    const failing = e && e.failures.length ? ` (${e.failures[0].case}: ${e.failures[0].answered ?? 'no text'})` : '';
    const golden = !e || e.pass_rate === null ? '–' : `${e.degraded ? 'degraded ' : ''}${fixed(e.pass_rate * 100, 0, ' %')}${e.degraded ? failing : ''}`;
    cell(row, golden, 'evaluation ' + row.dataset.evaluation);
    cell(row, '').appendChild(sparkline('latency', s.latency));
    cell(row, '').appendChild(sparkline('errors', s.errors));
  });
}

function renderRates(rates) {
  rows('rates', rates, (row, r) => {
    row.dataset.model = r.model;
    row.dataset.level = r.level;
    cell(row, r.model);
    cell(row, fixed(r.rate * 100, 2, ' %'));
    cell(row, String(r.requests));
    cell(row, String(r.fallbacks));
    cell(row, r.level, 'level ' + r.level);
  });
}

// An objective's value in its unit: ms for time to first token, US
// dollars for cost, a percentage for the shares.
function objectiveValue(objective, value) {
  if (value === null || value === undefined) return '–';
  if (objective === 'ttft_p95') return fixed(value, 0, ' ms');
  if (objective === 'cost_per_useful_answer') return '$' + value.toPrecision(3);
  return fixed(value * 100, 2, ' %');
}

function renderSlos(slos) {
  const objectives = slos.flatMap(s => s.objectives.map(o => ({slo: s, o})));
  rows('slos', objectives, (row, {slo, o}) => {
    const state = o.breached ? 'breached' : (o.current === null ? 'no_data' : 'met');
    row.dataset.slo = slo.id;
    row.dataset.objective = o.objective;
    row.dataset.state = state;
    for (const text of [slo.id, slo.model, fixed(slo.window_ms / 1000, 1, ' s'), o.objective]) cell(row, text);
    cell(row, objectiveValue(o.objective, o.target));
    cell(row, objectiveValue(o.objective, o.current));
    cell(row, o.burn_rate === null ? (o.breached ? '∞' : '–') : fixed(o.burn_rate, 2, '×'));
    cell(row, String(o.samples));
    cell(row, state.replace('_', ' '), 'slo ' + state);
  });
}

function renderDrills(drills) {
  rows('drills', drills, (row, d) => {
    row.dataset.id = d.id;
    row.dataset.state = d.state;
    for (const text of [d.id, d.provider, d.class, d.state, d.report.requests, d.report.served_by_fallback, d.report.client_failures]) {
      cell(row, String(text));
    }
    cell(row, fixed(d.report.take_over_ms, 0, ' ms'));
  });
}

function describe(e) {
  switch (e.type) {
    case 'breaker_transition': return `${e.provider} (${e.model}): ${e.from} → ${e.to}, ${e.reason}`;
    case 'threshold_adjusted': return `${e.provider} (${e.model}): ${e.setting} ${e.before} → ${e.after}`;
    case 'fallback_rate': return `${e.model}: fallback rate ${e.from} → ${e.to}`;
    case 'slo_breach': return `${e.slo} (${e.model}): ${e.objective} breached, burn rate ${e.burn_rate === null ? '∞' : e.burn_rate.toFixed(2)}`;
    case 'slo_recovered': return `${e.slo} (${e.model}): ${e.objective} recovered`;
    case 'drill': return `drill ${e.id}: ${e.provider} fails with ${e.class} for ${e.duration_ms} ms`;
    default: return `${e.provider || e.model || ''} ${e.type}`;
  }
}

function renderDecisions(decisions) {
  const list = $('decisions');
  for (const e of decisions) {
    const item = document.createElement('li');
    item.dataset.type = e.type;
    item.textContent = `${(e.at_ms / 1000).toFixed(3)} s  ${e.type}  ${describe(e)}`;
    list.prepend(item);
  }
  while (list.children.length > DECISIONS) list.lastElementChild.remove();
}

function render(snapshot) {
  renderProviders(snapshot.providers, snapshot.at_ms);
  renderRates(snapshot.fallback_rate);
  renderSlos(snapshot.slos);
  renderDrills(snapshot.drills);
  renderDecisions(snapshot.decisions);
}

// Server-sent events, read from a fetch so that the token goes in a header.
async function connect() {
  setStatus('connecting');
  try {
    const headers = token ? { Authorization: `Bearer ${token}` } : {};
    const answer = await fetch('/admin/dashboard/stream', { headers, cache: 'no-store' });
    if (answer.status === 401) {
      setStatus('unauthorized');
      $('login').hidden = false;
      return;
    }
    if (!answer.ok) throw new Error(`status ${answer.status}`);
    setStatus('live');
    const reader = answer.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
        if (data) render(JSON.parse(data));
      }
    }
  } catch (e) {
    console.warn('dashboard stream:', e);
  }
  setStatus('reconnecting');
  setTimeout(connect, 1000);
}

$('login').addEventListener('submit', (event) => {
  event.preventDefault();
  token = $('token').value;
  sessionStorage.setItem('dashboard-token', token);
  $('login').hidden = true;
  // A token given in the fragment later (the page already open) connects too.
window.addEventListener('hashchange', () => {
  if (tokenFromHash() && $('status').dataset.state === 'unauthorized') {
    $('login').hidden = true;
    connect();
  }
});

connect();
});

// A token given in the fragment later (the page already open) connects too.
window.addEventListener('hashchange', () => {
  if (tokenFromHash() && $('status').dataset.state === 'unauthorized') {
    $('login').hidden = true;
    connect();
  }
});

connect();
