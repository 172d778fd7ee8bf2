import { Type } from '@sinclair/typebox';

export const Problem = Type.Object(
  {
    type: Type.String({ description: 'A URI naming the kind of problem.' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String({ description: 'What went wrong, for a human.' }),
    message: Type.String({
      description: 'The same text as `detail`, under the name SDKs (e.g. WorkOS) read.',
    }),
    code: Type.String({ description: 'Stable machine-readable code, e.g. validation_failed.' }),
    field: Type.Optional(Type.String({ description: 'The offending field, when there is one.' })),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), reason: Type.String() }))),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details (application/problem+json).' },
);

export const problemResponses = {
  400: Problem,
  401: Problem,
  403: Problem,
  422: Problem,
  503: Problem,
} as const;
