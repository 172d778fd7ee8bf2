// The separate metrics listener (--metrics-port): only GET /metrics, without
// authentication, for Prometheus on a private address.
import Fastify, { type FastifyInstance } from 'fastify';
import type { HeraldMetrics } from '../services/telemetry/metrics.ts';
import { registerProblemHandling } from './problem.ts';
import { metricsRoutes } from './routes/metrics-routes.ts';

export interface MetricsServer {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(opts: {
  host: string;
  port: number;
  metrics: HeraldMetrics;
}): Promise<MetricsServer> {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  registerProblemHandling(app);
  await app.register(metricsRoutes({ metrics: opts.metrics, keys: null }));
  await app.listen({ host: opts.host, port: opts.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return { app, url: `http://${host}:${port}`, close: () => app.close() };
}
