// Calls to the glasslog server. The session cookie authenticates; state-changing requests echo the CSRF value
// the session handed out (the server checks it), so another site cannot act with the user's cookie.

let csrf = null;

export class ApiError extends Error {
  constructor(status, body) {
    const causes = (body && body.errorCauses || []).map((c) => c.errorSummary).filter(Boolean);
    super(causes[0] || (body && body.errorSummary) || `HTTP ${status}`);
    this.status = status;
    this.code = body && body.errorCode;
    this.summary = body && body.errorSummary;
    this.causes = causes;
  }
}

async function handle(resp) {
  if (resp.status === 204) return null;
  const text = await resp.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = null; }
  if (!resp.ok) {
    if (resp.status === 401 && !location.pathname.startsWith('/console/signin')) toSignIn();
    throw new ApiError(resp.status, body);
  }
  return body;
}

export function toSignIn() {
  const next = location.pathname + location.search;
  location.assign(`/console/signin?next=${encodeURIComponent(next)}`);
}

/** URLSearchParams without empty values. */
export function qs(params) {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') out.set(k, v);
  return out.toString();
}

export async function getJSON(path, params = {}, signal) {
  const q = qs(params);
  const resp = await fetch(q ? `${path}?${q}` : path, { credentials: 'same-origin', signal,
    headers: { Accept: 'application/json' } });
  return handle(resp);
}

export async function send(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (csrf) headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const resp = await fetch(path, { method, credentials: 'same-origin', headers,
    body: body === undefined ? undefined : JSON.stringify(body) });
  return handle(resp);
}

/** The signed-in session ({org, role, name, csrf}) or null. */
export async function session() {
  const resp = await fetch('/api/glasslog/session', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (resp.status === 401) return null;
  const info = await handle(resp);
  csrf = info && info.csrf;
  return info;
}

export async function signIn(token) {
  const resp = await fetch('/api/glasslog/session', { method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify({ token }) });
  const info = await handle(resp);
  csrf = info && info.csrf;
  return info;
}

export async function signOut() {
  await send('DELETE', '/api/glasslog/session');
  csrf = null;
}

/** `link: <url>; rel="self", <url>; rel="next"` (fetch joins repeated headers with commas). */
export function parseLinks(header) {
  const out = {};
  if (!header) return out;
  const re = /<([^>]*)>\s*;\s*rel="?([^",;]+)"?/g;
  let m;
  while ((m = re.exec(header))) out[m[2]] = m[1];
  return out;
}

/** One page of the Okta API's events: a first request from params, or a `next` link as given. */
export async function logsPage(paramsOrUrl, signal) {
  const url = typeof paramsOrUrl === 'string' ? paramsOrUrl : `/api/v1/logs?${qs(paramsOrUrl)}`;
  const resp = await fetch(url, { credentials: 'same-origin', signal, headers: { Accept: 'application/json' } });
  const events = await handle(resp);
  const links = parseLinks(resp.headers.get('link'));
  let next = links.next || null;
  if (next) { // keep it same-origin and relative: the server may know itself by another name behind a proxy
    try { const u = new URL(next, location.href); next = u.pathname + u.search; } catch { next = null; }
  }
  return { events: events || [], next };
}
