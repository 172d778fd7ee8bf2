// The Create / Edit Stream form. Labels follow Auth0's Custom Webhook stream
// settings (Name, Payload URL, Authorization Token, Content Type, Content
// Format) plus Herald's delivery settings. The browser does not validate:
// the API does, and its problem+json error is shown next to the field it names.
import { ApiError, api } from '../api.js';
import { h, mount, toast } from '../dom.js';

const PRESETS = [
  ['default', 'Default: 11 retries over about 3 days'],
  ['event_stream', 'Event stream: 12 retries over about 16 hours'],
  ['log_stream', 'Log stream: 3 quick retries within about a minute'],
  ['extended', 'Extended: 25 retries over about 3 weeks'],
];

const FORMATS = [
  ['json', 'JSON object (one event per request)'],
  ['json_array', 'JSON array'],
  ['json_lines', 'JSON lines'],
];

/** "timeout.connect_ms" → "f-timeout-connect_ms" @param {string} name */
const idOf = (name) => `f-${name.replaceAll('.', '-')}`;

/**
 * @param {string} name the API field (dotted path)
 * @param {string} label
 * @param {HTMLElement} control
 * @param {string} [hint]
 */
function field(name, label, control, hint) {
  const id = idOf(name);
  control.id = id;
  control.setAttribute('name', name);
  const described = [hint ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(' ');
  control.setAttribute('aria-describedby', described);
  const isCheck = control instanceof HTMLInputElement && control.type === 'checkbox';
  return h(
    'div',
    { class: isCheck ? 'field check' : 'field', 'data-field': name },
    isCheck ? [control, h('label', { for: id }, label)] : [h('label', { for: id }, label), control],
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
    h('p', { class: 'field-error', id: `${id}-error`, 'aria-live': 'polite' }),
  );
}

const text = (attrs = {}) => h('input', { type: 'text', autocomplete: 'off', ...attrs });
const num = (attrs = {}) => h('input', { type: 'number', inputmode: 'numeric', ...attrs });
const check = (checked) => h('input', { type: 'checkbox', checked });
/** @param {string[][]} options @param {string} selected */
const select = (options, selected) =>
  h(
    'select',
    null,
    options.map(([v, t]) => h('option', { value: v, selected: v === selected }, t)),
  );

/**
 * @param {any | null} ep the stream being edited, or null to create one
 * @param {(saved: any) => void} onSaved
 */
export function streamForm(ep, onSaved) {
  const editing = ep !== null;
  const v = ep ?? {
    description: '',
    url: '',
    events: ['*'],
    organization_id: null,
    format: 'json',
    content_type: null,
    batch_size: 1,
    batch_wait_ms: 0,
    max_concurrency: 10,
    rate_limit: null,
    ordered: false,
    ordered_by: null,
    retry: 'default',
    timeout: { connect_ms: 5000, response_ms: 60000 },
    disable_after: { failures: 3, duration: null },
    notify_url: null,
    notify_success: false,
    active: true,
  };
  const customRetry = Array.isArray(v.retry);
  const retryPreset = select(
    [...PRESETS, ['custom', 'Custom delays']],
    customRetry ? 'custom' : v.retry,
  );
  const retryDelays = text({
    value: customRetry ? v.retry.join(', ') : '',
    placeholder: '5, 60, 300',
  });
  const delaysField = field(
    'retry.delays',
    'Retry delays (seconds)',
    retryDelays,
    'Seconds to wait before each retry, comma-separated.',
  );
  delaysField.hidden = !customRetry;
  retryPreset.addEventListener('change', () => {
    delaysField.hidden = /** @type {HTMLSelectElement} */ (retryPreset).value !== 'custom';
  });
  const removeAuth = check(false);

  const summary = h('div', { role: 'alert' });
  const form = h(
    'form',
    {
      novalidate: true,
      class: 'stream-form',
      onsubmit: (e) => {
        e.preventDefault();
        submit();
      },
    },
    summary,
    h(
      'fieldset',
      null,
      h('legend', null, 'Settings'),
      field(
        'description',
        'Name',
        text({ value: v.description, placeholder: 'My webhook' }),
        'A display name to tell this stream from the others.',
      ),
      field(
        'url',
        'Payload URL',
        text({ value: v.url, placeholder: 'https://hooks.example.com/herald', inputmode: 'url' }),
        'Event payloads are sent here as HTTP POST requests.',
      ),
      field(
        'authorization',
        'Authorization Token',
        h('input', {
          type: 'password',
          autocomplete: 'off',
          placeholder:
            editing && ep.authorization_set ? '(set; leave empty to keep it)' : 'Bearer …',
        }),
        'Optional. Sent as the Authorization header of every request; never shown again.',
      ),
      editing && ep.authorization_set
        ? field('authorization.remove', 'Remove the Authorization Token', removeAuth)
        : null,
      h(
        'div',
        { class: 'grid' },
        field(
          'content_type',
          'Content Type',
          text({ value: v.content_type ?? '', placeholder: 'application/json' }),
          'The media type of the payload; empty for the format’s own.',
        ),
        field(
          'format',
          'Content Format',
          select(FORMATS, v.format),
          'Receive events as JSON objects, arrays or lines.',
        ),
      ),
      h(
        'div',
        { class: 'grid' },
        field(
          'events',
          'Event types',
          text({ value: v.events.join(', ') }),
          'Comma-separated types or wildcards: *, user.*, order.paid.',
        ),
        field(
          'organization_id',
          'Organization',
          text({ value: v.organization_id ?? '', placeholder: 'all organizations' }),
          'Only events of this organization.',
        ),
      ),
      field('active', 'Enabled', check(v.active)),
    ),
    h(
      'fieldset',
      null,
      h('legend', null, 'Delivery'),
      h(
        'div',
        { class: 'grid' },
        field(
          'batch_size',
          'Batch size',
          num({ value: v.batch_size, min: 1, max: 100 }),
          'Events per request (1–100); more than 1 needs JSON array or lines.',
        ),
        field(
          'batch_wait_ms',
          'Batch wait (ms)',
          num({ value: v.batch_wait_ms, min: 0 }),
          'How long a short batch may wait for more events.',
        ),
        field(
          'max_concurrency',
          'Concurrent calls',
          num({ value: v.max_concurrency, min: 1, max: 100 }),
          'The most requests in flight at once.',
        ),
        field(
          'rate_limit',
          'Rate limit (requests/s)',
          num({ value: v.rate_limit ?? '', min: 1 }),
          'Optional.',
        ),
      ),
      h(
        'div',
        { class: 'grid' },
        field(
          'ordered',
          'Ordered delivery',
          check(v.ordered),
          'One request at a time, in log order.',
        ),
        field(
          'ordered_by',
          'Order per',
          select(
            [
              ['', 'the whole stream'],
              ['organization', 'organization'],
            ],
            v.ordered_by ?? '',
          ),
        ),
      ),
      h(
        'div',
        { class: 'grid' },
        h('div', null, field('retry', 'Retry schedule', retryPreset), delaysField),
        h(
          'div',
          null,
          field(
            'timeout.connect_ms',
            'Connect timeout (ms)',
            num({ value: v.timeout.connect_ms, min: 100 }),
          ),
          field(
            'timeout.response_ms',
            'Response timeout (ms)',
            num({ value: v.timeout.response_ms, min: 100 }),
          ),
        ),
      ),
    ),
    h(
      'fieldset',
      null,
      h('legend', null, 'Disable and notify'),
      h(
        'div',
        { class: 'grid' },
        field(
          'disable_after.failures',
          'Disable after failed deliveries in a row',
          num({ value: v.disable_after.failures ?? '', min: 1 }),
          'Empty: never for this reason.',
        ),
        field(
          'disable_after.duration',
          'Disable after failing for (seconds)',
          num({ value: v.disable_after.duration ?? '', min: 1 }),
          'Empty: never for this reason.',
        ),
      ),
      field(
        'notify_url',
        'Notification URL',
        text({ value: v.notify_url ?? '', placeholder: 'https://hooks.slack.com/…' }),
        'A Slack-compatible webhook told when the stream is disabled or a delivery is given up.',
      ),
      field('notify_success', 'Also send periodic success summaries', check(v.notify_success)),
    ),
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'submit' }, editing ? 'Save' : 'Create stream'),
      editing ? null : h('a', { href: '#/streams', class: 'button secondary' }, 'Cancel'),
    ),
  );

  /** @param {string} name */
  const control = (name) => /** @type {HTMLInputElement} */ (form.querySelector(`#${idOf(name)}`));
  const str = (name) => control(name).value.trim();
  /** Empty is null (clears a nullable setting); text that is not a number is sent as is, for the API to name. */
  const numOrNull = (name) => {
    const s = str(name);
    if (s === '') return null;
    const n = Number(s);
    return Number.isNaN(n) ? s : n;
  };

  function body() {
    /** @type {Record<string, any>} */
    const b = {
      description: str('description'),
      url: str('url'),
      events: str('events')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      organization_id: str('organization_id') || null,
      content_type: str('content_type') || null,
      format: str('format'),
      active: control('active').checked,
      ordered: control('ordered').checked,
      ordered_by: str('ordered_by') || null,
      rate_limit: numOrNull('rate_limit'),
      timeout: {},
      disable_after: {
        failures: numOrNull('disable_after.failures'),
        duration: numOrNull('disable_after.duration'),
      },
      notify_url: str('notify_url') || null,
      notify_success: control('notify_success').checked,
    };
    for (const n of ['batch_size', 'batch_wait_ms', 'max_concurrency']) {
      const x = numOrNull(n);
      if (x !== null) b[n] = x;
    }
    for (const n of ['connect_ms', 'response_ms']) {
      const x = numOrNull(`timeout.${n}`);
      if (x !== null) b.timeout[n] = x;
    }
    const preset = str('retry');
    b.retry =
      preset === 'custom'
        ? str('retry.delays')
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
            .map((s) => (Number.isNaN(Number(s)) ? s : Number(s)))
        : preset;
    const token = control('authorization').value;
    if (editing && ep.authorization_set && control('authorization.remove').checked)
      b.authorization = null;
    else if (token !== '') b.authorization = token;
    else if (!editing) b.authorization = null;
    return b;
  }

  function clearErrors() {
    summary.replaceChildren();
    for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  }

  /** The field's wrapper, or its nearest named parent ("events.0" → "events"). @param {string} name */
  function wrapperFor(name) {
    let n = name;
    for (;;) {
      const w = form.querySelector(`[data-field="${CSS.escape(n)}"]`);
      if (w) return /** @type {HTMLElement} */ (w);
      if (!n.includes('.')) return null;
      n = n.slice(0, n.lastIndexOf('.'));
    }
  }

  /** @param {ApiError} err */
  function showErrors(err) {
    const errors =
      err.fieldErrors.length > 0
        ? err.fieldErrors
        : err.field
          ? [{ field: err.field, reason: '' }]
          : [];
    /** @type {HTMLElement | null} */
    let first = null;
    for (const e of errors) {
      // A custom schedule's errors ("retry.2") belong to the delays input.
      const name =
        e.field.startsWith('retry.') && str('retry') === 'custom' ? 'retry.delays' : e.field;
      const w = wrapperFor(name);
      if (!w) continue;
      const msg = w.querySelector('.field-error');
      const main = e.field === err.field;
      if (msg) msg.textContent = main ? err.message : `${e.field} ${e.reason}`.trim();
      const input = w.querySelector('input, select');
      input?.setAttribute('aria-invalid', 'true');
      first ??= /** @type {HTMLElement | null} */ (input);
    }
    mount(
      summary,
      h(
        'p',
        { class: 'form-error' },
        `${err.problem.title ?? 'Error'}: ${err.message}`,
        err.field ? ` (field ${err.field})` : '',
      ),
    );
    (first ?? summary).focus?.();
  }

  async function submit() {
    clearErrors();
    const button = /** @type {HTMLButtonElement} */ (form.querySelector('button[type="submit"]'));
    button.disabled = true;
    try {
      const saved = editing
        ? await api('PATCH', `/endpoints/${encodeURIComponent(ep.id)}`, body())
        : await api('POST', '/endpoints', body());
      onSaved(saved);
    } catch (err) {
      if (err instanceof ApiError) showErrors(err);
      else mount(summary, h('p', { class: 'form-error' }, String(err)));
    } finally {
      button.disabled = false;
    }
  }

  return form;
}

/** The signing secret, shown once after creation or rotation. @param {string} secret */
export function secretOnce(secret) {
  const code = h('code', { id: 'new-secret' }, secret);
  return h(
    'div',
    { class: 'secret', role: 'status' },
    h('strong', null, 'Signing secret:'),
    code,
    h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        onclick: () => navigator.clipboard?.writeText(secret).then(() => toast('Copied')),
      },
      'Copy',
    ),
    h(
      'span',
      { class: 'hint' },
      'Receivers verify the webhook-signature header with it (Standard Webhooks).',
    ),
  );
}

/** @param {HTMLElement} main */
export function renderNewStream(main) {
  mount(
    main,
    h('p', null, h('a', { href: '#/streams' }, '← Streams')),
    h('h1', null, 'Create Stream'),
    h(
      'p',
      { class: 'muted' },
      'A custom webhook: every event that matches is sent to the Payload URL as an HTTP POST, signed, retried and logged.',
    ),
    streamForm(null, (ep) => {
      mount(
        main,
        h('h1', null, 'Stream created'),
        h(
          'p',
          null,
          'Copy the signing secret now; it is also available later under the stream’s Settings.',
        ),
        secretOnce(ep.secret),
        h(
          'p',
          null,
          h(
            'a',
            { class: 'button', href: `#/streams/${encodeURIComponent(ep.id)}/health` },
            'Open the stream',
          ),
        ),
      );
    }),
  );
  /** @type {HTMLElement | null} */ (main.querySelector('input'))?.focus();
}
