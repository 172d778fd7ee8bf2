// Per-request telemetry: the request id (X-Request-Id, honoured or generated,
// echoed on every response and bound to every log line of the request), one
// log line per request, the HTTP metrics by route pattern, a server span when
// tracing is on, and the long-poll and SSE connection gauges. Everything is
// taken when the response closes, which also covers hijacked streams and
// clients that went away.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ConnectionKind, HeraldMetrics } from '../services/telemetry/metrics.ts';
import type { Tracing } from '../services/telemetry/tracing.ts';

export type RequestLogLevel = 'off' | 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

export interface HttpTelemetry {
  metrics: HeraldMetrics;
  tracing: Tracing | null;
  requestLogLevel: RequestLogLevel;
  /** GET /metrics on this port, for admin keys; false when a separate listener serves it. */
  metricsOnApiPort: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Counted in the connection gauges while open (GET /events only when it waits). */
    connection?: ConnectionKind;
  }
  interface FastifyRequest {
    telemetry: { started: number; span: Span | null; ctx: Context | null } | null;
  }
}

/** A client's id is kept when it is short and printable; anything else gets a fresh one. */
const CLIENT_ID = /^[\w.:@/+=-]{1,128}$/;

/** Fastify options: the request id comes from X-Request-Id (logged as request_id: see app.ts). */
export const REQUEST_ID_OPTIONS = {
  requestIdHeader: false as const,
  genReqId: (req: IncomingMessage): string => {
    const given = req.headers['x-request-id'];
    return typeof given === 'string' && CLIENT_ID.test(given) ? given : randomUUID();
  },
};

/** The route pattern (bounded), never the raw URL. */
function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}

export function registerRequestTelemetry(app: FastifyInstance, t: HttpTelemetry): void {
  const tracer = t.tracing?.tracer ?? null;
  const level = t.requestLogLevel;
  app.decorateRequest('telemetry', null);

  app.addHook('onRequest', (request, reply, done) => {
    // On the raw response, so hijacked streams send it too.
    reply.raw.setHeader('x-request-id', request.id);
    const state = {
      started: performance.now(),
      span: null as Span | null,
      ctx: null as Context | null,
    };
    request.telemetry = state;
    reply.raw.once('close', () =>
      finish(request, reply.raw.statusCode, !reply.raw.writableFinished),
    );
    if (!tracer) return done();
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const route = routeOf(request);
    state.span = tracer.startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'http.route': route,
          'url.path': request.url.split('?')[0] as string,
          'herald.request.id': request.id,
        },
      },
      parent,
    );
    state.ctx = trace.setSpan(parent, state.span);
    context.with(state.ctx, done);
  });

  app.addHook('preHandler', (request, reply, done) => {
    const kind = request.routeOptions.config.connection;
    if (
      kind === 'sse' ||
      (kind === 'long_poll' && Number((request.query as { wait?: unknown }).wait) > 0)
    ) {
      reply.raw.once('close', t.metrics.connectionOpened(kind));
    }
    // The handler runs in the request's span, so the spans it makes are its children.
    const ctx = request.telemetry?.ctx;
    if (ctx) context.with(ctx, done);
    else done();
  });

  function finish(request: FastifyRequest, status: number, aborted: boolean): void {
    const state = request.telemetry;
    if (!state) return;
    request.telemetry = null;
    const ms = performance.now() - state.started;
    const route = routeOf(request);
    t.metrics.httpRequest(request.method, route, status, ms / 1000);
    const auth = request.auth ?? null;
    if (level !== 'off') {
      request.log[level](
        {
          method: request.method,
          route,
          path: request.url.split('?')[0],
          status,
          duration_ms: Math.round(ms * 10) / 10,
          tenant_id: auth?.tenantId ?? null,
          key_id: auth?.keyId ?? null,
          remote_address: request.ip,
          ...(aborted ? { aborted: true } : {}),
        },
        'request',
      );
    }
    const span = state.span;
    if (span) {
      span.setAttribute('http.response.status_code', status);
      if (auth) span.setAttribute('herald.tenant.id', auth.tenantId);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
  }
}
