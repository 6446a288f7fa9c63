// The page state and its URL. Every state of the console is a shareable URL: the search (filter and/or
// keywords), the time range (a preset, or since/until), the time zone, the table/map view and the trends panel.

import { browserZone, isValidZone } from './tz.js';

export const PRESETS = { '1h': 3600e3, '24h': 86400e3, '7d': 7 * 86400e3, '30d': 30 * 86400e3, '90d': 90 * 86400e3 };
export const PRESET_LABELS = { '1h': 'Last hour', '24h': 'Last 24 hours', '7d': 'Last 7 days', '30d': 'Last 30 days',
  '90d': 'Last 90 days', custom: 'Custom range' };
export const DEFAULT_RANGE = '7d';

export function fromURL(search = location.search) {
  const p = new URLSearchParams(search);
  const range = p.get('range') || (p.get('since') && p.get('until') ? 'custom' : DEFAULT_RANGE);
  const tz = p.get('tz');
  return {
    filter: p.get('filter') || '',
    q: p.get('q') || '',
    range: range in PRESETS || range === 'custom' ? range : DEFAULT_RANGE,
    since: p.get('since') || '',
    until: p.get('until') || '',
    tz: tz && isValidZone(tz) ? tz : browserZone(),
    view: p.get('view') === 'map' ? 'map' : 'table',
    trends: p.get('trends') === '1',
  };
}

export function toURL(state) {
  const p = new URLSearchParams();
  if (state.filter) p.set('filter', state.filter);
  if (state.q) p.set('q', state.q);
  p.set('range', state.range);
  if (state.range === 'custom') { p.set('since', state.since); p.set('until', state.until); }
  p.set('tz', state.tz);
  if (state.view !== 'table') p.set('view', state.view);
  if (state.trends) p.set('trends', '1');
  return `${location.pathname}?${p.toString()}`;
}

/** The absolute [since, until) the state means now. Presets are resolved once per search, so the chart,
 *  the table, the map and a download of one search all cover the same instants. */
export function resolveRange(state, now = new Date()) {
  if (state.range === 'custom' && state.since && state.until) {
    return { since: new Date(state.since), until: new Date(state.until) };
  }
  const span = PRESETS[state.range] || PRESETS[DEFAULT_RANGE];
  return { since: new Date(now.getTime() - span), until: now };
}

/** Add `field eq "value"` to a filter, keeping what is there (grouped when it has an `or`). */
export function addCondition(filter, field, value, op = 'eq') {
  const literal = typeof value === 'string' ? JSON.stringify(value)
    : value === null ? 'null' : String(value);
  const cond = op === 'pr' ? `${field} pr` : `${field} ${op} ${literal}`;
  const current = (filter || '').trim();
  if (!current) return cond;
  const base = /\bor\b/i.test(current.replace(/"(?:[^"\\]|\\.)*"/g, '""')) ? `(${current})` : current;
  return `${base} and ${cond}`;
}
