// Wire shapes of deliveries, attempts and replays.
import { type TSchema, Type } from '@sinclair/typebox';
import { ListQuery } from './endpoint-schemas.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

const DeliveryStatus = Type.Union(
  [
    Type.Literal('pending'),
    Type.Literal('retrying'),
    Type.Literal('succeeded'),
    Type.Literal('failed'),
  ],
  {
    description:
      'pending: queued by a replay, test or manual retry, not yet attempted; retrying: failed, waiting for its next attempt; succeeded; failed: given up. A delivery is listed once it has been attempted or queued; events not yet attempted count in the health backlog.',
  },
);

export const AttemptOut = Type.Object({
  object: Type.Literal('delivery_attempt'),
  id: Type.String(),
  attempted_at: Type.String({ format: 'date-time' }),
  request_headers: Type.Record(Type.String(), Type.String()),
  response_status: Nullable(Type.Integer()),
  response_body: Nullable(Type.String()),
  latency_ms: Type.Integer(),
  error: Nullable(Type.String()),
});

export const DeliveryOut = Type.Object(
  {
    object: Type.Literal('delivery'),
    id: Type.String({ description: 'Also the webhook-id header, the same on every attempt.' }),
    endpoint_id: Type.String(),
    kind: Type.String(),
    status: DeliveryStatus,
    attempt_count: Type.Integer(),
    next_attempt_at: Nullable(Type.String({ format: 'date-time' })),
    first_sequence: Type.Integer(),
    last_sequence: Type.Integer(),
    first_position: Nullable(
      Type.Integer({
        description:
          'Position of the first event among the events this endpoint subscribes to (the webhook-endpoint-sequence header); gap-free per endpoint, null for test events.',
      }),
    ),
    last_position: Nullable(Type.Integer()),
    event_ids: Type.Array(Type.String()),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
    attempts: Type.Optional(Type.Array(AttemptOut)),
  },
  { $id: 'Delivery' },
);

export const DeliveryListOut = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(DeliveryOut),
  list_metadata: Type.Object({ after: Nullable(Type.String()) }),
});

export const DeliveryListQuery = Type.Object(
  { ...ListQuery.properties, status: Type.Optional(DeliveryStatus) },
  { additionalProperties: false },
);

export const ReplayIn = Type.Object(
  {
    since: Type.String({ format: 'date-time' }),
    until: Type.Optional(Type.String({ format: 'date-time' })),
    status: Type.Optional(Type.Literal('failed')),
  },
  { additionalProperties: false },
);

export const ReplayOut = Type.Object({
  object: Type.Literal('replay'),
  deliveries: Type.Integer({ description: 'Deliveries created or requeued.' }),
});
