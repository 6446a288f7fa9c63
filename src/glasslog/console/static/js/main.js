// The System Log page: wires the search box, time controls, chart, trends, events table, map, downloads and
// saved searches to one state object, mirrored in the URL (so every view is a shareable link).

import { ApiError, getJSON, qs } from './api.js';
import { AdvancedFilter } from './advanced.js';
import { renderChart, tooltip as makeTooltip } from './chart.js';
import { signedIn } from './chrome.js';
import { $, clear, fmtCount, h } from './dom.js';
import { MapView } from './map.js';
import { SavedSearches } from './saved.js';
import { SearchBox } from './search.js';
import { addCondition, fromURL, PRESET_LABELS, resolveRange, toURL } from './state.js';
import { EventsTable } from './table.js';
import { renderTrends } from './trends.js';
import { allZones, dateToZonedInput, fmtShort, iso, offsetLabel, zonedInputToDate } from './tz.js';

let state = fromURL();
let current = null; // the resolved query of the last run: {filter, q, since, until}
let session = null;
const tip = makeTooltip($('#tooltip'));
let runSeq = 0;

function searchText() { return state.filter || state.q || ''; }

function rangeParams() { return current ? { since: current.since, until: current.until } : {}; }

function commit(changes, { push = true } = {}) {
  state = { ...state, ...changes };
  const url = toURL(state);
  if (push && url !== location.pathname + location.search) history.pushState(null, '', url);
  else history.replaceState(null, '', url);
  run();
}

function pick(field, value) {
  commit({ filter: addCondition(state.filter, field, value) });
}

// -- time controls ---------------------------------------------------------------------------------------

function initTime() {
  const zoneSel = $('#tz-select');
  const now = new Date();
  for (const z of allZones()) zoneSel.append(h('option', { value: z }, `${z} (${offsetLabel(z, now)})`));
  if (![...zoneSel.options].some((o) => o.value === state.tz)) zoneSel.append(h('option', { value: state.tz }, state.tz));
  zoneSel.addEventListener('change', () => commit({ tz: zoneSel.value }));
  const preset = $('#range-preset');
  preset.addEventListener('change', () => {
    if (preset.value === 'custom') {
      const { since, until } = current ? { since: current.since, until: current.until } : resolveRange(state);
      $('#range-since').value = dateToZonedInput(since, state.tz);
      $('#range-until').value = dateToZonedInput(until, state.tz);
      $('#custom-range').hidden = false;
      $('#range-text').hidden = true;
    } else commit({ range: preset.value, since: '', until: '' });
  });
  $('#range-apply').addEventListener('click', () => {
    const since = zonedInputToDate($('#range-since').value, state.tz);
    const until = zonedInputToDate($('#range-until').value, state.tz);
    if (!since || !until || since >= until) { $('#range-text').hidden = false; $('#range-text').textContent = 'From must be before To'; return; }
    commit({ range: 'custom', since: iso(since), until: iso(until) });
  });
}

function showTime() {
  $('#tz-select').value = state.tz;
  $('#range-preset').value = state.range;
  const custom = state.range === 'custom';
  $('#custom-range').hidden = !custom;
  if (custom && current) {
    $('#range-since').value = dateToZonedInput(current.since, state.tz);
    $('#range-until').value = dateToZonedInput(current.until, state.tz);
  }
  const text = $('#range-text');
  text.hidden = custom;
  if (current) text.textContent = `${fmtShort(current.since, state.tz)} – ${fmtShort(current.until, state.tz)}`;
}

// -- a run: everything on the page for the current state ---------------------------------------------------

async function run() {
  const mine = ++runSeq;
  const { since, until } = resolveRange(state);
  current = { filter: state.filter, q: state.q, since: iso(since), until: iso(until) };
  events.zone = state.tz;
  map.zone = state.tz;
  showTime();
  search.set(searchText());
  if (state.filter || state.q) search.showKind({ kind: state.filter ? 'filter' : 'keywords' });
  showChips();
  showViewButtons();
  updateDownloads();
  const agg = { ...current, tz: state.tz };
  $('#total-count').textContent = '…';
  const hist = getJSON('/api/glasslog/histogram', agg).then((data) => {
    if (mine !== runSeq) return;
    $('#total-count').textContent = fmtCount(data.total);
    $('#bucket-label').textContent = `· ${data.bucketLabel} per bar`;
    lastHistogram = data;
    drawChart();
  });
  const table = state.view === 'table' ? events.load(current) : showMap(agg, mine);
  const trends = state.trends ? getJSON('/api/glasslog/trends', agg).then((data) => {
    if (mine === runSeq) renderTrends($('#trends'), data, pick);
  }) : null;
  $('#trends').hidden = !state.trends;
  $('#trends-toggle').textContent = state.trends ? 'Hide event trends by category' : 'Show event trends by category';
  try {
    await Promise.all([hist, table, trends]);
  } catch (err) {
    if (mine === runSeq) showError(err);
  }
}

let lastHistogram = null;
function drawChart() {
  if (!lastHistogram) return;
  renderChart($('#chart'), lastHistogram, {
    zone: state.tz, tooltip: tip,
    onZoom: (since, until) => commit({ range: 'custom', since: iso(since), until: iso(until) }),
  });
}

function showError(err) {
  if (err instanceof ApiError) {
    const m = /position (\d+)/.exec(err.message || '');
    search.showError(err.message.replace(/ at position \d+$/, ''), m ? Number(m[1]) : null);
    $('#total-count').textContent = '–';
    clear($('#chart'));
  } else {
    console.error(err); // eslint-disable-line no-console
  }
}

function showChips() {
  const chips = clear($('#search-chips'));
  if (state.filter && state.q) {
    chips.append(h('span.chip', `keywords: ${state.q}`,
      h('button', { type: 'button', title: 'Remove keywords', on: { click: () => commit({ q: '' }) } }, '×')));
  }
}

async function showMap(agg, mine) {
  const data = await getJSON('/api/glasslog/places', agg);
  if (mine !== runSeq) return;
  await map.render(data, current);
  $('#events-status').textContent = `${fmtCount(data.located)} located events in ${fmtCount(data.places.length)} places`;
}

function showViewButtons() {
  $('#view-table').classList.toggle('active', state.view === 'table');
  $('#view-map').classList.toggle('active', state.view === 'map');
  $('#view-table').setAttribute('aria-selected', String(state.view === 'table'));
  $('#view-map').setAttribute('aria-selected', String(state.view === 'map'));
  $('#table-view').hidden = state.view !== 'table';
  $('#map-view').hidden = state.view !== 'map';
}

function updateDownloads() {
  const params = qs({ ...current, sortOrder: 'DESCENDING' });
  $('#download-csv').href = `/api/glasslog/export.csv?${params}`;
  $('#download-ndjson').href = `/api/glasslog/export.ndjson?${params}`;
}

// -- boot --------------------------------------------------------------------------------------------------

const search = new SearchBox({
  rangeParams,
  onSubmit: (r) => {
    if (r.kind === 'filter') commit({ filter: r.filter, q: '' });
    else if (r.kind === 'keywords') commit({ q: r.q, filter: '' });
    else commit({ filter: '', q: '' });
  },
});
const events = new EventsTable($('#table-view'), {
  zone: state.tz, onPick: pick, onError: showError,
  onStatus: (n, more) => { $('#events-status').textContent = `${fmtCount(n)} events loaded${more ? ' · scroll for more' : ''}`; },
});
const map = new MapView($('#map-view'), { zone: state.tz, tooltip: tip, onFilter: (filter) => commit({ filter, view: 'table' }) });

async function main() {
  session = await signedIn('log');
  if (!session) return;
  document.body.dataset.role = session.role;
  initTime();
  new AdvancedFilter({ getFilter: () => state.filter, rangeParams, onApply: (filter) => commit({ filter, q: filter ? '' : state.q }) });
  new SavedSearches($('#saved-area'), {
    getState: () => state,
    canWrite: session.role === 'SUPER_ADMIN', // read-only admins see no control that changes anything
    onOpen: (ss) => commit({ filter: ss.filter || '', q: ss.q || '', range: ss.range || '7d', since: ss.since || '',
      until: ss.until || '', tz: ss.tz || state.tz }),
  });
  $('#view-table').addEventListener('click', () => commit({ view: 'table' }));
  $('#view-map').addEventListener('click', () => commit({ view: 'map' }));
  $('#trends-toggle').addEventListener('click', () => commit({ trends: !state.trends }, { push: false }));
  window.addEventListener('popstate', () => { state = fromURL(); run(); });
  let width = window.innerWidth;
  window.addEventListener('resize', () => { if (window.innerWidth !== width) { width = window.innerWidth; drawChart(); } });
  history.replaceState(null, '', toURL(state));
  run();
}

main();
