// The map view: matching events by client location on an offline world map (Natural Earth outlines, see
// static/geo/SOURCE.txt). Circles are sized by count (area ∝ events) and coloured by the dominant outcome;
// clicking a place lists its events.

import { logsPage } from './api.js';
import { clear, fmtCount, h, s, titleCase } from './dom.js';
import { addCondition } from './state.js';
import { fmtFull } from './tz.js';

let world = null;
async function loadWorld() {
  if (!world) world = fetch('/console/static/geo/world.json').then((r) => r.json());
  return world;
}

function ringPath(r) {
  let x = r[0];
  let y = r[1];
  let d = `M${x} ${y}`;
  for (let i = 2; i < r.length; i += 2) { x += r[i]; y += r[i + 1]; d += `l${r[i]} ${r[i + 1]}`; }
  return `${d}z`;
}

export function placeName(p) {
  return [p.city, p.state, p.country].filter(Boolean).map(titleCase).join(', ') || 'Unknown place';
}

/** The filter conditions that select one place's events. */
export function placeFilter(filter, p) {
  let f = filter;
  for (const [k, v] of [['country', p.country], ['state', p.state], ['city', p.city]]) {
    if (v) f = addCondition(f, `client.geographicalContext.${k}`, titleCase(v));
  }
  return f;
}

export class MapView {
  constructor(el, { zone, tooltip, onFilter }) {
    this.el = el;
    this.zone = zone;
    this.tooltip = tooltip;
    this.onFilter = onFilter;
  }

  async render(data, params) {
    this.params = params;
    this.lastData = data;
    const geo = await loadWorld();
    clear(this.el);
    const svg = s('svg', { viewBox: `0 0 ${geo.w} ${geo.h}`, role: 'img', 'aria-label': 'Events by client location' });
    const land = s('g');
    for (const c of geo.countries) land.append(s('path', { class: 'land', d: c.r.map(ringPath).join('') }, s('title', {}, c.n)));
    svg.append(land);
    const max = Math.max(1, ...data.places.map((p) => p.count));
    const dots = s('g');
    const project = (p) => [(p.lon + 180) * 10, (geo.latTop - p.lat) * 10];
    const sorted = [...data.places].sort((a, b) => b.count - a.count);
    for (const p of sorted) {
      const [x, y] = project(p);
      const r = 9 + 46 * Math.sqrt(p.count / max);
      const c = s('circle', { class: `place ${p.outcome}`, cx: x.toFixed(1), cy: y.toFixed(1), r: r.toFixed(1),
        'data-place': placeName(p), 'data-count': p.count });
      c.addEventListener('pointermove', (e) => this.tooltip.show(e.clientX, e.clientY,
        `${placeName(p)} · ${fmtCount(p.count)} events (${fmtCount(p.success)} success, ${fmtCount(p.failure)} failure)`));
      c.addEventListener('pointerleave', () => this.tooltip.hide());
      c.addEventListener('click', () => { this.select(c); this.showPlace(p); });
      dots.append(c);
    }
    svg.append(dots);
    this.side = h('div.map-side');
    this.canvas = h('div.map-canvas', svg, h('div.map-legend',
      h('span', h('span.dot.success'), 'Mostly success'), h('span', h('span.dot.failure'), 'Mostly failure'),
      h('span', h('span.dot.other'), 'Other outcomes'), h('span.muted', 'Circle area ∝ events')));
    this.el.append(h('div.map-wrap', this.canvas, this.side));
    this.sorted = sorted;
    this.showSummary(data, sorted);
  }

  select(circle) {
    for (const c of this.canvas.querySelectorAll('.place.selected')) c.classList.remove('selected');
    if (circle) circle.classList.add('selected');
  }

  showSummary(data, places) {
    clear(this.side);
    this.side.append(h('h3', `${fmtCount(data.located)} events in ${fmtCount(places.length)} places`));
    if (data.unlocated) this.side.append(h('div.muted', `${fmtCount(data.unlocated)} events have no location`));
    const list = h('ul.place-list');
    for (const p of places.slice(0, 50)) {
      list.append(h('li', { on: { click: () => { this.select(this.canvas.querySelector(`circle[data-place="${CSS.escape(placeName(p))}"]`)); this.showPlace(p); } } },
        h(`span.dot.${p.outcome}`), placeName(p), h('span.pl-count', fmtCount(p.count))));
    }
    this.side.append(list);
  }

  async showPlace(p) {
    clear(this.side);
    const filter = placeFilter(this.params.filter, p);
    this.side.append(
      h('button.link-btn', { type: 'button', on: { click: () => { this.select(null); this.showSummary(this.lastData, this.sorted); } } }, '← All places'),
      h('h3', placeName(p)),
      h('div.muted', `${fmtCount(p.count)} events · ${fmtCount(p.success)} success · ${fmtCount(p.failure)} failure · ${fmtCount(p.other)} other`),
      h('div.detail-tools', h('button.btn.btn-small', { type: 'button', on: { click: () => this.onFilter(filter) } }, 'Filter to this place')));
    const list = h('ul.place-events', h('li.muted', 'Loading…'));
    this.side.append(list);
    const page = await logsPage({ ...this.params, filter, limit: 25, sortOrder: 'DESCENDING' });
    clear(list);
    for (const ev of page.events) {
      const o = (ev.outcome && ev.outcome.result) || '';
      list.append(h('li', h('div.ev-sub', fmtFull(ev.published, this.zone)),
        h('div', h('strong', (ev.actor && (ev.actor.displayName || ev.actor.alternateId)) || '—'), ' ',
          h(`span.badge.${o.toLowerCase()}`, o)),
        h('div.ev-type', ev.eventType || '')));
    }
    if (page.next) list.append(h('li.muted', 'More events: use “Filter to this place”.'));
  }
}
