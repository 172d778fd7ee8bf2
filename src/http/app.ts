// Builds the HTTP API without listening (tests and the OpenAPI generator use
// it as is; serve listens). Routes are registered through their schemas, which
// also feed the OpenAPI document at /openapi.json.
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import { EndpointService } from '../services/delivery/endpoints.ts';
import type { EventReader } from '../services/event-reader.ts';
import type { Publisher } from '../services/publisher.ts';
import type { Store } from '../store/store.ts';
import { HERALD_VERSION } from '../version.ts';
import { authenticate } from './auth.ts';
import { finishOpenApiDocument } from './openapi-document.ts';
import { registerProblemHandling } from './problem.ts';
import { apiKeyRoutes } from './routes/api-key-routes.ts';
import { deliveryRoutes } from './routes/delivery-routes.ts';
import { endpointRoutes } from './routes/endpoint-routes.ts';
import { eventRoutes } from './routes/event-routes.ts';
import { eventStreamRoutes } from './routes/event-stream-routes.ts';
import { healthRoutes } from './routes/health-routes.ts';
import { Problem } from './schemas/common-schemas.ts';
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
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    ...(typeof deps.logger === 'boolean'
      ? { logger: deps.logger }
      : { loggerInstance: deps.logger }),
    bodyLimit: deps.maxBatchBytes,
    // Per-request info lines would dominate the log at ingest rates; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler());
  registerProblemHandling(app);
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
  if (deps.healthOnly) return app;
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(async (authed) => {
    authed.decorateRequest('auth', null);
    authed.addHook('onRequest', authenticate(deps.store));
    await authed.register(
      eventRoutes({
        publisher: deps.publisher,
        reader: deps.reader,
        maxEventBytes: deps.maxEventBytes,
        maxBatchBytes: deps.maxBatchBytes,
      }),
    );
    await authed.register(
      eventStreamRoutes({ reader: deps.reader, heartbeatMs: deps.sseHeartbeatMs }),
    );
    await authed.register(apiKeyRoutes(deps.store));
    const endpoints =
      deps.endpoints ??
      new EndpointService(deps.store, { allowPrivate: false, wake: async () => {} });
    await authed.register(endpointRoutes({ store: deps.store, endpoints }));
    await authed.register(deliveryRoutes({ store: deps.store, endpoints }));
  });
  return app;
}
