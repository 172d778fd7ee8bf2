// Follows a Herald's event log from a cursor with long polls (GET /events
// with `after` and `wait`), the loop `herald listen` and `herald events tail`
// share. Always passes an explicit cursor, so it does not depend on where a
// request without one starts. A lost connection or a 5xx is retried with a
// capped backoff, resuming from the same cursor; other API errors end it.
import type { EventOut } from '../domain/event.ts';
import { ApiError, type HeraldApi, NetworkError } from './api-client.ts';

const PAGE = 100;
const WAIT_SECONDS = 25;
const BACKOFF_MS = [250, 500, 1000, 2000, 5000];

export interface FollowOptions {
  /** Start after this event id; null = from the beginning of the log. */
  after: string | null;
  /** Server-side type filter: exact types only (wildcards are matched by the caller). */
  types: string[] | null;
  organizationId: string | null;
  signal: AbortSignal;
  /** Called on each lost connection and once it is back. */
  onConnection?: (state: 'lost' | 'back', detail: string) => void;
}

interface EventList {
  data: EventOut[];
}

/** The id of the newest event, or null for an empty log: where "from now" starts. */
export async function headCursor(
  api: HeraldApi,
  signal: AbortSignal,
  onConnection?: FollowOptions['onConnection'],
): Promise<string | null> {
  const page = await retrying(
    () => api.get<EventList>('/events', { order: 'desc', limit: 1 }, signal),
    signal,
    onConnection,
  );
  return page?.data[0]?.id ?? null;
}

/** Pages of events after the cursor, as they commit, until the signal aborts. */
export async function* followEvents(
  api: HeraldApi,
  opts: FollowOptions,
): AsyncGenerator<EventOut[]> {
  let after = opts.after;
  while (!opts.signal.aborted) {
    const page = await retrying(
      () =>
        api.get<EventList>(
          '/events',
          {
            after,
            limit: PAGE,
            wait: WAIT_SECONDS,
            events: opts.types?.join(','),
            organization_id: opts.organizationId,
          },
          opts.signal,
        ),
      opts.signal,
      opts.onConnection,
    );
    if (!page || page.data.length === 0) continue;
    yield page.data;
    after = page.data.at(-1)?.id ?? after;
  }
}

function retryable(err: unknown): boolean {
  return err instanceof NetworkError || (err instanceof ApiError && err.status >= 500);
}

/** Runs `fn` until it succeeds, a non-retryable error, or the signal (then null). */
async function retrying<T>(
  fn: () => Promise<T>,
  signal: AbortSignal,
  onConnection?: FollowOptions['onConnection'],
): Promise<T | null> {
  let failures = 0;
  for (;;) {
    if (signal.aborted) return null;
    try {
      const v = await fn();
      if (failures > 0) onConnection?.('back', '');
      return v;
    } catch (err) {
      if (signal.aborted) return null;
      if (!retryable(err)) throw err;
      if (failures === 0) onConnection?.('lost', (err as Error).message);
      const delay = BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)] as number;
      failures += 1;
      await sleep(delay, signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
