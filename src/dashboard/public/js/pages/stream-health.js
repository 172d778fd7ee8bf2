// The Health tab: state, success rate and latency over the last hour and day,
// a chart of attempts and latency per bucket, failures and backlog.
// Refreshes every 5 seconds while shown.
import { ApiError, api, query } from '../api.js';
import { attemptsChart, LATENCY_COLORS, latencyChart } from '../chart.js';
import { fmtMs, fmtRate, fmtShort, fmtTime, h, mount } from '../dom.js';
import { reasonText } from '../stream-state.js';

const WINDOWS = {
  '1h': { label: 'Last hour', buckets: 60 },
  '24h': { label: 'Last day', buckets: 48 },
};

/**
 * @param {string} lbl @param {unknown} value @param {unknown} [sub] @param {string} [name]
 * @param {boolean} [long] a value of several words, set smaller
 */
const stat = (lbl, value, sub, name, long = false) =>
  h(
    'div',
    { class: 'stat', 'data-stat': name ?? null },
    h('div', { class: 'label' }, lbl),
    h('div', { class: long ? 'value small' : 'value' }, value),
    sub ? h('div', { class: 'sub' }, sub) : null,
  );

/** @param {HTMLElement} el @param {string} id @param {() => void} onStateChange */
export function renderHealth(el, id, onStateChange) {
  let win = /** @type {'1h' | '24h'} */ ('1h');
  let lastState = '';
  const body = h('div', { 'aria-live': 'polite' });
  const winButtons = Object.entries(WINDOWS).map(([k, w]) =>
    h(
      'button',
      {
        type: 'button',
        class: k === win ? '' : 'secondary',
        'aria-pressed': String(k === win),
        'data-window': k,
        onclick: () => {
          win = /** @type {any} */ (k);
          paintButtons();
          load();
        },
      },
      w.label,
    ),
  );
  const paintButtons = () => {
    for (const b of winButtons) {
      const on = b.dataset.window === win;
      b.className = on ? '' : 'secondary';
      b.setAttribute('aria-pressed', String(on));
    }
  };
  mount(
    el,
    h(
      'div',
      { class: 'row spread' },
      h('h2', null, 'Health'),
      h(
        'div',
        { class: 'row' },
        ...winButtons,
        h('button', { type: 'button', class: 'secondary', onclick: () => load() }, 'Refresh'),
      ),
    ),
    body,
  );

  async function load() {
    try {
      const path = `/endpoints/${encodeURIComponent(id)}`;
      const [hl, tl] = await Promise.all([
        api('GET', `${path}/health`),
        api(
          'GET',
          `${path}/health/timeline${query({ window: win, buckets: WINDOWS[win].buckets })}`,
        ),
      ]);
      const w = win === '1h' ? hl.last_hour : hl.last_day;
      const state =
        hl.state === 'active' ? 'Active' : `Disabled: ${reasonText(hl.disabled_reason)}`;
      if (lastState && lastState !== state) onStateChange();
      lastState = state;
      mount(
        body,
        h(
          'div',
          { class: 'stats' },
          stat(
            'State',
            state,
            hl.failing_since ? `failing since ${fmtTime(hl.failing_since)}` : null,
            'state',
            hl.state !== 'active',
          ),
          stat(
            `Success rate (${WINDOWS[win].label.toLowerCase()})`,
            fmtRate(w.success_rate),
            `${w.succeeded} of ${w.attempts} attempts`,
            'success-rate',
          ),
          stat(
            'Latency p50 / p95 / p99',
            `${fmtMs(w.latency_ms.p50)}`,
            `p95 ${fmtMs(w.latency_ms.p95)} · p99 ${fmtMs(w.latency_ms.p99)}`,
            'latency',
          ),
          stat(
            'Consecutive failures',
            hl.consecutive_failures,
            'given-up deliveries in a row',
            'consecutive-failures',
          ),
          stat(
            'Last success',
            fmtShort(hl.last_success_at),
            fmtTime(hl.last_success_at),
            'last-success',
          ),
          stat(
            'Last failure',
            fmtShort(hl.last_failure_at),
            fmtTime(hl.last_failure_at),
            'last-failure',
          ),
          stat(
            'Backlog',
            hl.backlog.estimated_total,
            `${hl.backlog.deliveries} open deliveries, ≤ ${hl.backlog.undispatched_events} events not yet sent`,
            'backlog',
          ),
        ),
        h(
          'div',
          { class: 'panel chart', id: 'attempts-chart' },
          h(
            'h3',
            null,
            `Attempts (${WINDOWS[win].label.toLowerCase()}, per ${tl.bucket_seconds / 60} min)`,
          ),
          attemptsChart(tl),
          h(
            'div',
            { class: 'legend' },
            h('span', null, h('span', { class: 'swatch', 'data-color': 'ok' }), 'succeeded'),
            h('span', null, h('span', { class: 'swatch', 'data-color': 'bad' }), 'failed'),
          ),
        ),
        h(
          'div',
          { class: 'panel chart', id: 'latency-chart' },
          h('h3', null, 'Latency'),
          latencyChart(tl),
          h(
            'div',
            { class: 'legend' },
            Object.keys(LATENCY_COLORS).map((k) =>
              h('span', null, h('span', { class: 'swatch', 'data-color': k }), k),
            ),
          ),
        ),
        timelineTable(tl),
      );
    } catch (err) {
      mount(
        body,
        h('p', { class: 'form-error' }, err instanceof ApiError ? err.message : String(err)),
      );
    }
  }

  load();
  const timer = setInterval(load, 5000);
  return () => clearInterval(timer);
}

/** The chart's numbers, for screen readers and for copying. @param {any} tl */
function timelineTable(tl) {
  const rows = tl.buckets.filter((b) => b.attempts > 0);
  return h(
    'details',
    null,
    h('summary', null, 'Chart data as a table'),
    rows.length === 0
      ? h('p', { class: 'muted' }, 'No attempts in this window.')
      : h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            null,
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                ['From', 'Attempts', 'Succeeded', 'Failed', 'p50', 'p95', 'p99'].map((t, i) =>
                  h('th', { class: i ? 'num' : null }, t),
                ),
              ),
            ),
            h(
              'tbody',
              null,
              rows.map((b) =>
                h(
                  'tr',
                  null,
                  h('td', null, fmtTime(b.start)),
                  [
                    b.attempts,
                    b.succeeded,
                    b.failed,
                    fmtMs(b.latency_ms.p50),
                    fmtMs(b.latency_ms.p95),
                    fmtMs(b.latency_ms.p99),
                  ].map((v) => h('td', { class: 'num' }, v)),
                ),
              ),
            ),
          ),
        ),
  );
}
