// Deliveries and their attempts: inspection, manual retry, replay and test events.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { EndpointService } from '../../services/delivery/endpoints.ts';
import type { Store } from '../../store/store.ts';
import { requireAuth } from '../auth.ts';
import { Problem, problemResponses } from '../schemas/common-schemas.ts';
import {
  DeliveryListOut,
  DeliveryListQuery,
  DeliveryOut,
  ReplayIn,
  ReplayOut,
} from '../schemas/delivery-schemas.ts';
import { IdParams } from '../schemas/endpoint-schemas.ts';
import { deliveryOut } from './delivery-mappers.ts';

export interface DeliveryRouteDeps {
  store: Store;
  endpoints: EndpointService;
}

const tags = ['deliveries'];
const responses = { 404: Problem, ...problemResponses };

export const deliveryRoutes =
  (deps: DeliveryRouteDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const svc = deps.endpoints;

    app.get(
      '/endpoints/:id/deliveries',
      {
        schema: {
          operationId: 'listDeliveries',
          tags,
          summary: 'List deliveries of an endpoint, newest first, optionally by status',
          params: IdParams,
          querystring: DeliveryListQuery,
          response: { 200: DeliveryListOut, ...responses },
        },
      },
      async (request) => {
        const tenantId = requireAuth(request).tenantId;
        const ep = await svc.get(tenantId, request.params.id);
        const q = request.query;
        const rows = await deps.store.deliveryList({
          tenantId,
          endpointId: ep.id,
          status: q.status ?? null,
          after: q.after ?? null,
          limit: q.limit,
        });
        return {
          object: 'list' as const,
          data: rows.map((r) => deliveryOut(r)),
          list_metadata: { after: rows.length === q.limit ? (rows.at(-1)?.id ?? null) : null },
        };
      },
    );

    app.get(
      '/deliveries/:id',
      {
        schema: {
          operationId: 'getDelivery',
          tags,
          summary: 'Get a delivery with every attempt (request headers with secrets redacted)',
          params: IdParams,
          response: { 200: DeliveryOut, ...responses },
        },
      },
      async (request) => {
        const tenantId = requireAuth(request).tenantId;
        const d = await svc.delivery(tenantId, request.params.id);
        const attempts = await deps.store.attemptList({ tenantId, deliveryId: d.id });
        return deliveryOut(d, attempts);
      },
    );

    app.post(
      '/deliveries/:id/retry',
      {
        schema: {
          operationId: 'retryDelivery',
          tags,
          summary:
            'Send a finished (failed, cancelled or succeeded) delivery again, with a fresh retry budget',
          params: IdParams,
          response: { 202: DeliveryOut, 409: Problem, ...responses },
        },
      },
      async (request, reply) => {
        const d = await svc.retryDelivery(requireAuth(request).tenantId, request.params.id);
        return reply.code(202).send(deliveryOut(d));
      },
    );

    app.post(
      '/endpoints/:id/replay',
      {
        schema: {
          operationId: 'replayEndpoint',
          tags,
          summary:
            'Send again the events published in [since, until), or with status "failed" requeue the failed deliveries created then',
          params: IdParams,
          body: ReplayIn,
          response: { 202: ReplayOut, ...responses },
        },
      },
      async (request, reply) => {
        const b = request.body;
        const r = await svc.replay(requireAuth(request).tenantId, request.params.id, {
          since: new Date(b.since),
          until: b.until ? new Date(b.until) : null,
          status: b.status ?? null,
        });
        return reply.code(202).send({ object: 'replay' as const, deliveries: r.deliveries });
      },
    );

    app.post(
      '/endpoints/:id/test',
      {
        schema: {
          operationId: 'testEndpoint',
          tags,
          summary:
            'Send a synthetic herald.test event (not stored in the log), once, even to a disabled endpoint',
          params: IdParams,
          response: { 202: DeliveryOut, ...responses },
        },
      },
      async (request, reply) => {
        const d = await svc.sendTest(requireAuth(request).tenantId, request.params.id);
        return reply.code(202).send(deliveryOut(d));
      },
    );
  };
