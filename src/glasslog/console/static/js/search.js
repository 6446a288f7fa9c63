// The one search box: a filter expression or keywords, told apart by the server (`/api/glasslog/interpret`,
// the same parser the API uses), with autocomplete of fields (and their aliases), operators and the most
// frequent values of the field in the current range. Syntax errors are shown at their position.

import { getJSON } from './api.js';
import { contextAt, unquote } from './complete.js';
import { $, clear, debounce, fmtCount, h } from './dom.js';

let fieldsPromise = null;
/** The field table ({fields, operators}), fetched once per page. */
export function loadFields() {
  if (!fieldsPromise) fieldsPromise = getJSON('/api/glasslog/fields').catch((e) => { fieldsPromise = null; throw e; });
  return fieldsPromise;
}

export function findField(fields, name) {
  const key = (name || '').replace(/_/g, '').toLowerCase();
  return fields.find((f) => f.path.replace(/_/g, '').toLowerCase() === key
    || f.aliases.some((a) => a.replace(/_/g, '').toLowerCase() === key)) || null;
}

/** Field suggestions for a typed prefix: paths and aliases that start with it, then those containing it. */
export function matchFields(fields, prefix, limit = 14) {
  const p = prefix.toLowerCase();
  const scored = [];
  for (const f of fields) {
    const names = [f.path, ...f.aliases];
    let best = null;
    for (const n of names) {
      const low = n.toLowerCase();
      const score = !p ? 2 : low.startsWith(p) ? 0 : low.split('.').some((seg) => seg.startsWith(p)) ? 1
        : low.includes(p) ? 2 : null;
      if (score !== null && (best === null || score < best.score)) best = { score, via: n };
    }
    if (best && (p || f.popular)) scored.push({ f, ...best });
  }
  scored.sort((a, b) => a.score - b.score || (b.f.popular - a.f.popular));
  return scored.slice(0, limit);
}

export class SearchBox {
  /** @param {{onSubmit: (r) => void, rangeParams: () => object}} opts */
  constructor(opts) {
    this.opts = opts;
    this.input = $('#search-input');
    this.kind = $('#search-kind');
    this.box = $('#searchbox');
    this.list = $('#suggest');
    this.error = $('#search-error');
    this.items = [];
    this.active = -1;
    this.seq = 0;
    this.suggestSeq = 0;
    this.input.addEventListener('input', () => { this.clearError(); this.classify(); this.suggest(); });
    this.input.addEventListener('click', () => this.suggest());
    this.input.addEventListener('focus', () => { if (!this.quiet) this.suggest(); });
    this.input.addEventListener('keydown', (e) => this.onKey(e));
    this.input.addEventListener('blur', () => setTimeout(() => this.close(), 150));
    $('#search-go').addEventListener('click', () => this.submit());
    $('#search-clear').addEventListener('click', () => { this.input.value = ''; this.clearError(); this.submit(); });
    this.classify = debounce(this.classify.bind(this), 200);
    this.suggest = debounce(this.suggest.bind(this), 120);
  }

  get text() { return this.input.value; }

  set(text) {
    this.input.value = text || '';
    this.submitted = (text || '').trim();
    this.clearError();
    this.showKind(text ? null : { kind: 'empty' });
  }

  showKind(result) {
    const k = result ? result.kind : 'pending';
    const labels = { filter: 'Filter', keywords: 'Keywords', error: 'Error', empty: 'Search', pending: '…',
      incomplete: 'Filter…' };
    this.kind.textContent = labels[k] || 'Search';
    this.kind.className = `search-kind k-${k}`;
    this.kind.title = k === 'filter' ? 'Understood as a filter expression'
      : k === 'keywords' ? 'Understood as keywords (every word must match)'
        : k === 'incomplete' ? 'An unfinished filter expression' : 'How the search box is understood';
  }

  async classify() {
    const text = this.text.trim();
    if (!text) { this.showKind({ kind: 'empty' }); return null; }
    if (text === this.submitted) return null; // the submit's verdict stands
    const mine = ++this.seq;
    try {
      const r = await getJSON('/api/glasslog/interpret', { text });
      // While typing, an unfinished filter is not yet an error: say so quietly, and loudly on submit.
      if (mine === this.seq) this.showKind(r.kind === 'error' ? { kind: 'incomplete' } : r);
      return r;
    } catch { return null; }
  }

  async submit() {
    this.close();
    const text = this.text.trim();
    if (!text) { this.showKind({ kind: 'empty' }); this.opts.onSubmit({ kind: 'empty' }); return; }
    this.submitted = text;
    this.seq += 1; // a classification still in flight must not overwrite this verdict
    const r = await getJSON('/api/glasslog/interpret', { text });
    this.showKind(r);
    if (r.kind === 'error') { this.showError(r.message, r.position); return; }
    this.clearError();
    this.opts.onSubmit(r);
  }

  showError(message, position) {
    const text = this.text;
    clear(this.error);
    this.error.hidden = false;
    this.box.classList.add('has-error');
    const where = Number.isInteger(position) ? ` at position ${position}` : '';
    this.error.append(h('strong', 'Syntax error'), ` ${message}${where}`);
    if (Number.isInteger(position) && text) {
      const at = Math.min(position, text.length);
      const mark = text.slice(at, at + 1) || ' ';
      this.error.append(h('pre', text.slice(0, at), h('span.err-at', mark), text.slice(at + 1)));
      this.quiet = true; // put the caret at the error without covering the message with suggestions
      this.input.focus();
      this.input.setSelectionRange(at, at);
      this.quiet = false;
    }
  }

  clearError() { this.error.hidden = true; this.box.classList.remove('has-error'); }

  onKey(e) {
    const open = !this.list.hidden && this.items.length;
    if (e.key === 'ArrowDown' && open) { e.preventDefault(); this.move(1); }
    else if (e.key === 'ArrowUp' && open) { e.preventDefault(); this.move(-1); }
    else if ((e.key === 'Tab' || e.key === 'Enter') && open && this.active >= 0) { e.preventDefault(); this.choose(this.active); }
    else if (e.key === 'Escape') { this.close(); }
    else if (e.key === 'Enter') { e.preventDefault(); this.submit(); }
  }

  move(delta) {
    const n = this.items.length;
    let i = this.active;
    do { i = (i + delta + n) % n; } while (this.items[i].head && i !== this.active);
    this.setActive(i);
  }

  setActive(i) {
    this.active = i;
    [...this.list.children].forEach((li, j) => li.classList.toggle('active', j === i));
    const li = this.list.children[i];
    if (li) li.scrollIntoView({ block: 'nearest' });
  }

  close() { this.list.hidden = true; this.items = []; this.active = -1; }

  async suggest() {
    if (document.activeElement !== this.input) return;
    const text = this.text;
    const caret = this.input.selectionStart ?? text.length;
    const ctx = contextAt(text, caret);
    const mine = ++this.suggestSeq;
    let items = [];
    try {
      items = await this.itemsFor(ctx);
    } catch { items = []; }
    if (mine !== this.suggestSeq) return;
    this.render(items, ctx);
  }

  async itemsFor(ctx) {
    const { fields, operators } = await loadFields();
    if (ctx.expect === 'field') {
      if (!ctx.prefix && this.text.trim() && !/(\(|\band|\bor|\bnot)\s*$/i.test(this.text.slice(0, ctx.start))) return [];
      return [{ head: ctx.prefix ? 'Fields' : 'Common fields' },
        ...matchFields(fields, ctx.prefix).map(({ f, via }) => ({
          insert: f.path, main: f.path,
          note: via !== f.path ? `alias ${via}` : f.type + (f.array ? ' · any element' : ''),
        }))];
    }
    if (ctx.expect === 'op') {
      const f = findField(fields, ctx.field);
      const ops = (f ? f.operators : Object.keys(operators)).filter((o) => o.startsWith(ctx.prefix.toLowerCase()));
      return [{ head: `Operators${f ? ` for ${f.path}` : ''}` }, ...ops.map((o) => ({ insert: o, main: o, note: operators[o] }))];
    }
    if (ctx.expect === 'value') {
      const f = findField(fields, ctx.field);
      if (!f) return [];
      if (f.type === 'boolean') return [{ head: 'Values' }, { insert: 'true', main: 'true' }, { insert: 'false', main: 'false' }];
      const prefix = unquote(ctx.prefix);
      const r = await getJSON('/api/glasslog/fields/values', { field: f.path, prefix, limit: 12, ...this.opts.rangeParams() });
      const vals = r.values.map((v) => ({
        insert: typeof v.value === 'string' && f.type !== 'number' ? JSON.stringify(v.value) : String(v.value),
        main: typeof v.value === 'string' ? JSON.stringify(v.value) : String(v.value),
        note: `${fmtCount(v.count)} events`,
      }));
      return vals.length ? [{ head: `Most frequent ${f.path} in range` }, ...vals] : [];
    }
    const words = ['and', 'or'].filter((w) => w.startsWith(ctx.prefix.toLowerCase()));
    return words.length && this.text.trim() ? [{ head: 'Combine' }, ...words.map((w) => ({ insert: w, main: w }))] : [];
  }

  render(items, ctx) {
    clear(this.list);
    this.items = items;
    this.ctx = ctx;
    this.active = -1;
    if (!items.some((i) => !i.head)) { this.close(); return; }
    items.forEach((it, i) => {
      const li = it.head ? h('li.s-head', it.head)
        : h('li', { role: 'option', on: { mousedown: (e) => { e.preventDefault(); this.choose(i); } } },
          h('span.s-main', it.main), it.note ? h('span.s-note', it.note) : null);
      this.list.append(li);
    });
    this.list.hidden = false;
    this.setActive(items.findIndex((it) => !it.head));
  }

  choose(i) {
    const it = this.items[i];
    if (!it || it.head) return;
    const { start, end } = this.ctx;
    const text = this.text;
    const pre = text.slice(0, start);
    const glue = pre && !/[\s(]$/.test(pre) ? ' ' : '';
    const post = text.slice(end).replace(/^\s*/, '');
    const insert = `${glue}${it.insert} `;
    this.input.value = pre + insert + post;
    const caret = (pre + insert).length;
    this.input.setSelectionRange(caret, caret);
    this.input.focus();
    this.close();
    this.classify();
    this.suggest();
  }
}
