// /api-keys: key management for admin keys (operators). An admin key manages
// keys of every tenant; other keys get 403 (src/http/scopes.ts), except for
// GET /api-keys/current, where any key reads itself (its tenant and scopes).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { HeraldError } from '../../domain/problem.ts';
import { createApiKey } from '../../services/api-keys.ts';
import type { ApiKeyRow, Store } from '../../store/store.ts';
import { requireAuth } from '../auth.ts';
import { ApiKeyIn, ApiKeyListOut, ApiKeyListQuery, ApiKeyOut } from '../schemas/api-key-schemas.ts';
import { Problem, problemResponses } from '../schemas/common-schemas.ts';

function toOut(row: ApiKeyRow, key?: string) {
  return {
    object: 'api_key' as const,
    id: row.id,
    name: row.name,
    tenant: row.tenantName,
    admin: row.admin,
    scopes: row.scopes,
    hint: row.hint,
    created_at: row.createdAt.toISOString(),
    revoked_at: row.revokedAt?.toISOString() ?? null,
    ...(key ? { key } : {}),
  };
}

const responses = problemResponses;

export const apiKeyRoutes =
  (store: Store): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/api-keys/current',
      {
        config: { scope: 'any' },
        schema: {
          operationId: 'getCurrentApiKey',
          tags: ['api-keys'],
          summary: 'The API key making this request: its tenant and scopes (any key)',
          response: { 200: ApiKeyOut, ...problemResponses },
        },
      },
      async (request) => toOut(requireAuth(request).key),
    );

    app.post(
      '/api-keys',
      {
        schema: {
          operationId: 'createApiKey',
          tags: ['api-keys'],
          summary: 'Create an API key (admin); the key is shown only in this response',
          body: ApiKeyIn,
          response: { 201: ApiKeyOut, ...responses },
        },
      },
      async (request, reply) => {
        const auth = requireAuth(request);
        const b = request.body;
        const created = await createApiKey(store, {
          tenant: b.tenant ?? auth.tenantName,
          name: b.name ?? 'api',
          admin: b.admin ?? false,
          scopes: b.scopes ? [...new Set(b.scopes)] : null,
        });
        return reply.code(201).send(toOut(created.row, created.key));
      },
    );

    app.get(
      '/api-keys',
      {
        schema: {
          operationId: 'listApiKeys',
          tags: ['api-keys'],
          summary: 'List API keys (admin), optionally of one tenant',
          querystring: ApiKeyListQuery,
          response: { 200: ApiKeyListOut, ...responses },
        },
      },
      async (request) => {
        let tenantId: string | null = null;
        if (request.query.tenant) {
          const tenant = await store.tenantGetByName({ name: request.query.tenant });
          if (!tenant) return { object: 'list' as const, data: [] };
          tenantId = tenant.id;
        }
        const rows = await store.apiKeyList({ tenantId });
        return { object: 'list' as const, data: rows.map((r) => toOut(r)) };
      },
    );

    app.delete(
      '/api-keys/:id',
      {
        schema: {
          operationId: 'revokeApiKey',
          tags: ['api-keys'],
          summary:
            'Revoke an API key (admin); it stops working at once, and its open streams and long polls end within a second',
          params: Type.Object({ id: Type.String() }),
          response: { 204: Type.Null(), 404: Problem, ...responses },
        },
      },
      async (request, reply) => {
        if (!(await store.apiKeyRevoke({ id: request.params.id }))) {
          throw new HeraldError('not_found', `no active API key with id ${request.params.id}`, {
            field: 'id',
          });
        }
        return reply.code(204).send(null);
      },
    );
  };
