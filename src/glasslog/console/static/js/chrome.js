// The top bar shared by every page: product, navigation, who is signed in (org, role) and sign-out.
// Also the page guard: nobody signed in → the sign-in page. The analyst pages (alerts, investigations) use it
// too, so an analyst moves between the log and the alerts from one bar, and they learn the role from it.

import { session, signOut, toSignIn } from './api.js';
import { $, h } from './dom.js';

export const ROLE_LABELS = { SUPER_ADMIN: 'Super admin', READ_ONLY_ADMIN: 'Read-only admin' };

export async function signedIn(active) {
  const info = await session();
  if (!info) { toSignIn(); return null; }
  const bar = $('#topbar');
  const link = (href, text, key) => h(`a${active === key ? '.active' : ''}`, { href }, text);
  bar.append(
    h('a.brand', { href: '/' }, h('span.logo', { 'aria-hidden': 'true' }), 'glasslog'),
    h('nav.nav', link('/', 'System Log', 'log'), link('/alerts', 'Alerts', 'alerts'),
      link('/console/event-types', 'Event types', 'types')),
    h('div.who',
      h('span', { title: 'Org' }, info.org),
      h(`span.role${info.role === 'READ_ONLY_ADMIN' ? '.readonly' : ''}`, ROLE_LABELS[info.role] || info.role),
      h('span.muted', info.name),
      h('button.link-btn#signout', { type: 'button', on: { click: async () => { await signOut(); location.assign('/console/signin'); } } }, 'Sign out')));
  document.body.classList.remove('loading');
  return info;
}
