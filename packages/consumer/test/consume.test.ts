// consume() against a real Herald: every event exactly once and in order
// across a handler failure, with the bookmark in a real file; long polling
// while caught up; filters; a clean stop on abort; and (from a small local
// HTTP server, since Herald's own sequences have no gaps) gap reports and
// retries of transient errors.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startTestServer, type TestServer } from '../../../test/fixtures/test-server.ts';
import {
  type Bookmark,
  ConsumeHttpError,
  consume,
  type HeraldEvent,
  type SequenceGap,
} from '../src/index.ts';

function fileBookmark(): Bookmark & { path: string } {
  const path = join(mkdtempSync(join(tmpdir(), 'herald-bookmark-')), 'bookmark');
  return {
    path,
    load: () => {
      try {
        return readFileSync(path, 'utf8') || null;
      } catch {
        return null;
      }
    },
    save: (id) => writeFileSync(path, id),
  };
}

describe('consume against a real Herald', () => {
  let server: TestServer;
  let key: string;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    key = await server.key('consume');
    api = client(server.url, key);
  });
  afterAll(async () => {
    await server?.close();
  });

  async function publish(type: string, n: number, extra: Record<string, unknown> = {}) {
    const res = await api.post('/events/batch', {
      events: Array.from({ length: n }, (_, i) => ({ event: type, data: { i }, ...extra })),
    });
    expect(res.status).toBe(201);
    return (res.body.data as HeraldEvent[]).map((e) => e.id);
  }

  it('hands every event over once, in order, stopping at a failure and resuming from the bookmark', async () => {
    const ids = await publish('order.placed', 10);
    const bookmark = fileBookmark();
    const seen: string[] = [];
    let failed = false;
    const boom = new Error('handler failed');
    const controller = new AbortController();
    const handler = async (e: HeraldEvent) => {
      if (e.id === ids[3] && !failed) {
        failed = true;
        throw boom;
      }
      seen.push(e.id);
      if (seen.length === ids.length) controller.abort();
    };
    const opts = {
      url: server.url,
      apiKey: key,
      events: ['order.placed'],
      bookmark,
      handler,
      signal: controller.signal,
      waitSeconds: 30,
    };
    await expect(consume(opts)).rejects.toBe(boom);
    expect(seen).toEqual(ids.slice(0, 3));
    expect(readFileSync(bookmark.path, 'utf8')).toBe(ids[2]);

    await consume(opts);
    expect(seen).toEqual(ids);
    expect(readFileSync(bookmark.path, 'utf8')).toBe(ids[9]);
  });

  it('long-polls while caught up instead of sleeping, and stops cleanly mid-poll on abort', async () => {
    const bookmark = fileBookmark();
    const [last] = (await publish('poll.old', 1)).slice(-1);
    bookmark.save(last as string, {} as HeraldEvent);
    let requests = 0;
    const counting: typeof fetch = (input, init) => {
      requests += 1;
      return fetch(input, init);
    };
    const controller = new AbortController();
    const got: HeraldEvent[] = [];
    let resolveFirst = () => {};
    const first = new Promise<void>((r) => (resolveFirst = r));
    const running = consume({
      url: server.url,
      apiKey: key,
      events: ['poll.new'],
      bookmark,
      handler: (e) => {
        got.push(e);
        resolveFirst();
      },
      signal: controller.signal,
      waitSeconds: 30,
      fetch: counting,
    });
    await new Promise((r) => setTimeout(r, 300));
    const [fresh] = await publish('poll.new', 1);
    await first;
    expect(got.map((e) => e.id)).toEqual([fresh]);
    // One request held open until the publish, then the next one waiting.
    expect(requests).toBeLessThanOrEqual(3);
    // The loop is now in a 30 s long poll; abort ends it at once (the test would time out otherwise).
    controller.abort();
    await running;
  });

  it('passes the type and organization filters to Herald', async () => {
    await publish('filter.a', 2, { organization_id: 'org_1' });
    await publish('filter.a', 1, { organization_id: 'org_2' });
    await publish('filter.b', 2, { organization_id: 'org_1' });
    const controller = new AbortController();
    const got: HeraldEvent[] = [];
    const gaps: SequenceGap[] = [];
    await consume({
      url: server.url,
      apiKey: key,
      events: ['filter.a'],
      organizationId: 'org_1',
      bookmark: { load: () => null, save: () => {} },
      handler: (e) => {
        got.push(e);
        if (got.length === 2) controller.abort();
      },
      onGap: (g) => gaps.push(g),
      signal: controller.signal,
      waitSeconds: 1,
    });
    expect(got.map((e) => [e.event, e.organization_id])).toEqual([
      ['filter.a', 'org_1'],
      ['filter.a', 'org_1'],
    ]);
    // Filtered sequences skip by design: no gap is reported.
    expect(gaps).toEqual([]);
  });

  it('rejects with a ConsumeHttpError for a bad API key', async () => {
    const err = await consume({
      url: server.url,
      apiKey: 'hk_not_a_key',
      bookmark: { load: () => null, save: () => {} },
      handler: () => {},
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConsumeHttpError);
    expect((err as ConsumeHttpError).status).toBe(401);
  });
});

describe('consume against a scripted events server', () => {
  let http: Server;
  let url: string;
  const pages: { status: number; events: number[] }[] = [];
  const afters: (string | null)[] = [];

  beforeAll(async () => {
    http = createServer((req, res) => {
      afters.push(new URL(req.url ?? '/', 'http://x').searchParams.get('after'));
      const page = pages.shift() ?? { status: 200, events: [] };
      res.statusCode = page.status;
      res.setHeader('content-type', 'application/json');
      if (page.status === 503) res.setHeader('retry-after', '0');
      const data = page.events.map((n) => ({
        object: 'event',
        id: `event_${n}`,
        event: 'x.y',
        data: {},
        created_at: new Date().toISOString(),
        sequence: n,
        context: { sequence: n },
      }));
      // An empty page stands for a long poll that timed out; don't spin the test.
      setTimeout(() => res.end(JSON.stringify({ object: 'list', data })), data.length ? 0 : 50);
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => http.close(r));
  });

  it('reports a sequence gap, retries a 503, and asks for the page after the last event', async () => {
    pages.push(
      { status: 200, events: [1, 2] },
      { status: 503, events: [] },
      { status: 200, events: [4, 5] },
    );
    const gaps: SequenceGap[] = [];
    const retries: number[] = [];
    const handled: number[] = [];
    const controller = new AbortController();
    await consume({
      url,
      apiKey: 'k',
      bookmark: { load: () => null, save: () => {} },
      handler: (e) => {
        handled.push(e.sequence);
        if (e.sequence === 5) controller.abort();
      },
      onGap: (g) => gaps.push(g),
      onRetry: (_err, attempt) => retries.push(attempt),
      signal: controller.signal,
    });
    expect(handled).toEqual([1, 2, 4, 5]);
    expect(gaps.map((g) => [g.expected, g.received])).toEqual([[3, 4]]);
    expect(retries).toEqual([1]);
    expect(afters).toEqual([null, 'event_2', 'event_2']);
  });
});
