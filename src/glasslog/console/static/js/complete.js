// What the caret position in a filter expression expects next (a field, an operator, a value or a logical
// word) and the partial word to complete. A forgiving scanner of Okta's filter grammar: it never fails,
// because the text being typed is by nature incomplete.

const OPS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'sw', 'ew', 'co', 'pr']);
const LOGIC = new Set(['and', 'or']);

/** Tokens of `text`: {type: 'str'|'paren'|'word', text, start, end, closed}. */
export function scan(text) {
  const out = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) { i += 1; continue; }
    if (c === '(' || c === ')') { out.push({ type: 'paren', text: c, start: i, end: i + 1 }); i += 1; continue; }
    if (c === '"') {
      let j = i + 1;
      let closed = false;
      while (j < text.length) {
        if (text[j] === '\\') { j += 2; continue; }
        if (text[j] === '"') { closed = true; j += 1; break; }
        j += 1;
      }
      out.push({ type: 'str', text: text.slice(i, Math.min(j, text.length)), start: i, end: Math.min(j, text.length), closed });
      i = j;
      continue;
    }
    let j = i;
    while (j < text.length && !/[\s()"]/.test(text[j])) j += 1;
    out.push({ type: 'word', text: text.slice(i, j), start: i, end: j });
    i = j;
  }
  return out;
}

/**
 * The completion context at `caret`:
 * {expect: 'field'|'op'|'value'|'logic', prefix, start, end, field}
 * where [start, end) is the text a chosen suggestion replaces.
 */
export function contextAt(text, caret) {
  const tokens = scan(text);
  let current = null; // the token the caret is in (or right after)
  const before = [];
  for (const t of tokens) {
    if (t.end < caret || (t.end === caret && t.type === 'paren') || (t.end === caret && t.type === 'str' && t.closed)) {
      before.push(t);
    } else if (t.start < caret && caret <= t.end) {
      current = t;
    }
  }
  let expect = 'field';
  let field = null;
  for (const t of before) {
    const low = t.text.toLowerCase();
    if (t.type === 'paren') { expect = t.text === '(' ? 'field' : 'logic'; continue; }
    if (expect === 'field') {
      if (t.type === 'word' && low === 'not') continue;
      field = t.text; expect = 'op';
    } else if (expect === 'op') {
      expect = low === 'pr' ? 'logic' : OPS.has(low) ? 'value' : 'op';
    } else if (expect === 'value') {
      expect = 'logic';
    } else if (expect === 'logic') {
      expect = LOGIC.has(low) ? 'field' : 'logic';
    }
  }
  const start = current ? current.start : caret;
  const prefix = current ? text.slice(current.start, caret) : '';
  return { expect, prefix, start, end: current ? current.end : caret, field };
}

/** The value literal without its quotes, for matching suggestions. */
export function unquote(prefix) {
  return prefix.startsWith('"') ? prefix.slice(1).replace(/"$/, '') : prefix;
}
