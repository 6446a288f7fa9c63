// Analyst pages: alert list → alert detail → investigation (timeline, IOCs, session summary, exports).
// Plain DOM, data from /api/glasslog/*; the session cookie of the console authenticates the calls. The console's
// own top bar (chrome.js) is reused, so navigation and the signed-in role are the same on every page.

import { signedIn } from '/console/static/js/chrome.js';
import { actionItems, alertForms, esc, gateControls, noteItems } from './respond.js';

const $ = (sel, root = document) => root.querySelector(sel);

let csrf = null;
let admin = false;

/** The session's CSRF value, which every state-changing request made with the session cookie must echo. */
async function csrfToken() {
  if (csrf === null) {
    const resp = await fetch('/api/glasslog/session', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (resp.status === 401) { location.href = '/'; throw new Error('signed out'); }
    csrf = (await resp.json()).csrf || '';
  }
  return csrf;
}

async function api(method, path, body) {
  const opts = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (method !== 'GET') opts.headers['X-CSRF-Token'] = await csrfToken();
  if (body !== undefined) { opts.headers['Content-Type'] = 'application/json'; opts.body = JSON.stringify(body); }
  const resp = await fetch(path, opts);
  if (resp.status === 401) { location.href = '/'; throw new Error('signed out'); }
  const data = await resp.json();
  if (!resp.ok) throw new Error(data?.detail?.errorSummary || data?.errorSummary || resp.statusText);
  return data;
}

function eventRows(tbody, rows, pivotTo) {
  tbody.innerHTML = rows.map((r) => `<tr data-uuid="${esc(r.uuid)}"><td>${esc(r.published)}</td><td>${esc(r.eventType)}</td>
    <td>${pivotTo ? `<button class="pivot" data-kind="user" data-value="${esc(r.actor)}">${esc(r.actor)}</button>` : esc(r.actor)}</td>
    <td>${esc(r.result)} ${esc(r.reason || '')}</td>
    <td>${pivotTo && r.ip ? `<button class="pivot" data-kind="ip" data-value="${esc(r.ip)}">${esc(r.ip)}</button>` : esc(r.ip)}</td>
    <td>${esc([r.city, r.country].filter(Boolean).join(', '))}</td>
    <td>${pivotTo && r.session ? `<button class="pivot" data-kind="session" data-value="${esc(r.session)}">${esc(r.session)}</button>` : esc(r.session)}</td></tr>`).join('');
}

async function alertList() {
  const form = $('#filters');
  const load = async () => {
    const params = new URLSearchParams([...new FormData(form)].filter(([, v]) => v));
    const alerts = await api('GET', `/api/glasslog/alerts?${params}`);
    $('#alerts tbody').innerHTML = alerts.map((a) => `<tr class="clickable" data-id="${esc(a.id)}">
      <td>${esc(a.first_seen)}</td><td><span class="sev-${esc(a.severity)}">${esc(a.severity)}</span></td>
      <td>${esc(a.title)}</td><td>${esc(a.techniques.join(', '))}</td><td>${esc(a.count)}</td>
      <td>${esc(a.summary)}</td><td>${esc(a.state)}</td></tr>`).join('');
  };
  form.addEventListener('change', load);
  $('#alerts tbody').addEventListener('click', (e) => {
    const tr = e.target.closest('tr[data-id]');
    if (tr) location.href = `/alerts/${tr.dataset.id}`;
  });
  await load();
  const range = $('#lc-range');
  range.addEventListener('change', () => lifecycle(range.value));
  await lifecycle(range.value);
}

const RANGE_HOURS = { '24h': 24, '7d': 168, '30d': 720, '90d': 2160 };
let lifecycleRequest = 0;  // a slower answer for an older range must not overwrite the newer one

/** The guide's stages with their queries, counted over the chosen range; each query opens in the console. */
async function lifecycle(range) {
  const until = new Date();
  const since = new Date(until.getTime() - RANGE_HOURS[range] * 3600 * 1000);
  const params = new URLSearchParams({ since: since.toISOString(), until: until.toISOString() });
  const request = ++lifecycleRequest;
  const stages = await api('GET', `/api/glasslog/lifecycle?${params}`);
  if (request !== lifecycleRequest) return;
  $('#lifecycle').innerHTML = stages.map((s) => `<h3>${esc(s.title)} (${s.count})</h3><ul>${s.queries.map((q) =>
    `<li><a href="/?range=${range}&filter=${encodeURIComponent(q.filter)}">${esc(q.title)}</a>: <code>${esc(q.filter)}</code> — ${q.count}</li>`).join('')}</ul>`).join('');
}

async function alertDetail(id) {
  $('#list-view').hidden = true;
  $('#detail-view').hidden = false;
  const { alert, events } = await api('GET', `/api/glasslog/alerts/${encodeURIComponent(id)}`);
  $('#a-title').textContent = alert.title;
  $('#a-summary').textContent = alert.summary;
  $('#a-facts').innerHTML = [['severity', alert.severity], ['state', alert.state], ['ATT&CK', alert.techniques.join(', ')],
    ['window', `${alert.first_seen} – ${alert.last_seen}`], ['grouped by', JSON.stringify(alert.group)], ['rule', alert.rule_name]]
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('');
  eventRows($('#a-events tbody'), events, false);
  if (admin) {
    document.querySelectorAll('button[data-state]').forEach((b) => b.addEventListener('click', async () => {
      await api('POST', `/api/glasslog/alerts/${id}/state`, { state: b.dataset.state });
      location.reload();
    }));
  }
  $('#investigate').addEventListener('click', async () => {
    const inv = await api('POST', '/api/glasslog/investigations', { title: alert.title, alert_ids: [id] });
    location.href = `/investigations/${inv.id}`;
  });
  await alertForms(api, alert, admin);
}

/** The sessions the timeline passes through, busiest first: each a link to that session's whole timeline. */
function sessionTable(rows) {
  const by = new Map();
  for (const r of rows) {
    if (!r.session || r.session === 'unknown') continue;
    const s = by.get(r.session) || { session: r.session, actors: new Set(), ips: new Set(), count: 0, first: r.published, last: r.published };
    s.count += 1; s.last = r.published;
    if (r.actor) s.actors.add(r.actor);
    if (r.ip) s.ips.add(r.ip);
    by.set(r.session, s);
  }
  const list = [...by.values()].sort((a, b) => b.count - a.count);
  if (!list.length) return '<p>No sessions in scope.</p>';
  return `<table id="i-session-list"><thead><tr><th>session</th><th>account</th><th>IPs</th><th>events in scope</th>
    <th>first</th><th>last</th></tr></thead><tbody>${list.map((s) => `<tr><td><a class="session-timeline"
    href="?session=${encodeURIComponent(s.session)}">${esc(s.session)}</a></td><td>${esc([...s.actors].join(', '))}</td>
    <td>${esc([...s.ips].join(', '))}</td><td>${s.count}</td><td>${esc(s.first)}</td><td>${esc(s.last)}</td></tr>`).join('')}</tbody></table>`;
}

function iocTables(iocs) {
  return Object.entries(iocs).filter(([, items]) => items.length).map(([cat, items]) => `<h3>${esc(cat.replace('_', ' '))}</h3>
    <table><thead><tr><th>value</th><th>count</th><th>first seen</th><th>last seen</th></tr></thead><tbody>${items.slice(0, 50).map((i) =>
    `<tr><td>${esc(i.value)}${i.org ? ` (${esc(i.org)})` : ''}</td><td>${i.count}</td><td>${esc(i.first_seen)}</td><td>${esc(i.last_seen)}</td></tr>`).join('')}</tbody></table>`).join('');
}

async function investigation(id) {
  const base = `/api/glasslog/investigations/${encodeURIComponent(id)}`;
  // ?session=X narrows the timeline to one session; the session becomes a pivot first, so the view holds all
  // of its events (also those from other IPs or after the alert), and the report and evidence cover them.
  const focus = new URLSearchParams(location.search).get('session');
  let view = await api('GET', base);
  if (focus && !view.investigation.pivots.some((p) => p.kind === 'session' && p.value === focus)) {
    await api('PATCH', base, { add_pivots: [{ kind: 'session', value: focus }] });
    view = await api('GET', base);
  }
  const inv = view.investigation;
  $('#i-title').textContent = inv.title;
  $('#export-md').href = `${base}/report?format=md`;
  $('#export-html').href = `${base}/report?format=html`;
  $('#export-evidence').href = `${base}/evidence`;
  $('#i-pivots').innerHTML = inv.pivots.map((p) => `<li>${esc(p.kind)}: <code>${esc(p.value)}</code></li>`).join('');
  const s = view.summary;
  $('#i-summary').innerHTML = `<p>${s.events} events.</p><h3>Applications reached by SSO</h3><ul>${s.apps.map((a) =>
    `<li>${esc(a.app)}: ${a.count}× (${esc(a.first)} – ${esc(a.last)})</li>`).join('') || '<li>none</li>'}</ul>
    <h3>Admin console access</h3><ul>${s.admin_console.map((r) => `<li>${esc(r.published)} ${esc(r.actor)} from ${esc(r.ip)}</li>`).join('') || '<li>none</li>'}</ul>
    <h3>Privilege and configuration changes</h3><ul>${[...s.privilege_changes, ...s.config_changes].map((r) =>
    `<li>${esc(r.published)} <code>${esc(r.eventType)}</code> by ${esc(r.actor)} → ${esc(r.targets.join(', '))}</li>`).join('') || '<li>none</li>'}</ul>`;
  $('#i-iocs').innerHTML = iocTables(view.iocs);
  $('#i-sessions').innerHTML = sessionTable(view.timeline);
  const shown = focus ? view.timeline.filter((r) => r.session === focus) : view.timeline;
  $('#i-timeline-title').textContent = focus ? `Timeline of session ${focus} (${shown.length} events)` : 'Timeline';
  $('#i-timeline-all').hidden = !focus;
  eventRows($('#i-timeline tbody'), shown, true);
  $('#i-actions').innerHTML = actionItems(inv.actions);
  $('#i-notes').innerHTML = noteItems(inv.notes);
  const kinds = ['session', 'root_session', 'transaction', 'user', 'actor', 'ip', 'user_agent', 'dt_hash'];
  $('#add-pivot select').innerHTML = kinds.map((k) => `<option>${k}</option>`).join('');
  const addPivot = async (kind, value) => { await api('PATCH', base, { add_pivots: [{ kind, value }] }); location.reload(); };
  $('#add-pivot').addEventListener('submit', (e) => { e.preventDefault(); const f = new FormData(e.target); addPivot(f.get('kind'), f.get('value')); });
  $('#i-timeline').addEventListener('click', (e) => { const b = e.target.closest('button.pivot'); if (b) addPivot(b.dataset.kind, b.dataset.value); });
  $('#add-note').addEventListener('submit', async (e) => { e.preventDefault(); await api('PATCH', base, { note: new FormData(e.target).get('note') }); location.reload(); });
  if (!admin) return;
  const actions = (await api('GET', '/api/glasslog/response-actions')).actions;
  $('#add-action select').innerHTML = Object.entries(actions).map(([k, v]) => `<option value="${esc(k)}">${esc(v)}</option>`).join('');
  $('#add-action').addEventListener('submit', async (e) => {
    e.preventDefault(); const f = new FormData(e.target);
    await api('POST', `${base}/actions`, { action: f.get('action'), subject: f.get('subject') }); location.reload();
  });
}

/** `/investigate?kind=session&value=X` (the console's pivot links): the open case scoped to exactly that pivot,
 * reused if one exists so repeated clicks do not pile up cases, otherwise a new one. */
async function openPivot(params) {
  const kind = params.get('kind');
  const value = params.get('value');
  const same = (inv) => inv.state === 'open' && !inv.alert_ids.length && inv.pivots.length === 1
    && inv.pivots[0].kind === kind && inv.pivots[0].value === value;
  const inv = (await api('GET', '/api/glasslog/investigations')).find(same)
    || await api('POST', '/api/glasslog/investigations', { title: `${kind} ${value}`, pivots: [{ kind, value }] });
  location.replace(`/investigations/${encodeURIComponent(inv.id)}`);
}

async function start() {
  const info = await signedIn('alerts');
  if (!info) return;
  csrf = info.csrf || '';
  admin = gateControls(info);
  const path = location.pathname.split('/').filter(Boolean);
  if (path[0] === 'investigate') await openPivot(new URLSearchParams(location.search));
  else if (path[0] === 'investigations' && path[1]) await investigation(decodeURIComponent(path[1]));
  else if (path[0] === 'alerts' && path[1]) await alertDetail(decodeURIComponent(path[1]));
  else await alertList();
}

start();
