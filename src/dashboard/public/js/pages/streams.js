// Streams: every endpoint of the tenant with its state, a page at a time.
import { ApiError, api, query } from '../api.js';
import { fmtTime, h, mount } from '../dom.js';
import { stateBadge } from '../stream-state.js';

const PAGE = 50;

/** @param {HTMLElement} main */
export function renderStreams(main) {
  const tbody = h('tbody');
  const status = h('p', { class: 'muted', role: 'status' });
  let after = /** @type {string | null} */ (null);
  let count = 0;
  const more = h(
    'button',
    { type: 'button', class: 'secondary', hidden: true, onclick: () => load() },
    'Load more',
  );

  async function load() {
    try {
      const page = await api('GET', `/endpoints${query({ limit: PAGE, after })}`);
      for (const ep of page.data) {
        count += 1;
        tbody.append(
          h(
            'tr',
            { 'data-endpoint-id': ep.id },
            h(
              'td',
              null,
              h(
                'a',
                { href: `#/streams/${encodeURIComponent(ep.id)}/health` },
                ep.description || ep.id,
              ),
            ),
            h('td', { class: 'hide-narrow' }, h('code', null, ep.url)),
            h('td', null, stateBadge(ep)),
            h('td', { class: 'hide-narrow' }, ep.events.join(', ')),
            h('td', { class: 'hide-narrow' }, fmtTime(ep.last_success_at)),
          ),
        );
      }
      after = page.list_metadata.after;
      more.hidden = after === null;
      status.textContent =
        count === 0 ? 'No streams yet. Create one to push events to a webhook.' : '';
    } catch (err) {
      status.textContent = err instanceof ApiError ? `Error: ${err.message}` : String(err);
    }
  }

  mount(
    main,
    h(
      'div',
      { class: 'row spread' },
      h('h1', null, 'Streams'),
      h('a', { class: 'button', href: '#/streams/new' }, 'Create stream'),
    ),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { id: 'streams-table' },
        h('caption', { class: 'visually-hidden' }, 'Webhook streams'),
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', null, 'Name'),
            h('th', { class: 'hide-narrow' }, 'Payload URL'),
            h('th', null, 'State'),
            h('th', { class: 'hide-narrow' }, 'Event types'),
            h('th', { class: 'hide-narrow' }, 'Last success'),
          ),
        ),
        tbody,
      ),
    ),
    status,
    more,
  );
  load();
}
