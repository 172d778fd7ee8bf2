// The Deliveries tab: an endpoint's deliveries, newest first, filtered by
// status, each with its attempts (request headers as stored, secrets already
// redacted by Herald; response status, body excerpt, latency, error); retry
// one; replay since a time, or only the failed ones.
import { ApiError, api, query } from '../api.js';
import { badge, fmtMs, fmtTime, h, isoToLocal, localToIso, mount, toast } from '../dom.js';

const PAGE = 25;
const STATUS_KIND = { succeeded: 'ok', failed: 'bad', retrying: 'warn', pending: 'neutral' };

/** @param {HTMLElement} el @param {string} id */
export function renderDeliveries(el, id) {
  const path = `/endpoints/${encodeURIComponent(id)}`;
  let after = /** @type {string | null} */ (null);
  const tbody = h('tbody');
  const table = h(
    'table',
    { id: 'deliveries-table', 'aria-busy': 'true' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', null, 'Status'),
        h('th', { class: 'hide-narrow' }, 'Delivery id'),
        h('th', null, 'Carries'),
        h('th', { class: 'num' }, 'Attempts'),
        h('th', null, 'Updated'),
        h('th', null, h('span', { class: 'visually-hidden' }, 'Details')),
      ),
    ),
    tbody,
  );
  const status = h('p', { class: 'muted', role: 'status' });
  const more = h(
    'button',
    { type: 'button', class: 'secondary', hidden: true, onclick: () => load() },
    'Load more',
  );
  const filter = h(
    'select',
    { id: 'delivery-status', onchange: () => reload() },
    [
      ['', 'All'],
      ['pending', 'Pending'],
      ['retrying', 'Retrying'],
      ['succeeded', 'Succeeded'],
      ['failed', 'Failed'],
    ].map(([v, t]) => h('option', { value: v }, t)),
  );

  /** @param {any} a */
  function attemptView(a, n) {
    const headers = Object.entries(a.request_headers);
    return h(
      'div',
      { class: 'panel attempt', 'data-attempt-id': a.id },
      h('h4', null, `Attempt ${n} · ${fmtTime(a.attempted_at)}`),
      h(
        'p',
        null,
        a.response_status === null
          ? badge('no response', 'bad')
          : badge(`HTTP ${a.response_status}`, a.response_status < 300 ? 'ok' : 'bad'),
        ` ${fmtMs(a.latency_ms)}`,
        a.error ? h('span', { class: 'field-error' }, ` ${a.error}`) : null,
      ),
      h(
        'details',
        null,
        h('summary', null, `Request headers (${headers.length})`),
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            null,
            h(
              'tbody',
              null,
              headers.map(([k, v]) =>
                h('tr', null, h('th', null, k), h('td', null, h('code', null, v))),
              ),
            ),
          ),
        ),
      ),
      a.response_body
        ? h(
            'details',
            { open: true },
            h('summary', null, 'Response body (first 4 KiB)'),
            h('pre', null, a.response_body),
          )
        : null,
    );
  }

  /** @param {any} d */
  function rows(d) {
    const detail = h('tr', { class: 'detail', hidden: true }, h('td', { colspan: 6 }));
    const open = async () => {
      if (!detail.hidden) {
        detail.hidden = true;
        toggle.setAttribute('aria-expanded', 'false');
        return;
      }
      const full = await api('GET', `/deliveries/${encodeURIComponent(d.id)}`);
      const final = full.status === 'succeeded' || full.status === 'failed';
      mount(
        /** @type {HTMLElement} */ (detail.firstChild),
        h(
          'div',
          { class: 'row' },
          h(
            'span',
            null,
            'Events: ',
            d.event_ids.map((e) => h('code', null, `${e} `)),
          ),
          final
            ? h(
                'button',
                { type: 'button', class: 'secondary', onclick: () => retry(d.id) },
                'Retry',
              )
            : null,
        ),
        full.attempts.length === 0
          ? h('p', { class: 'muted' }, 'Not attempted yet.')
          : full.attempts.map((a, i) => attemptView(a, i + 1)),
      );
      detail.hidden = false;
      toggle.setAttribute('aria-expanded', 'true');
    };
    const toggle = h(
      'button',
      { type: 'button', class: 'link', 'aria-expanded': 'false', onclick: open },
      'Attempts',
    );
    return [
      h(
        'tr',
        { 'data-delivery-id': d.id, 'data-status': d.status },
        h('td', null, badge(d.status, /** @type {any} */ (STATUS_KIND)[d.status] ?? 'neutral')),
        h('td', { class: 'hide-narrow' }, h('code', null, d.id)),
        h(
          'td',
          null,
          d.kind === 'test'
            ? 'test event'
            : `${d.event_ids.length} event${d.event_ids.length === 1 ? '' : 's'}`,
        ),
        h('td', { class: 'num' }, d.attempt_count),
        h(
          'td',
          null,
          fmtTime(d.updated_at),
          d.next_attempt_at
            ? h('div', { class: 'hint' }, `next ${fmtTime(d.next_attempt_at)}`)
            : null,
        ),
        h('td', null, toggle),
      ),
      detail,
    ];
  }

  async function retry(deliveryId) {
    try {
      await api('POST', `/deliveries/${encodeURIComponent(deliveryId)}/retry`);
      toast('Delivery queued again');
      reload();
    } catch (err) {
      toast(err instanceof ApiError ? err.message : String(err));
    }
  }

  async function load() {
    table.setAttribute('aria-busy', 'true');
    try {
      const page = await api(
        'GET',
        `${path}/deliveries${query({ limit: PAGE, after, status: /** @type {HTMLSelectElement} */ (filter).value })}`,
      );
      for (const d of page.data) tbody.append(...rows(d));
      after = page.list_metadata.after;
      more.hidden = after === null;
      status.textContent =
        tbody.children.length === 0
          ? 'No deliveries yet. Events not yet attempted count in the Health tab’s backlog.'
          : '';
    } catch (err) {
      status.textContent = err instanceof ApiError ? `Error: ${err.message}` : String(err);
    } finally {
      table.setAttribute('aria-busy', 'false');
    }
  }

  function reload() {
    after = null;
    tbody.replaceChildren();
    load();
  }

  const since = h('input', {
    id: 'replay-since',
    type: 'datetime-local',
    value: isoToLocal(new Date(Date.now() - 3600_000)),
  });
  const onlyFailed = h('input', { id: 'replay-failed', type: 'checkbox' });
  const failedOnly = /** @type {HTMLInputElement} */ (onlyFailed);
  const replayMsg = h('p', { role: 'status', class: 'muted' });
  const replay = h(
    'form',
    {
      class: 'panel filters',
      'aria-label': 'Replay',
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        replayMsg.textContent = '';
        const iso = localToIso(/** @type {HTMLInputElement} */ (since).value);
        try {
          const r = await api('POST', `${path}/replay`, {
            since: iso ?? /** @type {HTMLInputElement} */ (since).value,
            ...(failedOnly.checked ? { status: 'failed' } : {}),
          });
          replayMsg.textContent = `Replay queued ${r.deliveries} deliveries.`;
          replayMsg.className = 'tail-on';
          reload();
        } catch (err) {
          replayMsg.textContent = err instanceof ApiError ? err.message : String(err);
          replayMsg.className = 'field-error';
        }
      },
    },
    h('div', null, h('label', { for: 'replay-since' }, 'Replay events since'), since),
    h(
      'div',
      { class: 'field check' },
      onlyFailed,
      h('label', { for: 'replay-failed' }, 'Only failed deliveries'),
    ),
    h('div', null, h('button', { type: 'submit' }, 'Replay')),
    replayMsg,
  );

  mount(
    el,
    h(
      'div',
      { class: 'row spread' },
      h('h2', null, 'Deliveries'),
      h(
        'div',
        { class: 'row' },
        h('label', { for: 'delivery-status' }, 'Status'),
        filter,
        h('button', { type: 'button', class: 'secondary', onclick: () => reload() }, 'Refresh'),
      ),
    ),
    h('div', { class: 'table-wrap' }, table),
    status,
    more,
    h('h3', null, 'Replay'),
    replay,
  );
  load();
}
