// GET /events/stream: Server-Sent Events. Each event is sent with `id:` set to
// its event id, so EventSource's Last-Event-ID resumes exactly after it, and
// `event:` set to its type, so addEventListener('user.created') works. A
// stream without a cursor starts at the head (new events only), as a live
// feed should; `from=start` replays the retained history first.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { toEventOut } from '../../domain/event.ts';
import type { EventQuery, EventReader } from '../../services/event-reader.ts';
import type { OpenStream, OpenStreams } from '../../services/open-streams.ts';
import { requireAuth } from '../auth.ts';
import { Problem, problemResponses } from '../schemas/common-schemas.ts';
import { EventStreamQuery } from '../schemas/event-schemas.ts';
import { parseTypeFilter } from './event-routes.ts';

export interface EventStreamDeps {
  reader: EventReader;
  heartbeatMs: number;
  /** Each stream holds one of its key's slots and ends when the key is revoked. */
  streams: OpenStreams;
  /** Writing pauses while the socket holds this much unsent; at most one event more is queued. */
  maxBufferBytes: number;
  /** A client that lets a full buffer sit this long without reading is dropped. */
  writeTimeoutMs: number;
}

const PAGE = 100;

export const eventStreamRoutes =
  (deps: EventStreamDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/events/stream',
      {
        config: { connection: 'sse' },
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
            429: Problem,
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
        // Take a slot, register for wake-ups and resolve the cursor before
        // answering, so a refusal or a bad cursor still gets a problem+json
        // response and no commit is missed.
        const stream: OpenStream = deps.streams.open(auth.keyId, 'sse');
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
          stream.release();
          throw err;
        }
        // HEAD: what GET would answer, without the (endless) body.
        if (request.method === 'HEAD') {
          waiter.close();
          return reply
            .type('text/event-stream; charset=utf-8')
            .header('cache-control', 'no-cache')
            .send('');
        }

        const raw = reply.raw;
        stream.buffered = () => raw.writableLength;
        const gone = new AbortController();
        raw.once('close', () => gone.abort());
        // The client may have gone while the cursor was being resolved.
        if (raw.destroyed || raw.socket?.destroyed) gone.abort();
        const signal = AbortSignal.any([gone.signal, stream.signal]);
        reply.hijack();
        raw.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        raw.write(': connected\nretry: 2000\n\n');
        // Memory per stream stays bounded: past maxBufferBytes unsent nothing
        // more is written (the rest of the page is dropped and read again
        // later), and a client that does not drain within writeTimeoutMs is
        // cut off. Resolves false when writing must pause.
        const roomLeft = () => raw.writableLength < deps.maxBufferBytes;
        const drained = async (): Promise<void> => {
          if (roomLeft()) return;
          const ok = await new Promise<boolean>((resolve) => {
            const done = (v: boolean) => {
              clearTimeout(timer);
              raw.off('drain', onDrain);
              signal.removeEventListener('abort', onAbort);
              resolve(v);
            };
            const onDrain = () => done(true);
            const onAbort = () => done(false);
            const timer = setTimeout(() => done(false), deps.writeTimeoutMs);
            raw.on('drain', onDrain);
            signal.addEventListener('abort', onAbort, { once: true });
            if (signal.aborted) done(false);
          });
          if (!ok && !signal.aborted) stream.end('slow_client');
        };
        try {
          while (!signal.aborted) {
            const page = await deps.reader.listAfterSequence(query, cursor);
            let paused = false;
            for (const e of page) {
              if (signal.aborted || raw.destroyed) break;
              // Type names cannot hold a newline (event-type.ts), so one line each.
              raw.write(
                `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(toEventOut(e))}\n\n`,
              );
              cursor = e.sequence;
              if (!roomLeft()) {
                paused = true;
                break;
              }
            }
            if (paused) {
              await drained();
              continue;
            }
            if (page.length === PAGE) continue;
            const woke = await waiter.wait(deps.heartbeatMs, signal);
            if (!woke && !signal.aborted && roomLeft()) raw.write(': heartbeat\n\n');
          }
        } catch (err) {
          request.log.warn({ err }, 'event stream ended by an error');
        } finally {
          waiter.close();
          stream.release();
          if (stream.reason === 'slow_client') {
            // Its buffer would never drain: drop the connection and what it holds.
            raw.destroy();
          } else {
            if (stream.reason === 'revoked' && !raw.destroyed) raw.write(': api key revoked\n\n');
            raw.end();
          }
        }
      },
    );
  };
