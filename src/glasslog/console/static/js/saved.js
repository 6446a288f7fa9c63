// Saved searches of the org: a menu listing them (load one = set the page to its state) and a Save button.
// Everyone in the org lists and opens them; only a super admin may save or delete one, so a read-only admin
// sees neither the Save button nor a delete control (the server refuses their writes with a 403 as well).

import { getJSON, send } from './api.js';
import { $, clear, h, toast } from './dom.js';
import { PRESET_LABELS } from './state.js';

export class SavedSearches {
  constructor(el, { getState, onOpen, canWrite = false }) {
    this.el = el;
    this.getState = getState;
    this.onOpen = onOpen;
    this.canWrite = canWrite;
    this.menu = h('div.menu#saved-menu', { hidden: true });
    this.toggle = h('button.btn#saved-open', { type: 'button', on: { click: () => this.openMenu() } }, 'Saved searches ▾');
    this.save = canWrite ? h('button.btn#save-search', { type: 'button', on: { click: () => this.openSave() } }, 'Save search') : null;
    el.append(...[this.toggle, this.save, this.menu].filter(Boolean));
    document.addEventListener('click', (e) => { if (!el.contains(e.target)) this.menu.hidden = true; });
    const dialog = $('#save-dialog');
    $('#save-cancel').addEventListener('click', () => dialog.close());
    $('#save-form').addEventListener('submit', (e) => { e.preventDefault(); this.create(); });
  }

  async openMenu() {
    if (!this.menu.hidden) { this.menu.hidden = true; return; }
    clear(this.menu).append(h('div.m-empty', 'Loading…'));
    this.menu.hidden = false;
    const { searches } = await getJSON('/api/glasslog/saved-searches');
    clear(this.menu);
    if (!searches.length) {
      this.menu.append(h('div.m-empty', this.canWrite ? 'No saved searches yet. Use “Save search” to keep this one.'
        : 'No saved searches yet. A super admin can save searches for the org.'));
    }
    for (const ss of searches) {
      const summary = ss.filter || (ss.q ? `keywords: ${ss.q}` : 'all events');
      const range = ss.range === 'custom' ? 'custom range' : PRESET_LABELS[ss.range || '7d'];
      this.menu.append(h('div.m-item', { dataset: { id: ss.id }, on: { click: () => { this.menu.hidden = true; this.onOpen(ss); } } },
        h('div.m-main', h('div.m-name', ss.name), h('div.m-sub', summary), h('div.m-sub', `${range}${ss.tz ? ` · ${ss.tz}` : ''}`)),
        this.canWrite && ss.canDelete ? h('button.icon-btn', { type: 'button', title: 'Delete this saved search', 'aria-label': `Delete ${ss.name}`,
          on: { click: (e) => { e.stopPropagation(); this.remove(ss); } } }, '×') : null));
    }
  }

  openSave() {
    if (!this.canWrite) return;
    const st = this.getState();
    $('#save-name').value = '';
    $('#save-summary').textContent = `${st.filter || (st.q ? `keywords: ${st.q}` : 'All events')} · ${PRESET_LABELS[st.range]} · ${st.tz}`;
    $('#save-dialog').showModal();
    $('#save-name').focus();
  }

  async create() {
    const st = this.getState();
    const name = $('#save-name').value.trim();
    if (!name) return;
    const body = { name, filter: st.filter, q: st.q, range: st.range, tz: st.tz };
    if (st.range === 'custom') { body.since = st.since; body.until = st.until; }
    try {
      await send('POST', '/api/glasslog/saved-searches', body);
      $('#save-dialog').close();
      toast(`Saved “${name}”`);
    } catch (err) {
      toast(`Could not save: ${err.message}`);
    }
  }

  async remove(ss) {
    await send('DELETE', `/api/glasslog/saved-searches/${encodeURIComponent(ss.id)}`);
    toast(`Deleted “${ss.name}”`);
    this.menu.hidden = true;
  }
}
