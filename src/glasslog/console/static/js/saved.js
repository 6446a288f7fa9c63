// Saved searches of the org: a menu listing them (load one = set the page to its state) and a Save button.
// Every role may save (a saved search is the reader's working state, not a change to the org); only the
// owner or a super admin sees the delete control.

import { getJSON, send } from './api.js';
import { $, clear, h, toast } from './dom.js';
import { PRESET_LABELS } from './state.js';

export class SavedSearches {
  constructor(el, { getState, onOpen }) {
    this.el = el;
    this.getState = getState;
    this.onOpen = onOpen;
    this.menu = h('div.menu#saved-menu', { hidden: true });
    this.toggle = h('button.btn#saved-open', { type: 'button', on: { click: () => this.openMenu() } }, 'Saved searches ▾');
    this.save = h('button.btn#save-search', { type: 'button', on: { click: () => this.openSave() } }, 'Save search');
    el.append(this.toggle, this.save, this.menu);
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
    if (!searches.length) this.menu.append(h('div.m-empty', 'No saved searches yet. Use “Save search” to keep this one.'));
    for (const ss of searches) {
      const summary = ss.filter || (ss.q ? `keywords: ${ss.q}` : 'all events');
      const range = ss.range === 'custom' ? 'custom range' : PRESET_LABELS[ss.range || '7d'];
      this.menu.append(h('div.m-item', { dataset: { id: ss.id }, on: { click: () => { this.menu.hidden = true; this.onOpen(ss); } } },
        h('div.m-main', h('div.m-name', ss.name), h('div.m-sub', summary), h('div.m-sub', `${range}${ss.tz ? ` · ${ss.tz}` : ''}`)),
        ss.mine || ss.canDelete ? h('button.icon-btn', { type: 'button', title: 'Delete this saved search', 'aria-label': `Delete ${ss.name}`,
          on: { click: (e) => { e.stopPropagation(); this.remove(ss); } } }, '×') : null));
    }
  }

  openSave() {
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
