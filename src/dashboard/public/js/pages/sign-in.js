// Sign-in: an API key, checked against the API, kept in sessionStorage only
// (gone when the tab closes; never in a URL).
import { ApiError, api, session } from '../api.js';
import { h, mount } from '../dom.js';

/** @param {HTMLElement} main @param {() => Promise<void>} onSignedIn */
export function renderSignIn(main, onSignedIn) {
  const input = h('input', {
    id: 'api-key',
    name: 'api-key',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    'aria-describedby': 'api-key-hint',
  });
  const error = h('p', { class: 'field-error', id: 'api-key-error', role: 'alert' });
  const form = h(
    'form',
    {
      class: 'panel narrow',
      novalidate: true,
      onsubmit: async (/** @type {SubmitEvent} */ e) => {
        e.preventDefault();
        const key = /** @type {HTMLInputElement} */ (input).value.trim();
        error.textContent = '';
        if (!key) {
          error.textContent = 'Enter an API key.';
          input.setAttribute('aria-invalid', 'true');
          input.focus();
          return;
        }
        try {
          try {
            await api('GET', '/endpoints?limit=1', undefined, key);
          } catch (err) {
            // A valid key without access to endpoints still signs in; pages show what it may see.
            if (!(err instanceof ApiError && err.status === 403)) throw err;
          }
          session.set(key);
          await onSignedIn();
        } catch (err) {
          session.clear();
          error.textContent =
            err instanceof ApiError ? err.message : `Herald did not answer: ${String(err)}`;
          input.setAttribute('aria-invalid', 'true');
          input.focus();
        }
      },
    },
    h('div', { class: 'field' }, h('label', { for: 'api-key' }, 'API key'), input),
    h(
      'p',
      { class: 'hint', id: 'api-key-hint' },
      'Create one with ',
      h('code', null, 'npx herald keys create'),
      ' (add ',
      h('code', null, '--admin'),
      ' to manage keys here too). The dashboard sees what this key’s tenant sees, and forgets the key when the tab closes.',
    ),
    error,
    h('button', { type: 'submit' }, 'Sign in'),
  );
  mount(main, h('h1', null, 'Sign in to Herald'), form);
  input.focus();
}
