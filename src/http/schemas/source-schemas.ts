// Wire shapes of inbound sources and of the inbound endpoint's answer. Rules
// a schema cannot express (secret per scheme, type prefix) are checked in
// services/inbound-sources.ts.
import { Type } from '@sinclair/typebox';
import { INBOUND_SCHEMES } from '../../domain/inbound-source.ts';

const Scheme = Type.Union(
  INBOUND_SCHEMES.map((s) => Type.Literal(s)),
  {
    description:
      'How requests are verified: standard_webhooks (Svix too), stripe (Stripe-Signature), github (X-Hub-Signature-256), workos (WorkOS-Signature) or token (Authorization: Bearer <secret>).',
  },
);

const props = {
  name: Type.String({ minLength: 1, maxLength: 255 }),
  scheme: Scheme,
  secret: Type.String({
    minLength: 1,
    maxLength: 1024,
    description:
      "The provider's signing secret (required for stripe, github and workos); generated for standard_webhooks and token when omitted.",
  }),
  type_prefix: Type.String({
    maxLength: 64,
    description:
      'Prepended to the provider\'s event type, e.g. "stripe." makes invoice.paid into stripe.invoice.paid. Empty or dot-terminated segments.',
  }),
};

export const SourceIn = Type.Object(
  {
    name: props.name,
    scheme: props.scheme,
    secret: Type.Optional(props.secret),
    type_prefix: Type.Optional(props.type_prefix),
  },
  { additionalProperties: false },
);

export const SourcePatch = Type.Object(
  {
    name: Type.Optional(props.name),
    scheme: Type.Optional(props.scheme),
    secret: Type.Optional(props.secret),
    type_prefix: Type.Optional(props.type_prefix),
  },
  { additionalProperties: false },
);

export const SourceOut = Type.Object(
  {
    object: Type.Literal('inbound_source'),
    id: Type.String(),
    name: Type.String(),
    scheme: Type.String(),
    type_prefix: Type.String(),
    inbound_path: Type.String({
      description: 'Where the provider sends its webhooks: POST {herald url}{inbound_path}.',
    }),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
    secret: Type.Optional(
      Type.String({
        description: 'Only in the creation response and from GET /sources/{id}/secret.',
      }),
    ),
  },
  { $id: 'InboundSource' },
);

export const SourceListOut = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(SourceOut),
  list_metadata: Type.Object({ after: Type.Union([Type.String(), Type.Null()]) }),
});

export const SourceSecretOut = Type.Object({
  object: Type.Literal('inbound_source_secret'),
  secret: Type.String(),
});

export const SourceListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
    after: Type.Optional(Type.String({ description: 'Cursor: the last id of the previous page.' })),
  },
  { additionalProperties: false },
);

export const SourceIdParams = Type.Object({ id: Type.String() });

export const InboundParams = Type.Object({ source_id: Type.String() });

export const InboundReceiptOut = Type.Object({
  object: Type.Literal('inbound_receipt'),
  event_id: Type.String({ description: 'The event now in the log.' }),
  sequence: Type.Integer(),
  replayed: Type.Boolean({
    description:
      'True when this provider event was received before (a retry): nothing new was stored.',
  }),
});
