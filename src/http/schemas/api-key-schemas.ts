import { Type } from '@sinclair/typebox';
import { API_KEY_SCOPES } from '../../domain/api-key.ts';

export const ApiKeyScope = Type.Union(
  [
    Type.Literal(API_KEY_SCOPES[0]),
    Type.Literal(API_KEY_SCOPES[1]),
    Type.Literal(API_KEY_SCOPES[2]),
    Type.Literal(API_KEY_SCOPES[3]),
  ],
  {
    description:
      'events:write publishes; events:read lists and streams events; endpoints:manage manages webhook endpoints, deliveries, replays and tests; admin manages API keys and implies every other scope.',
  },
);

export const TenantName = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9_.-]+$',
});

export const ApiKeyIn = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    tenant: Type.Optional(TenantName),
    admin: Type.Optional(
      Type.Boolean({ default: false, description: 'Shorthand for adding the admin scope.' }),
    ),
    scopes: Type.Optional(
      Type.Array(ApiKeyScope, {
        minItems: 1,
        description:
          'What the key may do; default: events:write, events:read and endpoints:manage (admin: admin).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ApiKeyOut = Type.Object(
  {
    object: Type.Literal('api_key'),
    id: Type.String(),
    name: Type.String(),
    tenant: Type.String(),
    admin: Type.Boolean(),
    scopes: Type.Array(ApiKeyScope),
    hint: Type.String({ description: 'A recognisable fragment of the key.' }),
    created_at: Type.String({ format: 'date-time' }),
    revoked_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    key: Type.Optional(
      Type.String({ description: 'The secret key. Only present in the creation response.' }),
    ),
  },
  { $id: 'ApiKey' },
);

export const ApiKeyListOut = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(ApiKeyOut),
});

export const ApiKeyListQuery = Type.Object(
  { tenant: Type.Optional(TenantName) },
  { additionalProperties: false },
);
