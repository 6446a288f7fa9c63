// The full event as a collapsible JSON tree. Leaf values are clickable into the filter (`path eq value`);
// array positions are dropped from the path, since the filter language matches any element.

import { h } from './dom.js';

function leaf(value) {
  if (value === null) return h('span.z', 'null');
  if (typeof value === 'string') return h('span.s', JSON.stringify(value));
  if (typeof value === 'number') return h('span.n', String(value));
  if (typeof value === 'boolean') return h('span.b', String(value));
  return h('span', JSON.stringify(value));
}

function node(key, value, path, onPick, depth) {
  const label = key === null ? null : h('span.k', `${JSON.stringify(key)}: `);
  if (value && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    const open = depth < 2 || entries.length <= 4;
    const brackets = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
    if (!entries.length) return h('div.leaf', label, h('span.z', brackets.join('')));
    const det = h('details', { open }, h('summary', label, brackets[0],
      h('span.count', ` ${entries.length} ${Array.isArray(value) ? 'items' : 'keys'} `), ''));
    for (const [k, v] of entries) {
      const childPath = Array.isArray(value) ? path : path ? `${path}.${k}` : String(k);
      det.append(node(Array.isArray(value) ? null : k, v, childPath, onPick, depth + 1));
    }
    det.append(h('div', brackets[1]));
    return det;
  }
  const val = leaf(value);
  if (path && onPick && value !== '' && (typeof value !== 'object' || value === null)) {
    val.classList.add('v');
    val.title = `Add ${path} eq ${JSON.stringify(value)} to the filter`;
    val.addEventListener('click', (e) => { e.stopPropagation(); onPick(path, value); });
  }
  return h('div.leaf', label, val);
}

export function jsonTree(value, onPick) {
  return h('div.json', node(null, value, '', onPick, 0));
}

export function setAll(root, open) {
  for (const d of root.querySelectorAll('details')) d.open = open;
}

export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const ta = document.createElement('textarea');
    ta.value = text;
    document.body.append(ta);
    ta.select();
    const ok = document.execCommand('copy');
    ta.remove();
    return ok;
  }
}
