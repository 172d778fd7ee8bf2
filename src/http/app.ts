// Builds the HTTP API without listening (tests and the OpenAPI generator use
// it as is; serve listens). Routes are registered through their schemas, which
// also feed the OpenAPI document at /openapi.json.
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import { dashboardRoutes } from '../dashboard/dashboard-routes.ts';
import { EndpointService } from '../services/delivery/endpoints.ts';
import type { EventReader } from '../services/event-reader.ts';
import { InboundReceiver } from '../services/inbound-receiver.ts';
import { SourceService } from '../services/inbound-sources.ts';
import { OpenStreams } from '../services/open-streams.ts';
import type { Publisher } from '../services/publisher.ts';
import type { Store } from '../store/store.ts';
import { HERALD_VERSION } from '../version.ts';
import { authenticate, type KeyLookup } from './auth.ts';
import { type GracefulClose, registerGracefulClose } from './graceful-close.ts';
import { registerJsonBodyParser } from './json-body-parser.ts';
import { registerLoadShedding } from './load-shedding.ts';
import { finishOpenApiDocument } from './openapi-document.ts';
import { problemServerOptions, registerProblemHandling } from './problem.ts';
import {
  type HttpTelemetry,
  REQUEST_ID_OPTIONS,
  registerRequestTelemetry,
} from './request-telemetry.ts';
import { apiKeyRoutes } from './routes/api-key-routes.ts';
import { deliveryRoutes } from './routes/delivery-routes.ts';
import { endpointRoutes } from './routes/endpoint-routes.ts';
import { eventRoutes } from './routes/event-routes.ts';
import { eventStreamRoutes } from './routes/event-stream-routes.ts';
import { healthRoutes } from './routes/health-routes.ts';
import { inboundRoutes } from './routes/inbound-routes.ts';
import { metricsRoutes } from './routes/metrics-routes.ts';
import { sourceRoutes } from './routes/source-routes.ts';
import { Problem } from './schemas/common-schemas.ts';
import { enforceScopes } from './scopes.ts';
import { validatorCompiler } from './validator.ts';

export interface AppDeps {
  store: Store;
  publisher: Publisher;
  reader: EventReader;
  maxEventBytes: number;
  maxBatchBytes: number;
  sseHeartbeatMs: number;
  logger: FastifyServerOptions['loggerInstance'] | boolean;
  /** Push delivery management; without it (OpenAPI generation) a detached one is used. */
  endpoints?: EndpointService;
  /** Only GET /healthz (the worker role: a probe target, no API). */
  healthOnly?: boolean;
  /** Request ids, request logs, metrics and spans; without it (OpenAPI generation) none. */
  telemetry?: HttpTelemetry;
  /** Slow clients, streams per key, load shedding and revocation; defaults for OpenAPI generation. */
  clientLimits?: ClientLimits;
}

export interface ClientLimits {
  /** Cached key lookup (src/services/key-authenticator.ts). */
  keys: KeyLookup;
  streams: OpenStreams;
  sseMaxBufferBytes: number;
  sseWriteTimeoutMs: number;
  /** Why new requests are refused with 503 now, or null. */
  overload: () => string | null;
}

declare module 'fastify' {
  interface FastifyInstance {
    graceful: GracefulClose;
  }
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const limits: ClientLimits = deps.clientLimits ?? {
    keys: { lookup: (hash) => deps.store.apiKeyGetByHash({ hash }) },
    streams: new OpenStreams({ maxPerKey: 100 }),
    sseMaxBufferBytes: 1 << 20,
    sseWriteTimeoutMs: 30_000,
    overload: () => null,
  };
  const app = Fastify({
    ...(typeof deps.logger === 'boolean'
      ? { logger: deps.logger }
      : { loggerInstance: deps.logger }),
    bodyLimit: deps.maxBatchBytes,
    // Fastify's two lines per request are replaced by one (request-telemetry.ts, --request-log-level).
    logController: new LogController({
      disableRequestLogging: true,
      requestIdLogLabel: 'request_id',
    }),
    ...REQUEST_ID_OPTIONS,
    // Shutdown answers requests in flight (graceful-close.ts) instead of cutting them.
    forceCloseConnections: 'idle',
    return503OnClosing: false,
    ...problemServerOptions,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.decorate('graceful', registerGracefulClose(app));
  registerLoadShedding(app, limits.overload);

  app.setValidatorCompiler(validatorCompiler());
  registerProblemHandling(app);
  registerJsonBodyParser(app);
  if (deps.telemetry) registerRequestTelemetry(app, deps.telemetry);
  app.addSchema(Problem);
  await app.register(swagger, {
    // Name shared schemas by their $id (Problem, Event, ...) instead of def-N.
    refResolver: {
      buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`),
    },
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Herald API',
        version: HERALD_VERSION,
        description:
          'Herald stores events durably and in strict order and serves them through a WorkOS-compatible Events API, long polling and Server-Sent Events. Errors are application/problem+json.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transformObject: (doc) =>
      'openapiObject' in doc ? finishOpenApiDocument(doc.openapiObject) : doc.swaggerObject,
  });

  await app.register(healthRoutes(deps.store, HERALD_VERSION));
  if (deps.telemetry?.metricsOnApiPort) {
    await app.register(metricsRoutes({ metrics: deps.telemetry.metrics, keys: limits.keys }));
  }
  if (deps.healthOnly) return app;
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  // Unauthenticated by API key: each source's scheme verifies its requests.
  await app.register(
    inboundRoutes({
      receiver: new InboundReceiver(deps.store, deps.publisher),
      maxEventBytes: deps.maxEventBytes,
    }),
  );
  await app.register(dashboardRoutes());

  await app.register(async (authed) => {
    authed.decorateRequest('auth', null);
    authed.addHook('onRequest', authenticate(limits.keys));
    enforceScopes(authed);
    await authed.register(
      eventRoutes({
        publisher: deps.publisher,
        reader: deps.reader,
        maxEventBytes: deps.maxEventBytes,
        maxBatchBytes: deps.maxBatchBytes,
        streams: limits.streams,
      }),
    );
    await authed.register(
      eventStreamRoutes({
        reader: deps.reader,
        heartbeatMs: deps.sseHeartbeatMs,
        streams: limits.streams,
        maxBufferBytes: limits.sseMaxBufferBytes,
        writeTimeoutMs: limits.sseWriteTimeoutMs,
      }),
    );
    await authed.register(apiKeyRoutes(deps.store));
    const endpoints =
      deps.endpoints ??
      new EndpointService(deps.store, { allowPrivate: false, wake: async () => {} });
    await authed.register(endpointRoutes({ store: deps.store, endpoints }));
    await authed.register(deliveryRoutes({ store: deps.store, endpoints }));
    await authed.register(sourceRoutes(new SourceService(deps.store)));
  });
  return app;
}
