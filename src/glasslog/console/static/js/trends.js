// Trends by category: top actors, targets and event types of the current search (server-side GROUP BYs),
// each row clickable into the filter.

import { clear, fmtCount, h, pct } from './dom.js';

const TITLES = { actors: 'Top actors', targets: 'Top targets', eventTypes: 'Top event types' };

export function renderTrends(el, data, onPick) {
  clear(el);
  for (const key of ['actors', 'targets', 'eventTypes']) {
    const group = data[key];
    const card = h('div.trend', { dataset: { trend: key } }, h('h3', TITLES[key]));
    if (!group.items.length) card.append(h('div.trend-empty', 'None in this search'));
    const top = Math.max(...group.items.map((i) => i.share), 0.0001);
    for (const item of group.items) {
      const bar = h('span.t-bar');
      bar.style.width = `${Math.max(2, (item.share / top) * 100)}%`;
      card.append(h('div.trend-row', {
        title: `Add ${group.field} eq "${item.value}" to the filter`,
        dataset: { field: group.field, value: String(item.value) },
        on: { click: () => onPick(group.field, item.value) },
      }, bar, h('span.t-label', String(item.value)), h('span.t-count', fmtCount(item.count)), h('span.t-share', pct(item.share))));
    }
    el.append(card);
  }
}
