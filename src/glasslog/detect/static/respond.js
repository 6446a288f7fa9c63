// What an analyst records on an alert: notes (any reader may write them, like investigation notes) and response
// actions (admins only, as the server enforces). Controls a role may not use are not shown at all: a read-only
// admin should not meet buttons that can only answer 403.

/** HTML-escape a value for the pages' template strings (shared with detect.js). */
export const esc = (v) => String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

/** Whether the signed-in role may change alerts and record actions (the server's ADMIN_ROLES). */
export const canAdminister = (info) => info?.role === 'SUPER_ADMIN';

/** Show the `.admin-only` controls to admins; they stay hidden (and inert) for everyone else. */
export function gateControls(info) {
  const admin = canAdminister(info);
  document.querySelectorAll('.admin-only').forEach((el) => { el.hidden = !admin; });
  return admin;
}

export function noteItems(notes) {
  return (notes || []).map((n) => `<li>${esc(n.at)} (${esc(n.by)}): ${esc(n.text)}</li>`).join('');
}

export function actionItems(actions) {
  return (actions || []).map((a) => `<li>${esc(a.at)} <b>${esc(a.action)}</b> on <code>${esc(a.subject)}</code>`
    + ` by ${esc(a.by)} — ${esc(a.status)}${a.comment ? `: ${esc(a.comment)}` : ''}</li>`).join('');
}

/** The user or IP the alert is about: the natural subject of a containment action. */
function subjectOf(alert) {
  const g = alert.group || {};
  return g['actor.alternateId'] || g['client.ipAddress'] || (alert.details || {}).ip || '';
}

/** Wire the alert page's note and action forms; `api` is the page's fetch helper, `admin` from gateControls. */
export async function alertForms(api, alert, admin) {
  const base = `/api/glasslog/alerts/${encodeURIComponent(alert.id)}`;
  document.querySelector('#a-notes').innerHTML = noteItems(alert.notes);
  document.querySelector('#a-actions').innerHTML = actionItems(alert.actions);
  document.querySelector('#a-add-note').addEventListener('submit', async (e) => {
    e.preventDefault();
    await api('POST', `${base}/notes`, { text: new FormData(e.target).get('text') });
    location.reload();
  });
  if (!admin) return;
  const form = document.querySelector('#a-add-action');
  const { actions } = await api('GET', '/api/glasslog/response-actions');
  form.querySelector('select').innerHTML = Object.entries(actions).map(([k, v]) => `<option value="${esc(k)}">${esc(v)}</option>`).join('');
  form.querySelector('[name=subject]').value = subjectOf(alert);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    await api('POST', `${base}/actions`, { action: f.get('action'), subject: f.get('subject'), comment: f.get('comment') });
    location.reload();
  });
}
