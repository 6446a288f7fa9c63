// The event type catalog: the event types present in the org, with counts, a category and (for the common
// ones) a short description; searchable, and each type opens the System Log filtered to it.

import { getJSON } from './api.js';
import { signedIn } from './chrome.js';
import { $, clear, fmtCount, h, pct } from './dom.js';

let data = null;
let category = new URLSearchParams(location.search).get('category') || '';

function matches(item, words) {
  const hay = `${item.eventType} ${item.category} ${item.description || ''}`.toLowerCase();
  return words.every((w) => hay.includes(w));
}

function render() {
  const text = $('#catalog-search').value.trim().toLowerCase();
  const words = text.split(/\s+/).filter(Boolean);
  const body = clear($('#catalog-table tbody'));
  const top = Math.max(...data.eventTypes.map((t) => t.count), 1);
  let shown = 0;
  for (const item of data.eventTypes) {
    if (category && item.category !== category) continue;
    if (!matches(item, words)) continue;
    shown += 1;
    const href = `/?${new URLSearchParams({ filter: `eventType eq "${item.eventType}"`, range: '90d' })}`;
    const share = h('span.share');
    share.style.width = `${Math.max(2, (item.count / top) * 100)}%`;
    body.append(h('tr', { dataset: { type: item.eventType } },
      h('td', h('a.mono', { href, title: 'Open the System Log filtered to this type (last 90 days)' }, item.eventType)),
      h('td', item.category),
      h('td', item.description || h('span.muted', 'No description yet.')),
      h('td.num', `${fmtCount(item.count)} `, h('span.muted', `(${pct(item.share)})`), share)));
  }
  $('#catalog-empty').hidden = shown > 0;
  $('#catalog-summary').textContent = `${fmtCount(shown)} of ${fmtCount(data.eventTypes.length)} event types · ${fmtCount(data.total)} events in the org`;
  const url = new URL(location.href);
  if (text) url.searchParams.set('search', text); else url.searchParams.delete('search');
  if (category) url.searchParams.set('category', category); else url.searchParams.delete('category');
  history.replaceState(null, '', url);
}

function renderCategories() {
  const el = clear($('#catalog-categories'));
  const counts = new Map();
  for (const t of data.eventTypes) counts.set(t.category, (counts.get(t.category) || 0) + 1);
  const names = ['', ...[...counts.keys()].sort()];
  for (const name of names) {
    el.append(h(`button${name === category ? '.active' : ''}`, { type: 'button',
      on: { click: () => { category = name; renderCategories(); render(); } } }, name || 'All'));
  }
}

async function main() {
  if (!(await signedIn('types'))) return;
  const table = $('#catalog-table');
  table.insertBefore(h('colgroup', h('col.c-type'), h('col.c-cat'), h('col'), h('col.c-count')), table.firstChild);
  $('#catalog-search').value = new URLSearchParams(location.search).get('search') || '';
  $('#catalog-search').addEventListener('input', render);
  data = await getJSON('/api/glasslog/event-types');
  renderCategories();
  render();
}

main();
