// GET /metrics: Prometheus text format. On the API port it needs an admin API
// key (the port may face the internet, and the metrics describe every
// tenant's traffic); on the separate metrics listener (--metrics-port) it needs
// none, as Prometheus expects, so that listener belongs on a private address.
import type { FastifyPluginAsync } from 'fastify';
import { hasScope } from '../../domain/api-key.ts';
import { HeraldError } from '../../domain/problem.ts';
import type { HeraldMetrics } from '../../services/telemetry/metrics.ts';
import { authenticate, type KeyLookup, requireAuth } from '../auth.ts';

export interface MetricsRouteDeps {
  metrics: HeraldMetrics;
  /** Require an admin key, looked up here (the API port); null: open (the metrics listener). */
  keys: KeyLookup | null;
}

export const metricsRoutes =
  (deps: MetricsRouteDeps): FastifyPluginAsync =>
  async (app) => {
    const keys = deps.keys;
    if (keys) {
      app.decorateRequest('auth', null);
      app.addHook('onRequest', authenticate(keys));
      app.addHook('onRequest', async (request) => {
        if (!hasScope(requireAuth(request).scopes, 'admin')) {
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
