// The dashboard shell: sign-in gate, navigation and a hash router
// (#/events, #/streams, #/streams/new, #/streams/<id>/<tab>, #/keys).
// Each page renders into <main> and returns an optional cleanup function.
import { ApiError, api, session } from './api.js';
import { h, mount } from './dom.js';
import { renderEvents } from './pages/events.js';
import { renderKeys } from './pages/keys.js';
import { renderSignIn } from './pages/sign-in.js';
import { renderStream } from './pages/stream-detail.js';
import { renderNewStream } from './pages/stream-form.js';
import { renderStreams } from './pages/streams.js';

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const nav = /** @type {HTMLElement} */ (document.getElementById('nav'));
const navKeys = /** @type {HTMLElement} */ (document.getElementById('nav-keys'));
const signOut = /** @type {HTMLButtonElement} */ (document.getElementById('signout'));
const who = /** @type {HTMLElement} */ (document.getElementById('who'));

/** What the signed-in key may see: admin keys also manage API keys. */
export const access = { admin: false };

/** @type {(() => void) | void} */
let cleanup;

/** Learns whether the key is an admin key: GET /api-keys answers 403 otherwise. */
async function probeAccess() {
  try {
    await api('GET', '/api-keys');
    access.admin = true;
  } catch (err) {
    if (err instanceof ApiError && (err.status === 403 || err.status === 404)) access.admin = false;
    else throw err;
  }
}

function showChrome(signedIn) {
  nav.hidden = !signedIn;
  signOut.hidden = !signedIn;
  navKeys.hidden = !(signedIn && access.admin);
  const key = session.key();
  who.textContent = signedIn && key ? `key …${key.slice(-4)}${access.admin ? ' (admin)' : ''}` : '';
}

async function route() {
  if (typeof cleanup === 'function') cleanup();
  cleanup = undefined;
  if (!session.key()) {
    showChrome(false);
    cleanup = renderSignIn(main, async () => {
      await probeAccess();
      if (location.hash === '' || location.hash === '#/' || location.hash === '#/sign-in') {
        location.hash = '#/events';
      } else route();
    });
    return;
  }
  showChrome(true);
  const parts = location.hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter(Boolean)
    .map(decodeURIComponent);
  const [page = 'events', id, tab] = parts;
  for (const a of nav.querySelectorAll('a')) {
    if (a.dataset.nav === page) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  try {
    if (page === 'events') cleanup = renderEvents(main);
    else if (page === 'streams' && id === 'new') cleanup = renderNewStream(main);
    else if (page === 'streams' && id) cleanup = renderStream(main, id, tab ?? 'health');
    else if (page === 'streams') cleanup = renderStreams(main);
    else if (page === 'keys' && access.admin) cleanup = renderKeys(main);
    else
      mount(
        main,
        h('h1', null, 'Not found'),
        h('p', null, h('a', { href: '#/events' }, 'Go to events')),
      );
  } catch (err) {
    mount(main, h('p', { class: 'form-error', role: 'alert' }, String(err)));
  }
}

signOut.addEventListener('click', () => {
  session.clear();
  access.admin = false;
  location.hash = '#/sign-in';
  route();
});
window.addEventListener('herald:unauthorized', () => {
  session.clear();
  access.admin = false;
  route();
});
window.addEventListener('hashchange', () => {
  route();
  main.focus({ preventScroll: true });
});

(async () => {
  if (session.key()) {
    try {
      await probeAccess();
    } catch {
      // An unreachable server shows up on the page itself.
    }
  }
  route();
})();
