// Turns every error into application/problem+json: route errors, Fastify's
// own (bad URLs, over-long path parameters) and those Node's HTTP parser
// answers before Fastify sees a request (malformed requests, oversized
// headers, a missing Host, an Expect it cannot meet). Only HeraldError and
// client errors carry details out; anything else is logged and answered with
// a bare 500.
import { type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type {
  FastifyError,
  FastifyHttpOptions,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifyServerOptions,
} from 'fastify';
import { HeraldError, PROBLEMS, type ProblemCode, problemType } from '../domain/problem.ts';
import { RetryableStoreError } from '../store/errors.ts';

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

function problemBody(err: HeraldError): Record<string, unknown> {
  const body: Record<string, unknown> = {
    type: problemType(err.code),
    title: PROBLEMS[err.code].title,
    status: err.status,
    detail: err.message,
    // The same text again under the name SDKs read (the WorkOS SDK's exceptions
    // take `message`), so a client's error shows Herald's reason.
    message: err.message,
    code: err.code,
  };
  if (err.field !== undefined) body.field = err.field;
  if (err.errors) body.errors = err.errors;
  return body;
}

export function sendProblem(reply: FastifyReply, err: HeraldError): FastifyReply {
  const body = problemBody(err);
  if (err.code === 'unauthorized') reply.header('www-authenticate', 'Bearer');
  if (err.retryAfterSeconds !== undefined)
    reply.header('retry-after', String(err.retryAfterSeconds));
  return reply.code(err.status).type('application/problem+json').send(body);
}

function fieldOf(e: AjvError): string {
  const path = e.instancePath.replace(/^\//, '').replaceAll('/', '.');
  const child =
    (e.params.missingProperty as string | undefined) ??
    (e.params.additionalProperty as string | undefined);
  return [path, child].filter(Boolean).join('.') || '(root)';
}

function reasonOf(e: AjvError): string {
  if (e.keyword === 'additionalProperties') return 'is not a known field';
  if (e.keyword === 'required') return 'is required';
  return e.message ?? 'is invalid';
}

const FASTIFY_CODES: Record<string, ProblemCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_MAX_PARAM_LENGTH: 'uri_too_long',
};

/** The catalogue's code for a client-error status, else bad_request. */
function codeForStatus(status: number): ProblemCode {
  const found = Object.entries(PROBLEMS).find(([, p]) => p.status === status);
  return (found?.[0] as ProblemCode | undefined) ?? 'bad_request';
}

export function toHeraldError(err: FastifyError): HeraldError | null {
  if (err instanceof HeraldError) return err;
  if (err.validation) {
    const errors = (err.validation as AjvError[]).map((e) => ({
      field: fieldOf(e),
      reason: reasonOf(e),
    }));
    const where = err.validationContext === 'body' ? 'request body' : err.validationContext;
    const code: ProblemCode =
      err.validationContext === 'body' ? 'validation_failed' : 'bad_request';
    const first = errors[0];
    const detail = first ? `${where}: ${first.field} ${first.reason}` : `invalid ${where}`;
    return new HeraldError(code, detail, { errors });
  }
  const mapped = err.code ? FASTIFY_CODES[err.code] : undefined;
  if (mapped) return new HeraldError(mapped, err.message);
  if (err.code === 'FST_ERR_BAD_URL') {
    return new HeraldError('bad_request', 'the URL path is not valid percent-encoded UTF-8');
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return new HeraldError(codeForStatus(err.statusCode), err.message);
  }
  return null;
}

/** Errors the router raises before a route is chosen (a bad URL, a too long parameter). */
const frameworkErrors: NonNullable<FastifyServerOptions['frameworkErrors']> = (
  err,
  _request,
  reply,
) => {
  sendProblem(
    reply as FastifyReply,
    toHeraldError(err) ?? new HeraldError('bad_request', 'the request could not be routed'),
  );
};

function clientErrorProblem(code: string | undefined): HeraldError {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return new HeraldError('request_timeout', 'the request was not received in time');
  if (code === 'HPE_HEADER_OVERFLOW')
    return new HeraldError(
      'request_header_fields_too_large',
      'the request line and headers exceed the size the server accepts',
    );
  return new HeraldError('bad_request', `malformed HTTP request (${code ?? 'parse error'})`);
}

/** Raw HTTP/1.1 text of a problem response that closes the connection. */
function rawProblem(err: HeraldError): string {
  const body = JSON.stringify(problemBody(err));
  return (
    `HTTP/1.1 ${err.status} ${STATUS_CODES[err.status]}\r\n` +
    `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `Connection: close\r\n\r\n${body}`
  );
}

/**
 * Node's HTTP parser rejected the bytes before any request existed; the
 * connection cannot be reused. Written only when no response on it has begun.
 */
function clientErrorHandler(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const current = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || current?.headersSent) {
    socket.destroy();
    return;
  }
  socket.end(rawProblem(clientErrorProblem(err.code)), () => socket.destroy());
}

/** Options for Fastify() that route its own and Node's errors through the catalogue. */
export const problemServerOptions = {
  // Node would answer a request without Host with a bare 400; the hook below answers it.
  http: { requireHostHeader: false },
  clientErrorHandler,
  frameworkErrors,
} satisfies Partial<FastifyHttpOptions<Server>>;

/** Node answers an Expect it does not know (anything but 100-continue) with a bare 417. */
function answerExpectation(request: { headers: Record<string, unknown> }, res: ServerResponse) {
  const body = JSON.stringify(
    problemBody(
      new HeraldError(
        'expectation_failed',
        `Expect: ${String(request.headers.expect)} is not supported; only 100-continue is`,
        { field: 'expect' },
      ),
    ),
  );
  res.writeHead(417, { 'content-type': PROBLEM_CONTENT_TYPE, connection: 'close' });
  res.end(body);
}

/** Auth failures at warn (someone may be probing keys), other rejections at info. */
function logProblem(request: FastifyRequest, err: HeraldError): void {
  const fields = {
    status: err.status,
    code: err.code,
    detail: err.message,
    ...(err.field !== undefined ? { field: err.field } : {}),
    ...(err.errors ? { errors: err.errors } : {}),
  };
  if (err.code === 'unauthorized' || err.code === 'forbidden') {
    request.log.warn(
      { ...fields, remote_address: request.ip },
      err.code === 'unauthorized' ? 'authentication failed' : 'access denied',
    );
  } else if (err.status >= 500) {
    request.log.warn(fields, 'request failed');
  } else {
    request.log.info(fields, 'request rejected');
  }
}

export function registerProblemHandling(app: FastifyInstance): void {
  app.server.on('checkExpectation', answerExpectation);
  app.addHook('onRequest', async (request) => {
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      throw new HeraldError('bad_request', 'HTTP/1.1 requests must have a Host header', {
        field: 'host',
      });
    }
  });
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const herald = toHeraldError(err);
    if (herald) {
      logProblem(request, herald);
      return sendProblem(reply, herald);
    }
    if (err instanceof RetryableStoreError) {
      // A transient store condition (lock timeout, lost connection): nothing was
      // stored, and the client may retry (with its idempotency key).
      request.log.warn({ err }, 'store temporarily unavailable');
      reply.header('retry-after', '1');
      return sendProblem(
        reply,
        new HeraldError(
          'service_unavailable',
          'the store is temporarily unavailable; retry shortly',
        ),
      );
    }
    request.log.error({ err }, 'unhandled error');
    return sendProblem(
      reply,
      new HeraldError('internal_error', 'the server failed to handle this request'),
    );
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      new HeraldError('not_found', `no route for ${request.method} ${request.url.split('?')[0]}`),
    ),
  );
}
