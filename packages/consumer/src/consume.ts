// The Events API loop of the WorkOS article, done right: it long-polls
// (`wait`) instead of sleeping when caught up, hands events to the handler
// strictly one at a time in log order, saves the bookmark after each one
// succeeds, and stops at the first failure (rejecting with the handler's
// error) so the next call resumes at that event.
import type { HeraldEvent } from './types.ts';

export interface Bookmark {
  /** The id of the last event handled, or null/undefined to start at the oldest event. */
  load(): string | null | undefined | Promise<string | null | undefined>;
  /** Called after each handled event, before the next one is handed out. */
  save(eventId: string, event: HeraldEvent): void | Promise<void>;
}

export interface SequenceGap {
  /** The sequence that should have come next. */
  expected: number;
  /** The sequence that came instead. */
  received: number;
  event: HeraldEvent;
}

export interface ConsumeOptions {
  /** Herald's base URL, e.g. http://127.0.0.1:8080. */
  url: string;
  apiKey: string;
  /** Event types to receive (exact names, as the Events API takes them); all when omitted. */
  events?: string[];
  organizationId?: string;
  bookmark: Bookmark;
  handler: (event: HeraldEvent, ctx: { signal: AbortSignal }) => void | Promise<void>;
  /** Aborting stops the loop after the event in hand (never in the middle of a handler). */
  signal?: AbortSignal;
  /** Long-poll seconds per request (Herald allows up to 60; default 30). */
  waitSeconds?: number;
  /** Events per page (1-100, default 100). */
  limit?: number;
  /**
   * Herald's sequences are gap-free per environment, so without an `events`
   * or `organizationId` filter a jump means events are missing (for example
   * removed by retention before they were read). Checked from the second
   * event of a call on.
   */
  onGap?: (gap: SequenceGap) => void;
  /** Transient failures (network, 5xx, 429) are retried with backoff; this hears about each. */
  onRetry?: (error: unknown, attempt: number) => void;
  /** Replaces the global fetch (a proxy-aware client, tests). */
  fetch?: typeof fetch;
}

/** Herald answered a request with an error that retrying will not fix (bad key, expired cursor). */
export class ConsumeHttpError extends Error {
  readonly status: number;
  readonly problem: unknown;
  constructor(status: number, problem: unknown) {
    const detail =
      typeof problem === 'object' && problem !== null && 'detail' in problem
        ? String((problem as { detail: unknown }).detail)
        : `HTTP ${status}`;
    super(`Herald refused the events request: ${detail}`);
    this.name = 'ConsumeHttpError';
    this.status = status;
    this.problem = problem;
  }
}

class TransientHttpError extends Error {
  readonly retryAfterMs: number | null;
  constructor(status: number, retryAfterMs: number | null) {
    super(`Herald answered ${status}; retrying`);
    this.retryAfterMs = retryAfterMs;
  }
}

const MAX_BACKOFF_MS = 30_000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function pageUrl(opts: ConsumeOptions, after: string | null): string {
  const u = new URL('events', opts.url.endsWith('/') ? opts.url : `${opts.url}/`);
  u.searchParams.set('limit', String(opts.limit ?? 100));
  u.searchParams.set('wait', String(opts.waitSeconds ?? 30));
  if (after) u.searchParams.set('after', after);
  if (opts.events && opts.events.length > 0) u.searchParams.set('events', opts.events.join(','));
  if (opts.organizationId) u.searchParams.set('organization_id', opts.organizationId);
  return u.toString();
}

async function fetchPage(
  opts: ConsumeOptions,
  after: string | null,
  signal: AbortSignal,
): Promise<HeraldEvent[]> {
  const res = await (opts.fetch ?? fetch)(pageUrl(opts, after), {
    headers: { authorization: `Bearer ${opts.apiKey}`, accept: 'application/json' },
    signal,
  });
  if (res.status === 429 || res.status >= 500) {
    await res.body?.cancel();
    const retryAfter = Number(res.headers.get('retry-after'));
    throw new TransientHttpError(res.status, retryAfter > 0 ? retryAfter * 1000 : null);
  }
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: reported as is
  }
  if (!res.ok) throw new ConsumeHttpError(res.status, body);
  return (body as { data: HeraldEvent[] }).data;
}

/**
 * Resolves when `signal` aborts; rejects with the handler's error (after
 * which calling again resumes at the failed event) or a ConsumeHttpError.
 */
export async function consume(opts: ConsumeOptions): Promise<void> {
  const signal = opts.signal ?? new AbortController().signal;
  const filtered = (opts.events?.length ?? 0) > 0 || opts.organizationId !== undefined;
  let after = (await opts.bookmark.load()) || null;
  let lastSequence: number | null = null;
  let attempt = 0;

  while (!signal.aborted) {
    let page: HeraldEvent[];
    try {
      page = await fetchPage(opts, after, signal);
      attempt = 0;
    } catch (err) {
      // Aborting ends the long poll with the abort's reason, whatever it is.
      if (signal.aborted) return;
      if (err instanceof ConsumeHttpError) throw err;
      attempt += 1;
      opts.onRetry?.(err, attempt);
      const backoff = Math.min(MAX_BACKOFF_MS, 250 * 2 ** (attempt - 1));
      await sleep(
        err instanceof TransientHttpError ? (err.retryAfterMs ?? backoff) : backoff,
        signal,
      );
      continue;
    }
    // An empty page means the long poll's wait elapsed: ask again at once.
    for (const event of page) {
      if (!filtered && lastSequence !== null && event.sequence !== lastSequence + 1) {
        opts.onGap?.({ expected: lastSequence + 1, received: event.sequence, event });
      }
      await opts.handler(event, { signal });
      await opts.bookmark.save(event.id, event);
      after = event.id;
      lastSequence = event.sequence;
      if (signal.aborted) return;
    }
  }
}
