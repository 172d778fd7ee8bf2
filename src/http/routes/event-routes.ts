// POST /events, POST /events/batch, GET /events (WorkOS Events API compatible) and GET /events/{id}.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from '@sinclair/typebox';
import { type NewEvent, toEventOut } from '../../domain/event.ts';
import { levelRank } from '../../domain/log-level.ts';
import { HeraldError } from '../../domain/problem.ts';
import type { EventQuery, EventReader } from '../../services/event-reader.ts';
import type { OpenStream, OpenStreams } from '../../services/open-streams.ts';
import type { Publisher } from '../../services/publisher.ts';
import { requireAuth } from '../auth.ts';
import {
  batchOfCloudEvents,
  registerCloudEventParsers,
  singleCloudEvent,
} from '../cloudevents-ingest.ts';
import { eventBatchOutJson, eventOutJson, JSON_CONTENT_TYPE } from '../event-json.ts';
import { Problem, problemResponses } from '../schemas/common-schemas.ts';
import {
  EventBatchIn,
  EventBatchOut,
  EventIdParams,
  EventIn,
  EventListOut,
  EventListQuery,
  EventOut,
  IdempotencyHeaders,
} from '../schemas/event-schemas.ts';

export interface EventRouteDeps {
  publisher: Publisher;
  reader: EventReader;
  maxEventBytes: number;
  maxBatchBytes: number;
  /** Long polls count against their key's stream limit and end when it is revoked. */
  streams: OpenStreams;
}

function toNewEvent(e: Static<typeof EventIn>, headerKey: string | null = null): NewEvent {
  return {
    type: e.event,
    data: e.data,
    organizationId: e.organization_id ?? null,
    idempotencyKey: e.id ?? headerKey,
    level: e.level === undefined ? null : levelRank(e.level),
  };
}

/** The Idempotency-Key header, refused when it contradicts the body's own key. */
function headerKey(headers: { 'idempotency-key'?: string }, bodyId: string | undefined) {
  const key = headers['idempotency-key'] ?? null;
  if (key !== null && bodyId !== undefined && bodyId !== key) {
    throw new HeraldError(
      'validation_failed',
      "the Idempotency-Key header and the body's id are two different idempotency keys; send one",
      { field: 'Idempotency-Key' },
    );
  }
  return key;
}

/** Accepts events=a,b, repeated events=, and events[]= alike. */
export function parseTypeFilter(q: { events?: string[]; 'events[]'?: string[] }): string[] | null {
  const all = [...(q.events ?? []), ...(q['events[]'] ?? [])]
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return all.length > 0 ? [...new Set(all)] : null;
}

function parseTime(value: string | undefined, field: string): Date | null {
  if (value === undefined) return null;
  const d = new Date(value);
  if (Number.isNaN(d.getTime()))
    throw new HeraldError('bad_request', `${field} must be an ISO 8601 time`, { field });
  return d;
}

export const eventRoutes =
  (deps: EventRouteDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    registerCloudEventParsers(app);
    app.post(
      '/events',
      {
        bodyLimit: deps.maxEventBytes,
        preValidation: singleCloudEvent,
        schema: {
          operationId: 'publishEvent',
          tags: ['events'],
          summary: 'Publish one event',
          description:
            "Takes a Herald event (application/json) or a CloudEvent 1.0: structured mode (application/cloudevents+json) or binary mode (ce-* headers, the body is data). A CloudEvent's type becomes event, its data the data, its organizationid extension organization_id, and its source and id together the idempotency key.",
          body: EventIn,
          headers: IdempotencyHeaders,
          response: { 200: EventOut, 201: EventOut, 413: Problem, ...problemResponses },
        },
      },
      async (request, reply) => {
        const auth = requireAuth(request);
        const key = headerKey(request.headers, request.body.id);
        const [result] = await deps.publisher.publish(auth.tenantId, [
          toNewEvent(request.body, key),
        ]);
        if (!result) throw new Error('append returned no event');
        if (result.replayed) reply.header('idempotent-replayed', 'true');
        // Already the schema's serialized form (event-json.ts); Fastify sends JSON text as is.
        return reply
          .code(result.replayed ? 200 : 201)
          .type(JSON_CONTENT_TYPE)
          .send(eventOutJson(result) as unknown as Static<typeof EventOut>);
      },
    );

    app.post(
      '/events/batch',
      {
        bodyLimit: deps.maxBatchBytes,
        preValidation: batchOfCloudEvents,
        schema: {
          operationId: 'publishEventBatch',
          tags: ['events'],
          summary: 'Publish up to 1,000 events atomically: all are stored or none',
          description:
            'Takes {"events": [...]} (application/json) or a CloudEvents 1.0 batch (application/cloudevents-batch+json: a JSON array of structured CloudEvents).',
          body: EventBatchIn,
          headers: IdempotencyHeaders,
          response: { 201: EventBatchOut, 413: Problem, ...problemResponses },
        },
      },
      async (request, reply) => {
        const auth = requireAuth(request);
        const key = request.headers['idempotency-key'] ?? null;
        // A retried batch with the same key maps each event to its first copy.
        const published = await deps.publisher.publish(
          auth.tenantId,
          request.body.events.map((e, i) => toNewEvent(e, key === null ? null : `${key}:${i}`)),
          'events.',
        );
        return reply
          .code(201)
          .type(JSON_CONTENT_TYPE)
          .send(eventBatchOutJson(published) as unknown as Static<typeof EventBatchOut>);
      },
    );

    app.get(
      '/events/:id',
      {
        schema: {
          operationId: 'getEvent',
          tags: ['events'],
          summary: 'Get one event by id',
          params: EventIdParams,
          response: { 200: EventOut, 404: Problem, ...problemResponses },
        },
      },
      async (request) => {
        const auth = requireAuth(request);
        const event = await deps.reader.get(auth.tenantId, request.params.id);
        if (!event) {
          throw new HeraldError(
            'not_found',
            `no event with id ${request.params.id} in this environment (or it is past the retention horizon)`,
            { field: 'id' },
          );
        }
        return toEventOut(event);
      },
    );

    app.get(
      '/events',
      {
        config: { connection: 'long_poll' },
        schema: {
          operationId: 'listEvents',
          tags: ['events'],
          summary: 'List events in strict order, with cursor pagination and optional long polling',
          querystring: EventListQuery,
          response: { 200: EventListOut, 410: Problem, 429: Problem, ...problemResponses },
        },
      },
      async (request, reply) => {
        const auth = requireAuth(request);
        const q = request.query;
        const query: EventQuery = {
          tenantId: auth.tenantId,
          after: q.after ?? null,
          order: q.order,
          limit: q.limit,
          types: parseTypeFilter(q),
          organizationId: q.organization_id ?? null,
          rangeStart: parseTime(q.range_start, 'range_start'),
          rangeEnd: parseTime(q.range_end, 'range_end'),
        };
        const waitMs = (q.wait ?? 0) * 1000;
        const stream: OpenStream | null =
          waitMs > 0 && q.order === 'asc' ? deps.streams.open(auth.keyId, 'long_poll') : null;
        const abort = new AbortController();
        const onClose = () => abort.abort();
        // The response's close (not the request's) tells us the client went away.
        reply.raw.once('close', onClose);
        if (reply.raw.destroyed || reply.raw.socket?.destroyed) abort.abort();
        // Revocation and shutdown end the wait too; shutdown answers with what there is.
        const signal = stream ? AbortSignal.any([abort.signal, stream.signal]) : abort.signal;
        try {
          const events = await deps.reader.list(query, waitMs, signal);
          if (stream?.reason === 'revoked') {
            throw new HeraldError('unauthorized', 'the API key was revoked during the long poll');
          }
          return reply.send({
            object: 'list',
            data: events.map(toEventOut),
            list_metadata: { after: events.at(-1)?.id ?? null },
          });
        } finally {
          reply.raw.off('close', onClose);
          stream?.release();
        }
      },
    );
  };
