import { Type } from '@sinclair/typebox';

export const TenantName = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9_.-]+$',
});

export const ApiKeyIn = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    tenant: Type.Optional(TenantName),
    admin: Type.Optional(Type.Boolean({ default: false })),
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
