// Endpoint configuration as the API takes it (snake_case, everything optional)
// turned into a complete, validated EndpointConfig. Defaults live here, once,
// so that create and update agree; every rule a schema cannot express (SSRF,
// secrets, retry presets, format/batch combinations) is checked here and
// reported as a 422 naming the field. Nothing is stored before this passes.

import type { EndpointConfig } from '../../domain/endpoint.ts';
import { checkCustomHeaders } from '../../domain/endpoint-headers.ts';
import { checkEndpointUrl } from '../../domain/endpoint-url.ts';
import { isValidEventPattern } from '../../domain/event-filter.ts';
import { type LogLevel, levelRank } from '../../domain/log-level.ts';
import {
  isPayloadFormat,
  isSingleEventFormat,
  PAYLOAD_FORMATS,
} from '../../domain/payload-format.ts';
import { HeraldError } from '../../domain/problem.ts';
import { resolveRetrySchedule } from '../../domain/retry-schedule.ts';
import { isValidSecret, SECRET_MAX_BYTES, SECRET_MIN_BYTES } from '../../domain/signature.ts';

export interface EndpointInput {
  url?: string;
  description?: string;
  active?: boolean;
  events?: string[];
  organization_id?: string | null;
  authorization?: string | null;
  format?: string;
  content_type?: string | null;
  batch_size?: number;
  batch_wait_ms?: number;
  max_concurrency?: number;
  rate_limit?: number | null;
  ordered?: boolean;
  ordered_by?: 'organization' | null;
  retry?: string | number[];
  timeout?: { connect_ms?: number; response_ms?: number };
  disable_after?: { failures?: number | null; duration?: number | null };
  notify_url?: string | null;
  notify_success?: boolean;
  source?: string | null;
  headers?: Record<string, string> | null;
  min_level?: LogLevel | null;
}

export const ENDPOINT_DEFAULTS: Omit<EndpointConfig, 'url'> = {
  description: '',
  active: true,
  eventTypes: ['*'],
  organizationId: null,
  authorization: null,
  format: 'json',
  contentType: null,
  batchSize: 1,
  batchWaitMs: 0,
  maxConcurrency: 10,
  rateLimit: null,
  ordered: false,
  orderedBy: 'none',
  retry: 'default',
  timeoutConnectMs: 5_000,
  timeoutResponseMs: 60_000,
  // A delivery fails once its retries are exhausted; three in a row disable.
  disableAfterFailures: 3,
  disableAfterMs: null,
  notifyUrl: null,
  notifySuccess: false,
  source: null,
  headers: {},
  minLevel: null,
};

const invalid = (field: string, detail: string) =>
  new HeraldError('validation_failed', detail, { field });

/** `??` that keeps an explicit null (clearing) but not undefined (unchanged). */
function pick<T>(value: T | undefined, base: T): T {
  return value === undefined ? base : value;
}

/**
 * Applies `input` over `base` (the stored config, or the defaults on create)
 * and validates the result. Throws HeraldError (422) naming the field.
 */
export function buildEndpointConfig(
  input: EndpointInput,
  base: EndpointConfig | null,
  opts: { allowPrivate: boolean },
): EndpointConfig {
  const b: EndpointConfig = base ?? { ...ENDPOINT_DEFAULTS, url: '' };
  const c: EndpointConfig = {
    url: pick(input.url, b.url),
    description: pick(input.description, b.description),
    active: pick(input.active, b.active),
    eventTypes: pick(input.events, b.eventTypes),
    organizationId: pick(input.organization_id, b.organizationId),
    authorization: pick(input.authorization, b.authorization),
    format: b.format,
    contentType: pick(input.content_type, b.contentType),
    batchSize: pick(input.batch_size, b.batchSize),
    batchWaitMs: pick(input.batch_wait_ms, b.batchWaitMs),
    maxConcurrency: pick(input.max_concurrency, b.maxConcurrency),
    rateLimit: pick(input.rate_limit, b.rateLimit),
    ordered: pick(input.ordered, b.ordered),
    orderedBy: input.ordered_by === undefined ? b.orderedBy : (input.ordered_by ?? 'none'),
    retry: pick(input.retry, b.retry),
    timeoutConnectMs: pick(input.timeout?.connect_ms, b.timeoutConnectMs),
    timeoutResponseMs: pick(input.timeout?.response_ms, b.timeoutResponseMs),
    disableAfterFailures: pick(input.disable_after?.failures, b.disableAfterFailures),
    disableAfterMs:
      input.disable_after?.duration === undefined
        ? b.disableAfterMs
        : input.disable_after.duration === null
          ? null
          : Math.round(input.disable_after.duration * 1000),
    notifyUrl: pick(input.notify_url, b.notifyUrl),
    notifySuccess: pick(input.notify_success, b.notifySuccess),
    source: pick(input.source, b.source),
    headers: input.headers === undefined ? b.headers : (input.headers ?? {}),
    minLevel:
      input.min_level === undefined
        ? b.minLevel
        : input.min_level === null
          ? null
          : levelRank(input.min_level),
  };
  if (input.format !== undefined) {
    if (!isPayloadFormat(input.format)) {
      throw invalid('format', `format must be one of ${PAYLOAD_FORMATS.join(', ')}`);
    }
    c.format = input.format;
  }

  const url = checkEndpointUrl(c.url, opts);
  if (!url.ok) throw invalid('url', url.reason);
  c.url = url.url.href;
  if (c.notifyUrl !== null) {
    const n = checkEndpointUrl(c.notifyUrl, opts);
    if (!n.ok) throw invalid('notify_url', n.reason.replace(/^url/, 'notify_url'));
    c.notifyUrl = n.url.href;
  }
  c.eventTypes.forEach((p, i) => {
    if (!isValidEventPattern(p)) {
      throw invalid(
        `events.${i}`,
        `events[${i}] ${JSON.stringify(p)} is not an event type or wildcard such as user.created, user.* or *`,
      );
    }
  });
  c.eventTypes = [...new Set(c.eventTypes)];
  const headers = checkCustomHeaders(c.headers);
  if (!headers.ok) throw invalid(headers.field, headers.reason);
  const retry = resolveRetrySchedule(c.retry);
  if (!retry.ok) throw invalid('retry', retry.reason);
  if (isSingleEventFormat(c.format) && c.batchSize > 1) {
    throw invalid(
      'batch_size',
      `the ${c.format} format sends one event per request, so batch_size must be 1; use json_array, json_lines or cloudevents_batch to batch`,
    );
  }
  if (c.orderedBy === 'organization' && !c.ordered) {
    throw invalid('ordered_by', 'ordered_by needs ordered: true');
  }
  return c;
}

/** Validates a user-supplied secret (generated ones are valid by construction). */
export function assertValidSecret(secret: string): void {
  if (!isValidSecret(secret)) {
    throw invalid(
      'secret',
      `secret must be "whsec_" followed by canonical base64 of ${SECRET_MIN_BYTES} to ${SECRET_MAX_BYTES} random bytes`,
    );
  }
}
