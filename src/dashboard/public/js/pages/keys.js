// API keys (admin keys only): create (the key is shown once), list, revoke.
import { ApiError, api } from '../api.js';
import { badge, fmtTime, h, mount, toast } from '../dom.js';

/** @param {HTMLElement} main */
export function renderKeys(main) {
  const tbody = h('tbody');
  const created = h('div', { 'aria-live': 'polite' });
  const error = h('p', { class: 'field-error', role: 'alert' });

  async function load() {
    try {
      const list = await api('GET', '/api-keys');
      tbody.replaceChildren(
        ...list.data.map((k) =>
          h(
            'tr',
            { 'data-key-id': k.id },
            h('td', null, k.name),
            h('td', null, k.tenant),
            h('td', { class: 'hide-narrow' }, h('code', null, k.hint)),
            h(
              'td',
              null,
              k.revoked_at
                ? badge('revoked', 'neutral')
                : k.admin
                  ? badge('admin', 'warn')
                  : badge('active', 'ok'),
            ),
            h('td', { class: 'hide-narrow' }, fmtTime(k.created_at)),
            h(
              'td',
              null,
              k.revoked_at
                ? fmtTime(k.revoked_at)
                : h(
                    'button',
                    {
                      type: 'button',
                      class: 'danger',
                      'aria-label': `Revoke ${k.name} (${k.hint})`,
                      onclick: () => revoke(k),
                    },
                    'Revoke',
                  ),
            ),
          ),
        ),
      );
    } catch (err) {
      error.textContent = err instanceof ApiError ? err.message : String(err);
    }
  }

  async function revoke(k) {
    if (!window.confirm(`Revoke ${k.name} (${k.hint})? It stops working at once.`)) return;
    try {
      await api('DELETE', `/api-keys/${encodeURIComponent(k.id)}`);
      toast('Key revoked');
      load();
    } catch (err) {
      toast(err instanceof ApiError ? err.message : String(err));
    }
  }

  const input = (id, label, attrs = {}) =>
    h(
      'div',
      null,
      h('label', { for: id }, label),
      h('input', { id, type: 'text', autocomplete: 'off', ...attrs }),
    );
  const form = h(
    'form',
    {
      class: 'panel filters',
      novalidate: true,
      'aria-label': 'Create an API key',
      onsubmit: async (e) => {
        e.preventDefault();
        error.textContent = '';
        const val = (id) =>
          /** @type {HTMLInputElement} */ (form.querySelector(`#${id}`)).value.trim();
        const body = {
          name: val('key-name') || undefined,
          tenant: val('key-tenant') || undefined,
          admin: /** @type {HTMLInputElement} */ (form.querySelector('#key-admin')).checked,
        };
        try {
          const k = await api('POST', '/api-keys', body);
          mount(
            created,
            h(
              'div',
              { class: 'secret' },
              h('strong', null, `New key for ${k.tenant}:`),
              h('code', { id: 'new-key' }, k.key),
              h('span', { class: 'hint' }, 'Copy it now: it is shown only once.'),
            ),
          );
          load();
        } catch (err) {
          error.textContent =
            err instanceof ApiError
              ? `${err.message}${err.field ? ` (field ${err.field})` : ''}`
              : String(err);
        }
      },
    },
    input('key-name', 'Name', { placeholder: 'api' }),
    input('key-tenant', 'Tenant', { placeholder: 'this key’s tenant' }),
    h(
      'div',
      { class: 'field check' },
      h('input', { id: 'key-admin', type: 'checkbox' }),
      h('label', { for: 'key-admin' }, 'Admin key'),
    ),
    h('div', null, h('button', { type: 'submit' }, 'Create key')),
  );

  mount(
    main,
    h('h1', null, 'API keys'),
    h(
      'p',
      { class: 'muted' },
      'Keys of every tenant. A key sees only its own tenant’s events and streams; admin keys also manage keys.',
    ),
    form,
    error,
    created,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { id: 'keys-table' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', null, 'Name'),
            h('th', null, 'Tenant'),
            h('th', { class: 'hide-narrow' }, 'Key'),
            h('th', null, 'State'),
            h('th', { class: 'hide-narrow' }, 'Created'),
            h('th', null, h('span', { class: 'visually-hidden' }, 'Revoke')),
          ),
        ),
        tbody,
      ),
    ),
  );
  load();
}
