// /sources: the tenant's inbound sources (third parties whose webhooks Herald
// receives at POST /inbound/{id}). Secrets are shown on creation and from
// /sources/{id}/secret only.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { InboundSourceRow } from '../../domain/inbound-source.ts';
import type { SourceService } from '../../services/inbound-sources.ts';
import { requireAuth } from '../auth.ts';
import { Problem, problemResponses } from '../schemas/common-schemas.ts';
import {
  SourceIdParams,
  SourceIn,
  SourceListOut,
  SourceListQuery,
  SourceOut,
  SourcePatch,
  SourceSecretOut,
} from '../schemas/source-schemas.ts';

const tags = ['sources'];
const responses = { 404: Problem, ...problemResponses };

function sourceOut(s: InboundSourceRow, opts: { withSecret?: boolean } = {}) {
  return {
    object: 'inbound_source' as const,
    id: s.id,
    name: s.name,
    scheme: s.scheme,
    type_prefix: s.typePrefix,
    inbound_path: `/inbound/${s.id}`,
    created_at: s.createdAt.toISOString(),
    updated_at: s.updatedAt.toISOString(),
    ...(opts.withSecret ? { secret: s.secret } : {}),
  };
}

export const sourceRoutes =
  (svc: SourceService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/sources',
      {
        schema: {
          operationId: 'createSource',
          tags,
          summary: 'Create an inbound source; the response carries its secret',
          body: SourceIn,
          response: { 201: SourceOut, ...problemResponses },
        },
      },
      async (request, reply) => {
        const row = await svc.create(requireAuth(request).tenantId, request.body);
        return reply.code(201).send(sourceOut(row, { withSecret: true }));
      },
    );

    app.get(
      '/sources',
      {
        schema: {
          operationId: 'listSources',
          tags,
          summary: 'List inbound sources, oldest first, with cursor pagination (no secrets)',
          querystring: SourceListQuery,
          response: { 200: SourceListOut, ...problemResponses },
        },
      },
      async (request) => {
        const { limit, after } = request.query;
        const rows = await svc.list(requireAuth(request).tenantId, after ?? null, limit);
        return {
          object: 'list' as const,
          data: rows.map((r) => sourceOut(r)),
          list_metadata: { after: rows.length === limit ? (rows.at(-1)?.id ?? null) : null },
        };
      },
    );

    app.get(
      '/sources/:id',
      {
        schema: {
          operationId: 'getSource',
          tags,
          summary: 'Get an inbound source',
          params: SourceIdParams,
          response: { 200: SourceOut, ...responses },
        },
      },
      async (request) => sourceOut(await svc.get(requireAuth(request).tenantId, request.params.id)),
    );

    app.get(
      '/sources/:id/secret',
      {
        schema: {
          operationId: 'getSourceSecret',
          tags,
          summary: "Get an inbound source's secret",
          params: SourceIdParams,
          response: { 200: SourceSecretOut, ...responses },
        },
      },
      async (request) => {
        const row = await svc.get(requireAuth(request).tenantId, request.params.id);
        return { object: 'inbound_source_secret' as const, secret: row.secret };
      },
    );

    app.patch(
      '/sources/:id',
      {
        schema: {
          operationId: 'updateSource',
          tags,
          summary: 'Change an inbound source; omitted fields keep their value',
          params: SourceIdParams,
          body: SourcePatch,
          response: { 200: SourceOut, ...responses },
        },
      },
      async (request) =>
        sourceOut(await svc.update(requireAuth(request).tenantId, request.params.id, request.body)),
    );

    app.delete(
      '/sources/:id',
      {
        schema: {
          operationId: 'deleteSource',
          tags,
          summary: 'Delete an inbound source; its events stay in the log',
          params: SourceIdParams,
          response: { 204: Type.Null(), ...responses },
        },
      },
      async (request, reply) => {
        await svc.delete(requireAuth(request).tenantId, request.params.id);
        return reply.code(204).send(null);
      },
    );
  };
