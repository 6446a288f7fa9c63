// Time zones: every time on the page is shown in the zone the user picked (kept in the URL as `tz`).
// Uses only the browser's Intl data (IANA zones), so nothing is downloaded.

const formatters = new Map();

function formatter(zone, key, options) {
  const id = `${zone}|${key}`;
  let f = formatters.get(id);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', ...options });
    formatters.set(id, f);
  }
  return f;
}

const FULL = { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  fractionalSecondDigits: 3 };

function parts(date, zone) {
  const out = {};
  for (const p of formatter(zone, 'full', FULL).formatToParts(date)) out[p.type] = p.value;
  if (out.hour === '24') out.hour = '00';
  return out;
}

export function toDate(value) { return value instanceof Date ? value : new Date(value); }

export function isValidZone(zone) {
  try { new Intl.DateTimeFormat('en-US', { timeZone: zone }); return true; } catch { return false; }
}

export function browserZone() {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch { return 'UTC'; }
}

export function allZones() {
  let zones = [];
  try { zones = Intl.supportedValuesOf('timeZone'); } catch { zones = []; }
  return ['UTC', ...zones.filter((z) => z !== 'UTC')];
}

/** `2024-08-13 15:58:20.353` in the zone. */
export function fmtFull(value, zone) {
  const p = parts(toDate(value), zone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}.${p.fractionalSecond}`;
}

export function fmtDate(value, zone) {
  const p = parts(toDate(value), zone);
  return `${p.year}-${p.month}-${p.day}`;
}

export function fmtTime(value, zone, seconds = true) {
  const p = parts(toDate(value), zone);
  return seconds ? `${p.hour}:${p.minute}:${p.second}` : `${p.hour}:${p.minute}`;
}

/** `Aug 13 15:00` style axis / range labels. */
export function fmtShort(value, zone, withTime = true) {
  const o = withTime ? { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' } : { month: 'short', day: 'numeric' };
  return formatter(zone, withTime ? 'short' : 'day', o).format(toDate(value)).replace(',', '');
}

/** Minutes east of UTC of the zone at an instant. */
export function offsetMinutes(zone, value) {
  const d = toDate(value);
  const p = parts(d, zone);
  const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second, +p.fractionalSecond);
  return Math.round((asUtc - Math.floor(d.getTime())) / 60000);
}

/** `UTC−05:00`. */
export function offsetLabel(zone, value = new Date()) {
  const m = offsetMinutes(zone, value);
  const sign = m < 0 ? '−' : '+';
  const a = Math.abs(m);
  return `UTC${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/** A `datetime-local` value (`YYYY-MM-DDTHH:MM[:SS]`) read as wall time in the zone → Date. */
export function zonedInputToDate(text, zone) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(text || '');
  if (!m) return null;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
  let guess = wall - offsetMinutes(zone, new Date(wall)) * 60000;
  guess = wall - offsetMinutes(zone, new Date(guess)) * 60000; // settle across a DST edge
  return new Date(guess);
}

/** Date → `datetime-local` value in the zone. */
export function dateToZonedInput(value, zone) {
  const p = parts(toDate(value), zone);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
}

/** RFC 3339 UTC with milliseconds (what the API takes). */
export function iso(value) { return toDate(value).toISOString(); }
