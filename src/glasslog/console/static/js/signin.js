// Sign-in: exchange an API token for the console's session cookie, then go where the user was headed.

import { ApiError, session, signIn } from './api.js';
import { $ } from './dom.js';

function target() {
  const next = new URLSearchParams(location.search).get('next') || '/';
  return next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

async function main() {
  if (await session()) { location.replace(target()); return; }
  const form = $('#signin-form');
  const error = $('#signin-error');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.hidden = true;
    const token = $('#token').value.trim();
    if (!token) return;
    $('#signin-submit').disabled = true;
    try {
      await signIn(token);
      location.assign(target());
    } catch (err) {
      error.textContent = err instanceof ApiError && err.status === 401
        ? 'That token is not valid (or was revoked).' : `Could not sign in: ${err.message}`;
      error.hidden = false;
      $('#signin-submit').disabled = false;
    }
  });
}

main();
