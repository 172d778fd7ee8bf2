// GET /metrics: Prometheus text format. On the API port it needs an admin API
// key (the port may face the internet, and the metrics describe every
// tenant's traffic); on the separate metrics listener (--metrics-port) it needs
// none, as Prometheus expects, so that listener belongs on a private address.
import type { FastifyPluginAsync } from 'fastify';
import { HeraldError } from '../../domain/problem.ts';
import type { HeraldMetrics } from '../../services/telemetry/metrics.ts';
import type { Store } from '../../store/store.ts';
import { authenticate, requireAuth } from '../auth.ts';

export interface MetricsRouteDeps {
  metrics: HeraldMetrics;
  /** Require an admin key (the API port); null: open (the metrics listener). */
  authStore: Store | null;
}

export const metricsRoutes =
  (deps: MetricsRouteDeps): FastifyPluginAsync =>
  async (app) => {
    const store = deps.authStore;
    if (store) {
      app.decorateRequest('auth', null);
      app.addHook('onRequest', authenticate(store));
      app.addHook('onRequest', async (request) => {
        if (!requireAuth(request).admin) {
          throw new HeraldError(
            'forbidden',
            'GET /metrics on the API port needs an admin key (herald keys create --admin), or serve it on --metrics-port',
          );
        }
      });
    }
    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      const { contentType, body } = await deps.metrics.render();
      return reply.type(contentType).send(body);
    });
  };
