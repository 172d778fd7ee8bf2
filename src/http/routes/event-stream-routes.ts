// GET /events/stream: Server-Sent Events. Each event is sent with `id:` set to
// its event id, so EventSource's Last-Event-ID resumes exactly after it, and
// `event:` set to its type, so addEventListener('user.created') works. A
// stream without a cursor starts at the head (new events only), as a live
// feed should; `from=start` replays the retained history first.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { toEventOut } from '../../domain/event.ts';
import type { EventQuery, EventReader } from '../../services/event-reader.ts';
import { requireAuth } from '../auth.ts';
import { Problem, problemResponses } from '../schemas/common-schemas.ts';
import { EventStreamQuery } from '../schemas/event-schemas.ts';
import { parseTypeFilter } from './event-routes.ts';

export interface EventStreamDeps {
  reader: EventReader;
  heartbeatMs: number;
}

const PAGE = 100;

export const eventStreamRoutes =
  (deps: EventStreamDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/events/stream',
      {
        schema: {
          operationId: 'streamEvents',
          tags: ['events'],
          summary: 'Stream events as Server-Sent Events as they commit; resume with Last-Event-ID',
          querystring: EventStreamQuery,
          headers: {
            type: 'object',
            properties: {
              'last-event-id': { type: 'string', description: 'Resume after this event id.' },
            },
          },
          response: {
            200: {
              description: 'text/event-stream of events',
              content: { 'text/event-stream': { schema: { type: 'string' } } },
            },
            410: Problem,
            ...problemResponses,
          },
        },
      },
      async (request, reply) => {
        const auth = requireAuth(request);
        const q = request.query;
        const lastEventId = request.headers['last-event-id'];
        const cursorText = (typeof lastEventId === 'string' && lastEventId) || q.after || null;
        const query: EventQuery = {
          tenantId: auth.tenantId,
          after: null,
          order: 'asc',
          limit: PAGE,
          types: parseTypeFilter(q),
          organizationId: q.organization_id ?? null,
          rangeStart: null,
          rangeEnd: null,
        };
        // Register for wake-ups and resolve the cursor before answering, so a
        // bad cursor still gets a problem+json response and no commit is missed.
        const waiter = deps.reader.waiter(auth.tenantId);
        let cursor: number | null;
        try {
          cursor =
            cursorText === null
              ? q.from === 'start'
                ? null
                : await deps.reader.head(auth.tenantId)
              : await deps.reader.resolveCursor(
                  auth.tenantId,
                  cursorText,
                  typeof lastEventId === 'string' && lastEventId ? 'Last-Event-ID' : 'after',
                );
        } catch (err) {
          waiter.close();
          throw err;
        }

        const raw = reply.raw;
        const abort = new AbortController();
        raw.once('close', () => abort.abort());
        // The client may have gone while the cursor was being resolved.
        if (raw.destroyed || raw.socket?.destroyed) abort.abort();
        reply.hijack();
        raw.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        raw.write(': connected\nretry: 2000\n\n');
        // Waits for drain under backpressure, but never for an event that has
        // already happened: once the client is gone, writes are dropped.
        const write = async (chunk: string) => {
          if (abort.signal.aborted || raw.destroyed) return;
          if (raw.write(chunk)) return;
          await new Promise<void>((resolve) => {
            const done = () => {
              raw.off('drain', done);
              abort.signal.removeEventListener('abort', done);
              resolve();
            };
            raw.once('drain', done);
            abort.signal.addEventListener('abort', done, { once: true });
            if (abort.signal.aborted) done();
          });
        };
        try {
          while (!abort.signal.aborted) {
            const page = await deps.reader.listAfterSequence(query, cursor);
            for (const e of page) {
              // Type names cannot hold a newline (event-type.ts), so one line each.
              await write(
                `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(toEventOut(e))}\n\n`,
              );
              cursor = e.sequence;
            }
            if (page.length === PAGE) continue;
            const woke = await waiter.wait(deps.heartbeatMs, abort.signal);
            if (!woke && !abort.signal.aborted) await write(': heartbeat\n\n');
          }
        } catch (err) {
          request.log.warn({ err }, 'event stream ended by an error');
        } finally {
          waiter.close();
          raw.end();
        }
      },
    );
  };
