// CloudEvents producers publish to POST /events (structured mode by content
// type, binary mode by ce-* headers) and POST /events/batch (batch mode). A
// preValidation hook rewrites the CloudEvent into Herald's own request body,
// so the route's schema, size limits and idempotency apply unchanged.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  attributesFromHeaders,
  CE_BATCH,
  CE_STRUCTURED,
  fromCloudEvent,
} from '../domain/cloudevents.ts';
import { HeraldError } from '../domain/problem.ts';
import { parseStrictJson } from './json-body-parser.ts';

function mediaType(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function asObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HeraldError('validation_failed', `${field} must be a CloudEvent JSON object`, {
      field,
    });
  }
  return value as Record<string, unknown>;
}

/** Both CloudEvents JSON media types parse as Herald's own JSON bodies do, within the route's body limit. */
export function registerCloudEventParsers(app: FastifyInstance): void {
  app.addContentTypeParser([CE_STRUCTURED, CE_BATCH], { parseAs: 'buffer' }, parseStrictJson);
}

/** preValidation for POST /events. */
export async function singleCloudEvent(request: FastifyRequest): Promise<void> {
  const type = mediaType(request);
  if (type === CE_BATCH) {
    throw new HeraldError(
      'unsupported_media_type',
      `${CE_BATCH} is batch mode: send it to POST /events/batch`,
    );
  }
  if (type === CE_STRUCTURED) {
    const attrs = asObject(request.body, '(root)');
    request.body = fromCloudEvent(attrs, attrs.data, (name) => name);
    return;
  }
  if (request.headers['ce-specversion'] !== undefined) {
    const attrs: Record<string, unknown> = attributesFromHeaders(request.headers);
    if (request.headers['content-type'] !== undefined) {
      attrs.datacontenttype = request.headers['content-type'];
    }
    request.body = fromCloudEvent(attrs, request.body, (name) =>
      name === 'data' ? 'data' : name === 'datacontenttype' ? 'content-type' : `ce-${name}`,
    );
  }
}

/** preValidation for POST /events/batch. */
export async function batchOfCloudEvents(request: FastifyRequest): Promise<void> {
  if (mediaType(request) !== CE_BATCH) return;
  if (!Array.isArray(request.body)) {
    throw new HeraldError('validation_failed', `a ${CE_BATCH} body must be a JSON array`, {
      field: '(root)',
    });
  }
  request.body = {
    events: request.body.map((item: unknown, i) => {
      const attrs = asObject(item, String(i));
      return fromCloudEvent(attrs, attrs.data, (name) => `${i}.${name}`);
    }),
  };
}
