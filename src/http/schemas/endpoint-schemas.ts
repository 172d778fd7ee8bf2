// Wire shapes of webhook endpoints and deliveries. Range and shape rules live
// here; rules a schema cannot express (SSRF, secrets, retry presets, format and
// batch combinations) are checked in services/delivery/endpoint-config.ts.
import { type TLiteral, type TOptional, type TSchema, Type } from '@sinclair/typebox';
import { DEFAULT_CE_SOURCE } from '../../domain/cloudevents.ts';
import { PAYLOAD_FORMATS, type PayloadFormat } from '../../domain/payload-format.ts';
import { RETRY_PRESET_NAMES } from '../../domain/retry-schedule.ts';
import { HEADER_VALUE_PATTERN } from '../../domain/text-rules.ts';
import { LogLevelSchema } from './event-schemas.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

// Array first: with coerceTypes, a string-first union would turn [5] into "5".
const Retry = Type.Union(
  [
    Type.Array(Type.Number({ minimum: 0 }), { maxItems: 50 }),
    Type.String({ minLength: 1, maxLength: 64 }),
  ],
  {
    description: `A preset (${RETRY_PRESET_NAMES.join(', ')}) or delays in seconds between attempts (fractions allowed).`,
  },
);

const Timeout = Type.Object(
  {
    connect_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 60_000 })),
    response_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 300_000 })),
  },
  { additionalProperties: false },
);

const DisableAfter = Type.Object(
  {
    failures: Type.Optional(
      Nullable(
        Type.Integer({
          minimum: 1,
          maximum: 10_000,
          description: 'Consecutive failed deliveries.',
        }),
      ),
    ),
    duration: Type.Optional(
      Nullable(
        Type.Number({
          minimum: 1,
          maximum: 90 * 24 * 3600,
          description: 'Seconds of continuous failure (one success resets).',
        }),
      ),
    ),
  },
  { additionalProperties: false },
);

/** Fields both create and update accept. */
const configProps = {
  url: Type.String({
    minLength: 1,
    maxLength: 2048,
    description: 'https URL on a public address.',
  }),
  description: Type.String({ maxLength: 500 }),
  active: Type.Boolean(),
  events: Type.Array(Type.String({ minLength: 1, maxLength: 255 }), {
    minItems: 1,
    maxItems: 100,
    description: 'Event types or wildcards: ["*"], ["user.*", "order.paid"].',
  }),
  organization_id: Nullable(Type.String({ minLength: 1, maxLength: 255 })),
  authorization: Nullable(
    Type.String({
      minLength: 1,
      maxLength: 4096,
      pattern: HEADER_VALUE_PATTERN,
      description:
        'Sent verbatim as the Authorization header: tab, printable ASCII and Latin-1 letters (no CR, LF or other control characters).',
    }),
  ),
  format: Type.Union(PAYLOAD_FORMATS.map((f) => Type.Literal(f)) as [TLiteral<PayloadFormat>], {
    description:
      'json (one event per request), json_array, json_lines, or CloudEvents 1.0: cloudevents (structured), cloudevents_binary (ce-* headers), cloudevents_batch.',
  }),
  content_type: Nullable(
    // Parameters are visible ASCII, spaces and tabs: the value is sent as a header.
    Type.String({ minLength: 3, maxLength: 255, pattern: '^[!-~]+/[!-~]+([\\t ]*;[\\t -~]*)?$' }),
  ),
  batch_size: Type.Integer({ minimum: 1, maximum: 100 }),
  batch_wait_ms: Type.Integer({ minimum: 0, maximum: 60_000 }),
  max_concurrency: Type.Integer({ minimum: 1, maximum: 100 }),
  rate_limit: Nullable(
    Type.Integer({ minimum: 1, maximum: 10_000, description: 'Requests per second.' }),
  ),
  ordered: Type.Boolean(),
  ordered_by: Nullable(Type.Literal('organization')),
  retry: Retry,
  timeout: Timeout,
  disable_after: DisableAfter,
  notify_url: Nullable(Type.String({ minLength: 1, maxLength: 2048 })),
  notify_success: Type.Boolean(),
  source: Nullable(
    Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: '^[!-~]+$',
      description: `CloudEvents \`source\` (a URI-reference) of the events sent in the cloudevents formats; default ${DEFAULT_CE_SOURCE}.`,
    }),
  ),
  headers: Nullable(
    Type.Record(Type.String(), Type.String(), {
      description:
        'Custom request headers, name → value (at most 20). Hop-by-hop headers, Host, Content-Length, Content-Type, Authorization, webhook-* and ce-* are refused; null clears.',
    }),
  ),
  min_level: Nullable(LogLevelSchema),
};

const optional = <T extends Record<string, TSchema>>(props: T) =>
  Object.fromEntries(Object.entries(props).map(([k, v]) => [k, Type.Optional(v)])) as {
    [K in keyof T]: TOptional<T[K]>;
  };

const { url, ...rest } = configProps;

export const EndpointIn = Type.Object(
  {
    url,
    ...optional(rest),
    secret: Type.Optional(
      Type.String({ description: 'whsec_ + base64 of 24–64 bytes; generated when omitted.' }),
    ),
    start_from: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        default: 'now',
        description:
          'Where delivery starts (Auth0 START_FROM): `now` (the default) for events published from now on, `start` for the whole retained history, or an event id to deliver the events after it.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const EndpointPatch = Type.Object(optional(configProps), { additionalProperties: false });

export const EndpointOut = Type.Object(
  {
    object: Type.Literal('endpoint'),
    id: Type.String(),
    url: Type.String(),
    description: Type.String(),
    active: Type.Boolean(),
    disabled_reason: Nullable(Type.String()),
    disabled_at: Nullable(Type.String({ format: 'date-time' })),
    events: Type.Array(Type.String()),
    organization_id: Nullable(Type.String()),
    authorization_set: Type.Boolean({
      description: 'Whether an Authorization header is sent (never shown).',
    }),
    format: Type.String(),
    content_type: Nullable(Type.String()),
    batch_size: Type.Integer(),
    batch_wait_ms: Type.Integer(),
    max_concurrency: Type.Integer(),
    rate_limit: Nullable(Type.Number()),
    ordered: Type.Boolean(),
    ordered_by: Nullable(Type.String()),
    retry: Retry,
    timeout: Type.Object({ connect_ms: Type.Integer(), response_ms: Type.Integer() }),
    disable_after: Type.Object({
      failures: Nullable(Type.Integer()),
      duration: Nullable(Type.Number()),
    }),
    notify_url: Nullable(Type.String()),
    notify_success: Type.Boolean(),
    consecutive_failures: Type.Integer({
      description: 'Deliveries given up in a row (a success resets it).',
    }),
    failing_since: Nullable(Type.String({ format: 'date-time' })),
    last_success_at: Nullable(Type.String({ format: 'date-time' })),
    last_failure_at: Nullable(Type.String({ format: 'date-time' })),
    source: Nullable(Type.String()),
    min_level: Nullable(Type.String()),
    headers: Type.Array(Type.String(), {
      description:
        'Names of the custom headers sent (values are never shown: they often hold keys).',
    }),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
    secret: Type.Optional(
      Type.String({ description: 'Only in the creation and rotation responses.' }),
    ),
  },
  { $id: 'Endpoint' },
);

export const EndpointListOut = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(EndpointOut),
  list_metadata: Type.Object({ after: Nullable(Type.String()) }),
});

export const ListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
    after: Type.Optional(Type.String({ description: 'Cursor: the last id of the previous page.' })),
  },
  { additionalProperties: false },
);

export const IdParams = Type.Object({ id: Type.String() });

export const SecretOut = Type.Object({
  object: Type.Literal('endpoint_secret'),
  secret: Type.String({ description: 'The current signing secret.' }),
  previous: Type.Array(
    Type.Object({ secret: Type.String(), expires_at: Type.String({ format: 'date-time' }) }),
  ),
});

export const RotateIn = Type.Object(
  {
    secret: Type.Optional(Type.String()),
    grace_period: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 7 * 24 * 3600,
        description: 'Seconds the old secret keeps signing (default 86400).',
      }),
    ),
  },
  { additionalProperties: false },
);

const Window = Type.Object({
  attempts: Type.Integer(),
  succeeded: Type.Integer(),
  success_rate: Nullable(Type.Number()),
  latency_ms: Type.Object({
    p50: Nullable(Type.Number()),
    p95: Nullable(Type.Number()),
    p99: Nullable(Type.Number()),
  }),
});

export const HealthOut = Type.Object({
  object: Type.Literal('endpoint_health'),
  endpoint_id: Type.String(),
  state: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
  disabled_reason: Nullable(Type.String()),
  consecutive_failures: Type.Integer(),
  failing_since: Nullable(Type.String()),
  last_success_at: Nullable(Type.String()),
  last_failure_at: Nullable(Type.String()),
  backlog: Type.Object({
    deliveries: Type.Integer(),
    undispatched_events: Type.Integer(),
    estimated_total: Type.Integer(),
  }),
  last_hour: Window,
  last_day: Window,
});

export const TimelineQuery = Type.Object(
  {
    window: Type.Union([Type.Literal('1h'), Type.Literal('24h')], {
      default: '1h',
      description: 'The last hour or the last day.',
    }),
    buckets: Type.Integer({
      minimum: 1,
      maximum: 240,
      default: 60,
      description: 'How many equal buckets to divide the window into.',
    }),
  },
  { additionalProperties: false },
);

export const TimelineOut = Type.Object({
  object: Type.Literal('endpoint_health_timeline'),
  endpoint_id: Type.String(),
  window: Type.String(),
  bucket_seconds: Type.Number(),
  since: Type.String({ format: 'date-time' }),
  until: Type.String({ format: 'date-time' }),
  buckets: Type.Array(
    Type.Object({
      start: Type.String({ format: 'date-time' }),
      ...Window.properties,
      failed: Type.Integer(),
    }),
    {
      description:
        'Oldest first; each bucket covers [start, start + bucket_seconds). The last one holds the present moment.',
    },
  ),
});
