// The dashboard's only way to Herald: the public HTTP API on the same origin,
// with the API key from sessionStorage in the Authorization header. The key
// never goes into a URL, so it cannot end up in a log or a Referer.

const KEY = 'herald.apiKey';

export const session = {
  /** @returns {string | null} */
  key: () => sessionStorage.getItem(KEY),
  /** @param {string} key */
  set: (key) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};

/**
 * An API answer that was not 2xx, with its problem+json document.
 * `field` is normalised to a dotted path ("timeout.connect_ms", "events.0")
 * whether the API names it that way or as a JSON pointer.
 */
export class ApiError extends Error {
  /** @param {number} status @param {Record<string, any>} problem */
  constructor(status, problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    /** @type {{ field: string, reason: string }[]} */
    this.fieldErrors = [];
    if (Array.isArray(problem.errors)) {
      for (const e of problem.errors) {
        if (e && typeof e.field === 'string') {
          this.fieldErrors.push({
            field: dotted(e.field),
            reason: String(e.reason ?? e.detail ?? ''),
          });
        }
      }
    }
    this.field =
      typeof problem.field === 'string'
        ? dotted(problem.field)
        : (this.fieldErrors[0]?.field ?? null);
  }
}

/** @param {string} f */
function dotted(f) {
  return f.startsWith('/')
    ? f.slice(1).replaceAll('/', '.').replaceAll('~1', '/').replaceAll('~0', '~')
    : f;
}

/**
 * @param {string} method @param {string} path @param {unknown} [body]
 * @param {string} [withKey] a key to try instead of the session's (sign-in): its 401 signs nobody out
 */
export async function api(method, path, body, withKey) {
  const key = withKey ?? session.key();
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
  });
  const text = await res.text();
  /** @type {any} */
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { detail: text };
    }
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data ?? {});
    if (res.status === 401 && !withKey)
      window.dispatchEvent(new CustomEvent('herald:unauthorized'));
    throw err;
  }
  return data;
}

/** @param {Record<string, string | number | null | undefined>} params */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * Follows GET /events/stream (Server-Sent Events) with fetch, because
 * EventSource cannot send an Authorization header. Reconnects after a
 * dropped connection from the last event seen (Last-Event-ID), until `signal` aborts.
 * @param {Record<string, string>} params
 * @param {(event: any) => void} onEvent
 * @param {(state: 'open' | 'retrying', err?: unknown) => void} onState
 * @param {AbortSignal} signal
 */
export async function followEvents(params, onEvent, onState, signal) {
  let lastId = params.after ?? '';
  const rest = { ...params };
  delete rest.after;
  while (!signal.aborted) {
    try {
      /** @type {Record<string, string>} */
      const headers = {
        authorization: `Bearer ${session.key() ?? ''}`,
        accept: 'text/event-stream',
      };
      if (lastId) headers['last-event-id'] = lastId;
      const res = await fetch(`/events/stream${query(rest)}`, {
        headers,
        signal,
        cache: 'no-store',
      });
      if (!res.ok || !res.body) {
        throw new ApiError(res.status, await res.json().catch(() => ({})));
      }
      onState('open');
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let end = buf.indexOf('\n\n');
        while (end >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          let id = '';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (data) {
            if (id) lastId = id;
            onEvent(JSON.parse(data));
          }
          end = buf.indexOf('\n\n');
        }
      }
      onState('retrying');
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof ApiError && err.status < 500) throw err;
      onState('retrying', err);
    }
    if (!signal.aborted) await new Promise((r) => setTimeout(r, 2000));
  }
}
