// One stream: its state and actions (send a test event, enable / disable,
// rotate the signing secret, delete) above three tabs: Health, Deliveries, Settings.
import { ApiError, api } from '../api.js';
import { h, mount, toast } from '../dom.js';
import { stateBadge } from '../stream-state.js';
import { renderDeliveries } from './stream-deliveries.js';
import { secretOnce, streamForm } from './stream-form.js';
import { renderHealth } from './stream-health.js';

const TABS = [
  ['health', 'Health'],
  ['deliveries', 'Deliveries'],
  ['settings', 'Settings'],
];

/** @param {HTMLElement} main @param {string} id @param {string} tab */
export function renderStream(main, id, tab) {
  const path = `/endpoints/${encodeURIComponent(id)}`;
  const head = h('div');
  const notice = h('div', { 'aria-live': 'polite' });
  const panel = h('section', { id: 'tab-panel', 'aria-label': tab });
  /** @type {(() => void) | void} */
  let stopTab;

  /** @param {string} what @param {() => Promise<unknown>} fn */
  const act = async (what, fn) => {
    try {
      await fn();
      toast(what);
      await paintHead();
    } catch (err) {
      toast(err instanceof ApiError ? err.message : String(err));
    }
  };

  async function paintHead() {
    let ep;
    try {
      ep = await api('GET', path);
    } catch (err) {
      mount(
        head,
        h('h1', null, 'Stream'),
        h(
          'p',
          { class: 'form-error', role: 'alert' },
          err instanceof ApiError ? err.message : String(err),
        ),
      );
      panel.hidden = true;
      return null;
    }
    mount(
      head,
      h(
        'div',
        { class: 'row spread' },
        h('h1', null, ep.description || ep.id),
        h('span', { id: 'stream-state' }, stateBadge(ep)),
      ),
      h('p', { class: 'muted' }, h('code', null, ep.url), ' · ', ep.events.join(', ')),
      h(
        'div',
        { class: 'row', role: 'group', 'aria-label': 'Actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: () => act('Test event queued', () => api('POST', `${path}/test`)),
          },
          'Send test event',
        ),
        ep.active
          ? h(
              'button',
              {
                type: 'button',
                class: 'secondary',
                onclick: () => act('Stream disabled', () => api('POST', `${path}/disable`)),
              },
              'Disable',
            )
          : h(
              'button',
              {
                type: 'button',
                onclick: () => act('Stream enabled', () => api('POST', `${path}/enable`)),
              },
              'Enable',
            ),
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: () =>
              act('Secret rotated', async () => {
                const r = await api('POST', `${path}/rotate-secret`, {});
                mount(
                  notice,
                  secretOnce(r.secret),
                  h(
                    'p',
                    { class: 'hint' },
                    'The previous secret keeps signing alongside it for 24 hours.',
                  ),
                );
              }),
          },
          'Rotate secret',
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'danger',
            onclick: async () => {
              if (!window.confirm('Delete this stream with its deliveries and attempt log?'))
                return;
              try {
                await api('DELETE', path);
                location.hash = '#/streams';
              } catch (err) {
                toast(err instanceof ApiError ? err.message : String(err));
              }
            },
          },
          'Delete',
        ),
      ),
    );
    return ep;
  }

  mount(
    main,
    h('p', null, h('a', { href: '#/streams' }, '← Streams')),
    head,
    notice,
    h(
      'nav',
      { class: 'tabs', 'aria-label': 'Stream' },
      TABS.map(([k, t]) =>
        h(
          'a',
          {
            href: `#/streams/${encodeURIComponent(id)}/${k}`,
            'aria-current': k === tab ? 'page' : null,
          },
          t,
        ),
      ),
    ),
    panel,
  );

  let closed = false;
  paintHead().then(async (ep) => {
    // The user may have moved on while the stream loaded.
    if (!ep || closed) return;
    if (tab === 'health') stopTab = renderHealth(panel, id, () => paintHead());
    else if (tab === 'deliveries') renderDeliveries(panel, id);
    else if (tab === 'settings') {
      const secret = h('div');
      mount(
        panel,
        h('h2', null, 'Settings'),
        streamForm(ep, () => {
          toast('Saved');
          paintHead();
        }),
        h('h2', null, 'Signing secret'),
        secret,
      );
      mount(
        secret,
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: async () => {
              const s = await api('GET', `${path}/secret`);
              mount(secret, secretOnce(s.secret));
            },
          },
          'Reveal signing secret',
        ),
      );
    } else mount(panel, h('p', null, 'No such tab.'));
  });
  return () => {
    closed = true;
    stopTab?.();
  };
}
