// The Advanced filters dialog: rows of field / operator / value joined by and/or, turned into one filter
// expression. Fields come from the field table (with a suggestion list), values from the most frequent values
// of the chosen field in the current range. Opening it on a simple filter fills the rows from it.

import { getJSON } from './api.js';
import { scan } from './complete.js';
import { $, clear, h } from './dom.js';
import { findField, loadFields } from './search.js';

/** A flat `a op v (and|or) b op v ...` filter → rows, or null when it has parentheses or `not`. */
export function parseRows(filter) {
  const toks = scan(filter || '');
  if (!toks.length) return [];
  const rows = [];
  let i = 0;
  let join = 'and';
  while (i < toks.length) {
    const [f, op] = [toks[i], toks[i + 1]];
    if (!f || !op || f.type !== 'word' || op.type !== 'word' || f.text.toLowerCase() === 'not') return null;
    const o = op.text.toLowerCase();
    let value = '';
    if (o === 'pr') i += 2;
    else {
      const v = toks[i + 2];
      if (!v || v.type === 'paren') return null;
      value = v.type === 'str' ? JSON.parse(v.closed ? v.text : `${v.text}"`) : v.text;
      i += 3;
    }
    rows.push({ join, field: f.text, op: o, value, raw: toks[i - 1] && toks[i - 1].type === 'word' && o !== 'pr' });
    if (i < toks.length) {
      const j = toks[i].text.toLowerCase();
      if (toks[i].type !== 'word' || (j !== 'and' && j !== 'or')) return null;
      join = j;
      i += 1;
    }
  }
  return rows;
}

export function literal(value, type, raw) {
  if (raw || type === 'number' || type === 'boolean') {
    const t = String(value).trim();
    if (/^(true|false|null|-?\d+(\.\d+)?)$/i.test(t)) return t;
  }
  return JSON.stringify(String(value));
}

export function buildExpression(rows, fields) {
  return rows.filter((r) => r.field && r.op).map((r, i) => {
    const f = findField(fields, r.field);
    const cond = r.op === 'pr' ? `${r.field} pr` : `${r.field} ${r.op} ${literal(r.value, f && f.type, r.raw)}`;
    return i ? `${r.join} ${cond}` : cond;
  }).join(' ');
}

export class AdvancedFilter {
  constructor({ getFilter, rangeParams, onApply }) {
    this.getFilter = getFilter;
    this.rangeParams = rangeParams;
    this.onApply = onApply;
    this.dialog = $('#advanced');
    this.rowsEl = $('#advanced-rows');
    this.preview = $('#advanced-preview');
    $('#advanced-open').addEventListener('click', () => this.open());
    $('#advanced-add').addEventListener('click', () => { this.addRow({ join: 'and', field: '', op: 'eq', value: '' }); this.update(); });
    $('#advanced-cancel').addEventListener('click', () => this.dialog.close());
    $('#advanced-form').addEventListener('submit', (e) => { e.preventDefault(); this.dialog.close(); this.onApply(this.expression()); });
  }

  async open() {
    const { fields, operators } = await loadFields();
    this.fields = fields;
    this.operators = operators;
    clear(this.rowsEl);
    let list = $('#adv-fields');
    if (!list) {
      list = h('datalist#adv-fields', fields.map((f) => h('option', { value: f.path })));
      this.dialog.append(list);
    }
    const rows = parseRows(this.getFilter());
    if (rows && rows.length) rows.forEach((r) => this.addRow(r));
    else {
      if (this.getFilter()) this.addRow({ join: 'and', field: '', op: 'eq', value: '', note: true });
      else this.addRow({ join: 'and', field: 'eventType', op: 'eq', value: '' });
    }
    this.keep = rows === null ? this.getFilter() : '';
    this.update();
    this.dialog.showModal();
  }

  addRow(r) {
    const first = !this.rowsEl.children.length;
    const join = first ? h('span.adv-join-first', 'where')
      : h('select.adv-join', { 'aria-label': 'Join' }, h('option', { value: 'and' }, 'and'), h('option', { value: 'or' }, 'or'));
    if (!first) join.value = r.join || 'and';
    const field = h('input.adv-field', { type: 'text', list: 'adv-fields', placeholder: 'field, e.g. eventType', value: r.field,
      spellcheck: 'false', 'aria-label': 'Field' });
    const op = h('select.adv-op', { 'aria-label': 'Operator' });
    const valueList = h('datalist', { id: `adv-values-${Math.random().toString(36).slice(2)}` });
    const value = h('input.adv-value', { type: 'text', placeholder: 'value', value: r.value ?? '', list: valueList.id,
      spellcheck: 'false', 'aria-label': 'Value' });
    const remove = h('button.icon-btn', { type: 'button', title: 'Remove condition', 'aria-label': 'Remove condition' }, '×');
    const row = h('div.adv-row', join, field, op, value, remove, valueList);
    row.raw = !!r.raw;
    const fillOps = () => {
      const f = findField(this.fields, field.value);
      const ops = f ? f.operators : Object.keys(this.operators);
      const keep = op.value || r.op;
      clear(op);
      for (const o of ops) op.append(h('option', { value: o }, `${o} — ${this.operators[o]}`));
      op.value = ops.includes(keep) ? keep : ops[0];
      value.disabled = op.value === 'pr';
    };
    const fillValues = async () => {
      const f = findField(this.fields, field.value);
      clear(valueList);
      if (!f || f.type === 'boolean') return;
      try {
        const res = await getJSON('/api/glasslog/fields/values', { field: f.path, limit: 20, ...this.rangeParams() });
        for (const v of res.values) valueList.append(h('option', { value: String(v.value) }, `${v.count} events`));
      } catch { /* suggestions are optional */ }
    };
    fillOps();
    fillValues();
    field.addEventListener('change', () => { fillOps(); fillValues(); this.update(); });
    field.addEventListener('input', () => { fillOps(); this.update(); });
    for (const el of [op, value, join]) el.addEventListener('input', () => { row.raw = false; value.disabled = op.value === 'pr'; this.update(); });
    remove.addEventListener('click', () => { row.remove(); this.fixFirst(); this.update(); });
    this.rowsEl.append(row);
  }

  fixFirst() {
    const first = this.rowsEl.firstElementChild;
    if (first && first.firstElementChild.tagName === 'SELECT') first.firstElementChild.replaceWith(h('span.adv-join-first', 'where'));
  }

  rows() {
    return [...this.rowsEl.children].map((row) => ({
      join: row.querySelector('.adv-join') ? row.querySelector('.adv-join').value : 'and',
      field: row.querySelector('.adv-field').value.trim(),
      op: row.querySelector('.adv-op').value,
      value: row.querySelector('.adv-value').value,
      raw: row.raw,
    }));
  }

  expression() {
    const built = buildExpression(this.rows(), this.fields);
    if (this.keep && built) return `(${this.keep}) and (${built})`;
    return built || this.keep || '';
  }

  update() { this.preview.textContent = this.expression() || '(no conditions: every event)'; }
}
