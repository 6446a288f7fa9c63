// The events table: reads Okta's API (`GET /api/v1/logs`, newest first) and follows its `next` links as the
// user scrolls. Rows expand to the full event; any value adds `field eq "value"` to the filter. An expanded row
// also links to the investigation views of its session, actor and IP, so a pivot needs no hand-written query.

import { ApiError, logsPage } from './api.js';
import { clear, fmtCount, h, toast } from './dom.js';
import { copyText, jsonTree, setAll } from './jsonview.js';
import { fmtDate, fmtTime } from './tz.js';

const PAGE = 50;

function v(field, value, text, cls = '') {
  if (value === null || value === undefined || value === '') return null;
  return h(`span.v${cls ? `.${cls}` : ''}`, { dataset: { field, value: String(value) }, title: `${field} eq "${value}"` },
    text ?? String(value));
}

function dig(obj, path) {
  return path.split('.').reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), obj);
}

/** Links to the investigation page for the event's session, user and IP (`/investigate?kind=…&value=…`). */
function pivotLinks(ev) {
  const session = dig(ev, 'authenticationContext.externalSessionId');
  const pivots = [
    ['session', session && session !== 'unknown' ? session : null, 'Session timeline'],
    ['user', dig(ev, 'actor.alternateId'), 'User timeline'],
    ['ip', dig(ev, 'client.ipAddress'), 'IP investigation'],
  ].filter(([, value]) => value && value !== 'null');
  return pivots.map(([kind, value, label]) => h('a.btn.btn-small.pivot-link', {
    href: `/investigate?${new URLSearchParams({ kind, value })}`, dataset: { kind }, title: `${kind}: ${value}` }, label));
}

function uaSummary(client) {
  const ua = client && client.userAgent;
  if (!ua) return null;
  const bits = [ua.browser, ua.os].filter((x) => x && x !== 'UNKNOWN' && x !== 'Unknown');
  return bits.length ? bits.join(' on ') : null;
}

export class EventsTable {
  constructor(el, { zone, onPick, onError, onStatus }) {
    this.el = el;
    this.zone = zone;
    this.onPick = onPick;
    this.onError = onError;
    this.onStatus = onStatus;
    this.observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) this.more();
    }, { rootMargin: '400px' });
    el.addEventListener('click', (e) => this.onClick(e));
  }

  /** Start over with new query params (since/until/filter/q, absolute). */
  async load(params) {
    this.params = params;
    this.next = null;
    this.count = 0;
    this.events = [];
    this.loading = false;
    this.generation = (this.generation || 0) + 1;
    if (this.abort) this.abort.abort();
    clear(this.el);
    this.body = h('tbody');
    this.table = h('table.grid.events',
      h('colgroup', h('col.c-time'), h('col.c-actor'), h('col.c-event'), h('col.c-targets'), h('col.c-client')),
      h('thead', h('tr', h('th', `Time (${this.zone})`), h('th', 'Actor'), h('th', 'Event info'), h('th', 'Targets'),
        h('th', 'Client'))),
      this.body);
    this.foot = h('div.table-foot');
    this.el.append(this.table, this.foot);
    await this.fetch({ ...params, limit: PAGE, sortOrder: 'DESCENDING' });
  }

  async more() {
    if (this.next && !this.loading) await this.fetch(this.next);
  }

  async fetch(what) {
    this.loading = true;
    const gen = this.generation;
    this.abort = new AbortController();
    this.setFoot('Loading…');
    try {
      const page = await logsPage(what, this.abort.signal);
      if (gen !== this.generation) return;
      this.next = page.next && page.events.length ? page.next : null;
      for (const ev of page.events) this.addRow(ev);
      this.count += page.events.length;
      this.onStatus(this.count, !!this.next);
      if (!this.count) this.setFoot(h('span.empty', 'No events match this search in this time range.'));
      else if (this.next) {
        this.setFoot(h('button.btn.btn-small', { type: 'button', on: { click: () => this.more() } }, 'Load more'));
        this.observer.observe(this.foot);
      } else {
        this.observer.disconnect();
        this.setFoot(`All ${fmtCount(this.count)} matching events shown`);
      }
    } catch (err) {
      if (err.name === 'AbortError' || gen !== this.generation) return;
      this.setFoot('');
      if (err instanceof ApiError) this.onError(err);
      else this.setFoot(`Could not load events: ${err.message}`);
    } finally {
      if (gen === this.generation) this.loading = false;
    }
  }

  setFoot(content) { clear(this.foot); if (content) this.foot.append(content); }

  addRow(ev) {
    const z = this.zone;
    const actor = ev.actor || {};
    const outcome = ev.outcome || {};
    const client = ev.client || {};
    const geo = client.geographicalContext || {};
    const place = [geo.city, geo.state, geo.country].filter(Boolean);
    const result = outcome.result ? String(outcome.result) : null;
    const row = h('tr.ev-row', { dataset: { uuid: ev.uuid || '' } },
      h('td.ev-time', h('span.t-date', ev.published ? fmtDate(ev.published, z) : ''),
        ev.published ? `${fmtTime(ev.published, z)}.${String(new Date(ev.published).getUTCMilliseconds()).padStart(3, '0')}` : ''),
      h('td',
        v('actor.displayName', actor.displayName),
        h('span.ev-sub', v('actor.alternateId', actor.alternateId), actor.type ? ` · ${actor.type}` : '')),
      h('td',
        h('div', v('displayMessage', ev.displayMessage, null, 'ev-msg')),
        h('div', v('eventType', ev.eventType, null, 'ev-type')),
        result ? h('div', v('outcome.result', result, h(`span.badge.${result.toLowerCase()}`, result)), ' ',
          v('outcome.reason', outcome.reason, null, 'ev-sub-inline')) : null),
      h('td', (Array.isArray(ev.target) ? ev.target : []).slice(0, 4).map((t) => h('span.target',
        v('target.displayName', t && t.displayName), t && t.type ? h('span.ev-sub', t.type) : null)),
      Array.isArray(ev.target) && ev.target.length > 4 ? h('span.ev-sub', `+${ev.target.length - 4} more`) : null),
      h('td',
        h('div', v('client.ipAddress', client.ipAddress !== 'null' ? client.ipAddress : null)),
        place.length ? h('div.ev-sub', ...place.flatMap((p, i) => {
          const key = p === geo.city ? 'city' : p === geo.state ? 'state' : 'country';
          return [i ? ', ' : '', v(`client.geographicalContext.${key}`, p)];
        })) : null,
        uaSummary(client) ? h('span.ua', { title: dig(client, 'userAgent.rawUserAgent') || '' },
          v('client.userAgent.rawUserAgent', dig(client, 'userAgent.rawUserAgent'), uaSummary(client))) : null));
    row.event = ev;
    this.body.append(row);
  }

  onClick(e) {
    const val = e.target.closest('.v');
    if (val && this.el.contains(val) && !val.closest('.json')) {
      e.stopPropagation();
      this.onPick(val.dataset.field, val.dataset.value);
      return;
    }
    const row = e.target.closest('tr.ev-row');
    if (row) this.toggle(row);
  }

  toggle(row) {
    const open = row.nextElementSibling && row.nextElementSibling.classList.contains('detail-row');
    if (open) { row.nextElementSibling.remove(); row.classList.remove('open'); return; }
    row.classList.add('open');
    const tree = jsonTree(row.event, this.onPick);
    const text = JSON.stringify(row.event, null, 2);
    const tools = h('div.detail-tools',
      h('button.btn.btn-small', { type: 'button', on: { click: async () => toast(await copyText(text) ? 'Event JSON copied' : 'Copy failed') } }, 'Copy JSON'),
      h('button.btn.btn-small', { type: 'button', on: { click: () => setAll(tree, true) } }, 'Expand all'),
      h('button.btn.btn-small', { type: 'button', on: { click: () => setAll(tree, false) } }, 'Collapse all'),
      ...pivotLinks(row.event),
      h('span.muted', `uuid ${row.event.uuid || ''}`));
    row.after(h('tr.detail-row', h('td', { colSpan: 5 }, tools, tree)));
  }
}
