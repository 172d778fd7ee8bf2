// Wire shapes of the Events API. These schemas are the single source for
// request validation, response serialization and the OpenAPI document.
import { type TLiteral, Type } from '@sinclair/typebox';
import { EVENT_TYPE_MAX_LENGTH, EVENT_TYPE_PATTERN } from '../../domain/event-type.ts';
import { LOG_LEVELS, type LogLevel } from '../../domain/log-level.ts';

const EventType = Type.String({
  pattern: EVENT_TYPE_PATTERN,
  maxLength: EVENT_TYPE_MAX_LENGTH,
  description:
    'Event type: dot-separated segments of letters, digits and underscores, e.g. user.created; or one lowercase segment such as an Auth0 log type code (f, s, fp).',
  examples: ['user.created'],
});

export const LogLevelSchema = Type.Union(
  LOG_LEVELS.map((l) => Type.Literal(l)) as [TLiteral<LogLevel>],
  {
    description:
      'Log level (Auth0 LOG_LEVEL 0-4: debug, info, warning, error, critical); endpoints with a min_level receive only events at or above it.',
  },
);

const Id255 = (description: string) => Type.String({ minLength: 1, maxLength: 255, description });

export const EventIn = Type.Object(
  {
    event: EventType,
    data: Type.Object(
      {},
      { additionalProperties: true, description: 'The event payload: any JSON object.' },
    ),
    organization_id: Type.Optional(
      Id255('Organization the event belongs to; a filter within the environment.'),
    ),
    id: Type.Optional(
      Id255(
        'Idempotency key: publishing the same key again returns the first event instead of storing a second.',
      ),
    ),
    level: Type.Optional(LogLevelSchema),
  },
  { additionalProperties: false },
);

export const EventBatchIn = Type.Object(
  { events: Type.Array(EventIn, { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);

export const EventOut = Type.Object(
  {
    object: Type.Literal('event'),
    id: Type.String({ description: 'Server id; sorts in commit order within the environment.' }),
    event: Type.String(),
    data: Type.Object({}, { additionalProperties: true }),
    created_at: Type.String({ format: 'date-time' }),
    organization_id: Type.Optional(Type.String()),
    sequence: Type.Integer({
      description: 'Gap-free, increasing position of the event in its environment.',
    }),
    context: Type.Object({
      sequence: Type.Integer(),
      organization_id: Type.Optional(Type.String()),
    }),
    level: Type.Optional(LogLevelSchema),
  },
  { $id: 'Event' },
);

export const EventListOut = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(EventOut),
  list_metadata: Type.Object({
    after: Type.Union([Type.String(), Type.Null()], {
      description: 'Id of the last event returned: pass it as `after` to get the next page.',
    }),
  }),
});

export const EventBatchOut = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(EventOut),
});

const TypeList = Type.Array(Type.String(), {
  description: 'Event types to include: comma-separated, repeated, or as events[]=.',
});

/** Filters shared by the list and the stream. */
const filterProps = {
  events: Type.Optional(TypeList),
  'events[]': Type.Optional(TypeList),
  organization_id: Type.Optional(Type.String({ minLength: 1 })),
  after: Type.Optional(Type.String({ description: 'Cursor: return events after this event id.' })),
};

export const EventListQuery = Type.Object(
  {
    ...filterProps,
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
    order: Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'asc' }),
    range_start: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'Only events created at or after this time.',
      }),
    ),
    range_end: Type.Optional(
      Type.String({ format: 'date-time', description: 'Only events created before this time.' }),
    ),
    wait: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 60,
        description:
          'Long polling: seconds to hold the request open until a matching event commits (ignored with order=desc).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const EventStreamQuery = Type.Object(
  {
    ...filterProps,
    from: Type.Optional(
      Type.Union([Type.Literal('now'), Type.Literal('start')], {
        default: 'now',
        description:
          'Where a stream without `after` or Last-Event-ID starts: `now` (the default) sends only events committed from now on; `start` replays the retained history first.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const EventIdParams = Type.Object({
  id: Type.String({ description: 'The event id, e.g. event_01J…' }),
});

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      description:
        "Stripe-style idempotency key, an alternative to the body's `id`: publishing with the same key again returns the first event. On a batch, event i is keyed `<key>:<i>` unless it has its own `id`.",
    }),
  ),
});
