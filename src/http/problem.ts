// Turns every error into application/problem+json. Only HeraldError and
// Fastify's own client errors carry details out; anything else is logged and
// answered with a bare 500.
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { HeraldError, PROBLEMS, type ProblemCode, problemType } from '../domain/problem.ts';
import { RetryableStoreError } from '../store/errors.ts';

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

export function sendProblem(reply: FastifyReply, err: HeraldError): FastifyReply {
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
  if (err.code === 'unauthorized') reply.header('www-authenticate', 'Bearer');
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
};

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
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return new HeraldError('bad_request', err.message);
  }
  return null;
}

export function registerProblemHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const herald = toHeraldError(err);
    if (herald) return sendProblem(reply, herald);
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
