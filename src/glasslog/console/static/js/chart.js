// Count over time: an SVG bar chart of the server's histogram (dense buckets aligned to the viewer's zone).
// Dragging across bars (or clicking one) narrows the range to those buckets.

import { clear, fmtCount, s } from './dom.js';
import { fmtShort, fmtTime, offsetMinutes } from './tz.js';

const HEIGHT = 170;
const M = { top: 10, right: 8, bottom: 22, left: 46 };

function niceMax(v) {
  if (v <= 4) return Math.max(1, v);
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

const STEPS = [60, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 2592000];

/** Bucket indexes to label: those starting on a round local time (every `step` seconds), few enough to fit. */
function labelIndexes(buckets, zone, width, size) {
  const maxLabels = Math.max(2, Math.floor(width / 100));
  const span = buckets.length * size;
  const step = STEPS.find((st) => st >= size && span / st <= maxLabels) || span;
  const out = [];
  buckets.forEach((b, i) => {
    const t = new Date(b.start).getTime();
    const local = t / 1000 + offsetMinutes(zone, t) * 60;
    if (local % step === 0) out.push(i);
  });
  if (out.length >= 2) return { idx: out, step };
  const every = Math.max(1, Math.ceil(buckets.length / maxLabels));
  return { idx: buckets.map((_, i) => i).filter((i) => i % every === 0), step: every * size };
}

export function renderChart(el, data, { zone, onZoom, tooltip }) {
  clear(el);
  const width = Math.max(320, el.clientWidth - 28);
  const svg = s('svg', { width, height: HEIGHT, role: 'img', 'aria-label': 'Count of matching events over time' });
  el.append(svg);
  const buckets = data.buckets || [];
  const plotW = width - M.left - M.right;
  const plotH = HEIGHT - M.top - M.bottom;
  const max = niceMax(Math.max(0, ...buckets.map((b) => b.count)));
  const bw = buckets.length ? plotW / buckets.length : plotW;
  const y = (v) => M.top + plotH - (v / max) * plotH;

  const axis = s('g', { class: 'axis' });
  for (const t of [0, max / 2, max]) {
    const yy = Math.round(y(t)) + 0.5;
    axis.append(s('line', { class: t === 0 ? 'base-line' : 'grid-line', x1: M.left, x2: width - M.right, y1: yy, y2: yy }));
    axis.append(s('text', { x: M.left - 6, y: yy + 4, 'text-anchor': 'end' }, fmtCount(Math.round(t))));
  }
  const size = data.bucketSeconds;
  const withDate = (new Date(data.until) - new Date(data.since)) > 86400e3 * 1.5;
  const labels = labelIndexes(buckets, zone, plotW, size);
  for (const i of labels.idx) {
    const x = M.left + i * bw;
    if (x + 78 > width) continue; // a label that would be cut off at the right edge
    const t = buckets[i].start;
    const hm = fmtTime(t, zone, false);
    const label = labels.step >= 86400 || (!withDate && hm === '00:00') ? fmtShort(t, zone, false)
      : withDate ? fmtShort(t, zone) : hm;
    axis.append(s('line', { class: 'grid-line', x1: x, x2: x, y1: M.top + plotH, y2: M.top + plotH + 4 }));
    axis.append(s('text', { x, y: HEIGHT - 6, 'text-anchor': 'start' }, label));
  }
  svg.append(axis);

  const bars = s('g', { class: 'bars' });
  buckets.forEach((b, i) => {
    if (!b.count) return;
    const top = y(b.count);
    bars.append(s('rect', { class: 'bar', x: M.left + i * bw + (bw > 4 ? 0.5 : 0), y: top,
      width: Math.max(1, bw - (bw > 4 ? 1 : 0)), height: Math.max(1, M.top + plotH - top), 'data-i': i,
      'data-count': b.count }));
  });
  svg.append(bars);
  if (!buckets.some((b) => b.count)) {
    svg.append(s('text', { class: 'empty-text', x: M.left + plotW / 2, y: M.top + plotH / 2, 'text-anchor': 'middle' },
      'No events match in this range'));
  }

  // Interaction layer: hover tooltip, drag to select buckets.
  const plot = s('rect', { class: 'plot', x: M.left, y: M.top, width: plotW, height: plotH, fill: 'transparent' });
  const brush = s('rect', { class: 'brush', x: 0, y: M.top, width: 0, height: plotH, visibility: 'hidden' });
  svg.append(brush, plot);
  const indexAt = (ev) => {
    const r = svg.getBoundingClientRect();
    return Math.min(buckets.length - 1, Math.max(0, Math.floor((ev.clientX - r.left - M.left) / bw)));
  };
  const end = (i) => new Date(new Date(buckets[i].start).getTime() + size * 1000);
  const clamp = (d) => new Date(Math.min(d.getTime(), new Date(data.until).getTime()));
  let dragFrom = null;
  plot.addEventListener('pointerdown', (ev) => {
    if (!buckets.length) return;
    dragFrom = indexAt(ev);
    plot.setPointerCapture(ev.pointerId);
    draw(dragFrom, dragFrom);
  });
  const draw = (a, b) => {
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    brush.setAttribute('x', M.left + lo * bw);
    brush.setAttribute('width', (hi - lo + 1) * bw);
    brush.setAttribute('visibility', 'visible');
  };
  plot.addEventListener('pointermove', (ev) => {
    if (!buckets.length) return;
    const i = indexAt(ev);
    if (dragFrom !== null) draw(dragFrom, i);
    const b = buckets[i];
    const from = new Date(b.start);
    const label = size >= 86400 ? fmtShort(from, zone, false) : `${fmtShort(from, zone)} – ${fmtTime(clamp(end(i)), zone, false)}`;
    tooltip.show(ev.clientX, ev.clientY, `${label} · ${fmtCount(b.count)} events`);
  });
  plot.addEventListener('pointerleave', () => tooltip.hide());
  plot.addEventListener('pointerup', (ev) => {
    if (dragFrom === null) return;
    const i = indexAt(ev);
    const lo = Math.min(dragFrom, i);
    const hi = Math.max(dragFrom, i);
    dragFrom = null;
    brush.setAttribute('visibility', 'hidden');
    tooltip.hide();
    const since = new Date(Math.max(new Date(buckets[lo].start).getTime(), new Date(data.since).getTime()));
    onZoom(since, clamp(end(hi)));
  });
}

export function tooltip(el) {
  return {
    show(x, y, text) {
      el.textContent = text;
      el.hidden = false;
      const w = el.offsetWidth;
      el.style.left = `${Math.min(window.innerWidth - w - 8, x + 12)}px`;
      el.style.top = `${y - 34}px`;
    },
    hide() { el.hidden = true; },
  };
}
