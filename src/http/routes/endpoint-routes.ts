// /endpoints: webhook endpoint management (create, list, read, update, delete,
// enable/disable, secrets, health). Every route is scoped to the key's tenant.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { endpointHealth, endpointHealthTimeline } from '../../services/delivery/endpoint-health.ts';
import type { EndpointService } from '../../services/delivery/endpoints.ts';
import type { Store } from '../../store/store.ts';
import { requireAuth } from '../auth.ts';
import { Problem, problemResponses } from '../schemas/common-schemas.ts';
import {
  EndpointIn,
  EndpointListOut,
  EndpointOut,
  EndpointPatch,
  HealthOut,
  IdParams,
  ListQuery,
  RotateIn,
  SecretOut,
  TimelineOut,
  TimelineQuery,
} from '../schemas/endpoint-schemas.ts';
import { endpointOut } from './delivery-mappers.ts';

export interface EndpointRouteDeps {
  store: Store;
  endpoints: EndpointService;
}

const tags = ['endpoints'];
const responses = { 404: Problem, ...problemResponses };

export const endpointRoutes =
  (deps: EndpointRouteDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const svc = deps.endpoints;

    app.post(
      '/endpoints',
      {
        schema: {
          operationId: 'createEndpoint',
          tags,
          summary: 'Create a webhook endpoint; the response carries its signing secret',
          body: EndpointIn,
          response: { 201: EndpointOut, ...problemResponses },
        },
      },
      async (request, reply) => {
        const ep = await svc.create(requireAuth(request).tenantId, request.body);
        return reply.code(201).send(endpointOut(ep, { withSecret: true }));
      },
    );

    app.get(
      '/endpoints',
      {
        schema: {
          operationId: 'listEndpoints',
          tags,
          summary:
            'List endpoints, oldest first, with cursor pagination (secrets are not included)',
          querystring: ListQuery,
          response: { 200: EndpointListOut, ...problemResponses },
        },
      },
      async (request) => {
        const { limit, after } = request.query;
        const rows = await svc.list(requireAuth(request).tenantId, after ?? null, limit);
        return {
          object: 'list' as const,
          data: rows.map((r) => endpointOut(r)),
          list_metadata: { after: rows.length === limit ? (rows.at(-1)?.id ?? null) : null },
        };
      },
    );

    app.get(
      '/endpoints/:id',
      {
        schema: {
          operationId: 'getEndpoint',
          tags,
          summary: 'Get an endpoint',
          params: IdParams,
          response: { 200: EndpointOut, ...responses },
        },
      },
      async (request) =>
        endpointOut(await svc.get(requireAuth(request).tenantId, request.params.id)),
    );

    app.patch(
      '/endpoints/:id',
      {
        schema: {
          operationId: 'updateEndpoint',
          tags,
          summary: 'Change an endpoint; omitted fields keep their value, null clears optional ones',
          params: IdParams,
          body: EndpointPatch,
          response: { 200: EndpointOut, ...responses },
        },
      },
      async (request) =>
        endpointOut(
          await svc.update(requireAuth(request).tenantId, request.params.id, request.body),
        ),
    );

    app.delete(
      '/endpoints/:id',
      {
        schema: {
          operationId: 'deleteEndpoint',
          tags,
          summary: 'Delete an endpoint with its deliveries and attempt log',
          params: IdParams,
          response: { 204: Type.Null(), ...responses },
        },
      },
      async (request, reply) => {
        await svc.delete(requireAuth(request).tenantId, request.params.id);
        return reply.code(204).send(null);
      },
    );

    for (const [action, active] of [
      ['enable', true],
      ['disable', false],
    ] as const) {
      app.post(
        `/endpoints/:id/${action}`,
        {
          schema: {
            operationId: `${action}Endpoint`,
            tags,
            summary: active
              ? 'Enable an endpoint: delivery resumes with the events accumulated while it was disabled'
              : 'Disable an endpoint: events keep accumulating and are delivered once it is enabled',
            params: IdParams,
            response: { 200: EndpointOut, ...responses },
          },
        },
        async (request) => {
          const auth = requireAuth(request);
          const row = await svc.setActive(auth.tenantId, request.params.id, active);
          request.log.info(
            { tenant_id: auth.tenantId, endpoint_id: row.id, key_id: auth.keyId },
            active ? 'endpoint enabled' : 'endpoint disabled',
          );
          return endpointOut(row);
        },
      );
    }

    app.get(
      '/endpoints/:id/secret',
      {
        schema: {
          operationId: 'getEndpointSecret',
          tags,
          summary: 'Get the signing secret, and rotated-out secrets still in their grace period',
          params: IdParams,
          response: { 200: SecretOut, ...responses },
        },
      },
      async (request) => {
        const ep = await svc.get(requireAuth(request).tenantId, request.params.id);
        const now = Date.now();
        return {
          object: 'endpoint_secret' as const,
          secret: (ep.secrets.find((s) => s.expiresAt === null) ?? ep.secrets[0])?.secret ?? '',
          previous: ep.secrets
            .filter((s) => s.expiresAt !== null && s.expiresAt.getTime() > now)
            .map((s) => ({ secret: s.secret, expires_at: (s.expiresAt as Date).toISOString() })),
        };
      },
    );

    app.post(
      '/endpoints/:id/rotate-secret',
      {
        schema: {
          operationId: 'rotateEndpointSecret',
          tags,
          summary:
            'Replace the signing secret; the old one keeps signing alongside it for a grace period (default 24 h)',
          params: IdParams,
          body: Type.Optional(RotateIn),
          response: { 200: EndpointOut, ...responses },
        },
      },
      async (request) => {
        const body = request.body ?? {};
        const ep = await svc.rotateSecret(requireAuth(request).tenantId, request.params.id, {
          ...(body.secret !== undefined ? { secret: body.secret } : {}),
          ...(body.grace_period !== undefined ? { graceMs: body.grace_period * 1000 } : {}),
        });
        return endpointOut(ep, { withSecret: true });
      },
    );

    app.get(
      '/endpoints/:id/health',
      {
        schema: {
          operationId: 'getEndpointHealth',
          tags,
          summary:
            'State, success rate and latency percentiles over the last hour and day, failures and backlog',
          params: IdParams,
          response: { 200: HealthOut, ...responses },
        },
      },
      async (request) => {
        const ep = await svc.get(requireAuth(request).tenantId, request.params.id);
        return endpointHealth(deps.store, ep);
      },
    );

    app.get(
      '/endpoints/:id/health/timeline',
      {
        schema: {
          operationId: 'getEndpointHealthTimeline',
          tags,
          summary:
            'Attempts, success rate and latency percentiles per time bucket over the last hour or day',
          params: IdParams,
          querystring: TimelineQuery,
          response: { 200: TimelineOut, ...responses },
        },
      },
      async (request) => {
        const ep = await svc.get(requireAuth(request).tenantId, request.params.id);
        return endpointHealthTimeline(deps.store, ep, request.query);
      },
    );
  };
