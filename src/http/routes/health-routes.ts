// GET /healthz needs no key: it answers 200 when the store answers, 503 otherwise.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { HeraldError } from '../../domain/problem.ts';
import type { Store } from '../../store/store.ts';
import { Problem } from '../schemas/common-schemas.ts';

export const healthRoutes =
  (store: Store, version: string): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/healthz',
      {
        schema: {
          operationId: 'health',
          tags: ['health'],
          summary: 'Liveness and readiness: 200 when the store is reachable',
          security: [],
          response: {
            200: Type.Object({
              status: Type.Literal('ok'),
              version: Type.String(),
              store: Type.String(),
            }),
            503: Problem,
          },
        },
      },
      async () => {
        try {
          await store.ping();
        } catch (err) {
          throw new HeraldError(
            'service_unavailable',
            `the store is not reachable: ${(err as Error).message}`,
          );
        }
        return { status: 'ok' as const, version, store: store.dialect };
      },
    );
  };
