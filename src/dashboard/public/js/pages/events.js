// Events: the ordered log, newest first, filtered by type, organization and
// time, a page at a time; a live tail that prepends events as they commit;
// each event's JSON on demand.
import { ApiError, api, followEvents, query } from '../api.js';
import { fmtTime, h, localToIso, mount } from '../dom.js';

const PAGE = 25;

/** @param {HTMLElement} main */
export function renderEvents(main) {
  /** @type {AbortController | null} */
  let tail = null;
  let after = /** @type {string | null} */ (null);
  const seen = new Set();

  const field = (id, label, attrs = {}) =>
    h(
      'div',
      null,
      h('label', { for: id }, label),
      h('input', { id, name: id, type: 'text', ...attrs }),
    );
  const filters = h(
    'form',
    {
      class: 'panel filters',
      'aria-label': 'Filter events',
      onsubmit: (e) => {
        e.preventDefault();
        reload();
      },
    },
    field('f-types', 'Event types', { placeholder: 'user.created, order.paid' }),
    field('f-org', 'Organization', { placeholder: 'org_…' }),
    field('f-from', 'From', { type: 'datetime-local' }),
    field('f-to', 'Until', { type: 'datetime-local' }),
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'submit' }, 'Apply'),
      h(
        'button',
        { type: 'reset', class: 'secondary', onclick: () => setTimeout(reload) },
        'Clear',
      ),
    ),
  );
  const value = (id) =>
    /** @type {HTMLInputElement} */ (filters.querySelector(`#${id}`)).value.trim();
  const filterParams = () => ({
    events: value('f-types').replaceAll(' ', ''),
    organization_id: value('f-org'),
  });

  const tbody = h('tbody');
  const status = h('p', { class: 'muted', role: 'status' });
  const more = h(
    'button',
    { type: 'button', class: 'secondary', onclick: () => loadPage() },
    'Load older events',
  );
  const tailButton = h(
    'button',
    { type: 'button', 'aria-pressed': 'false', onclick: () => toggleTail() },
    'Start live tail',
  );
  const tailState = h('span', { class: 'muted', role: 'status', 'aria-live': 'polite' });

  /** @param {any} e @param {boolean} fresh */
  function rowsFor(e, fresh) {
    const json = h('pre', { class: 'mono' }, JSON.stringify(e, null, 2));
    const detail = h('tr', { class: 'detail', hidden: true }, h('td', { colspan: 5 }, json));
    const toggle = h(
      'button',
      {
        type: 'button',
        class: 'link',
        'aria-expanded': 'false',
        'aria-label': `Show JSON of ${e.id}`,
        onclick: () => {
          detail.hidden = !detail.hidden;
          toggle.setAttribute('aria-expanded', String(!detail.hidden));
          toggle.textContent = detail.hidden ? 'JSON' : 'Hide';
        },
      },
      'JSON',
    );
    const row = h(
      'tr',
      { class: fresh ? 'fresh' : null, 'data-event-id': e.id },
      h('td', { class: 'num' }, e.sequence ?? e.context?.sequence ?? ''),
      h('td', null, h('code', null, e.event)),
      h('td', { class: 'hide-narrow' }, e.organization_id ?? e.context?.organization_id ?? '—'),
      h('td', null, fmtTime(e.created_at)),
      h('td', null, toggle),
    );
    return [row, detail];
  }

  async function loadPage() {
    const from = localToIso(value('f-from'));
    const to = localToIso(value('f-to'));
    more.disabled = true;
    status.textContent = 'Loading…';
    try {
      const page = await api(
        'GET',
        `/events${query({ order: 'desc', limit: PAGE, after, range_start: from, range_end: to, ...filterParams() })}`,
      );
      for (const e of page.data) {
        if (seen.has(e.id)) continue;
        seen.add(e.id);
        tbody.append(...rowsFor(e, false));
      }
      after = page.data.length === PAGE ? page.list_metadata.after : null;
      more.hidden = after === null;
      status.textContent = seen.size === 0 ? 'No events match.' : `${seen.size} events shown.`;
    } catch (err) {
      status.textContent = err instanceof ApiError ? `Error: ${err.message}` : String(err);
    } finally {
      more.disabled = false;
    }
  }

  function reload() {
    after = null;
    seen.clear();
    tbody.replaceChildren();
    if (tail) {
      stopTail();
      startTail();
    }
    loadPage();
  }

  function stopTail() {
    tail?.abort();
    tail = null;
    tailButton.textContent = 'Start live tail';
    tailButton.setAttribute('aria-pressed', 'false');
    tailState.textContent = '';
    tailState.className = 'muted';
  }

  async function startTail() {
    const ctl = new AbortController();
    tail = ctl;
    tailButton.textContent = 'Stop live tail';
    tailButton.setAttribute('aria-pressed', 'true');
    tailState.textContent = 'Connecting…';
    try {
      // Start at the head of the log: only events committed from now on are new.
      const head = await api('GET', '/events?order=desc&limit=1');
      const start = head.data[0]?.id;
      await followEvents(
        {
          ...(start ? { after: start } : {}),
          ...Object.fromEntries(Object.entries(filterParams()).filter(([, v]) => v)),
        },
        (e) => {
          if (seen.has(e.id)) return;
          seen.add(e.id);
          tbody.prepend(...rowsFor(e, true));
          status.textContent = `${seen.size} events shown.`;
        },
        (state) => {
          tailState.textContent =
            state === 'open' ? 'Live: new events appear as they commit' : 'Reconnecting…';
          tailState.className = state === 'open' ? 'tail-on' : 'muted';
        },
        ctl.signal,
      );
    } catch (err) {
      if (!ctl.signal.aborted) {
        stopTail();
        tailState.textContent =
          err instanceof ApiError ? `Live tail stopped: ${err.message}` : String(err);
      }
    }
  }

  function toggleTail() {
    if (tail) stopTail();
    else startTail();
  }

  mount(
    main,
    h(
      'div',
      { class: 'row spread' },
      h('h1', null, 'Events'),
      h('div', { class: 'row' }, tailState, tailButton),
    ),
    filters,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { id: 'events-table' },
        h('caption', { class: 'visually-hidden' }, 'Events, newest first'),
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', { class: 'num' }, 'Seq'),
            h('th', null, 'Type'),
            h('th', { class: 'hide-narrow' }, 'Organization'),
            h('th', null, 'Created'),
            h('th', null, h('span', { class: 'visually-hidden' }, 'Details')),
          ),
        ),
        tbody,
      ),
    ),
    status,
    more,
  );
  loadPage();
  return () => tail?.abort();
}
