// The only request body Herald reads: JSON in UTF-8. Anything the default
// parser would silently change is refused instead: other charsets (which it
// would read as UTF-8), invalid UTF-8 (which would become U+FFFD) and numbers
// beyond the double range (1e400 parses to Infinity and would be stored as
// null). Keys that poison prototypes when merged (__proto__, constructor
// with a prototype) are refused as by Fastify's default, but as a 422 naming
// the member rather than a 400 calling valid JSON invalid.
import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { findJsonPath } from '../domain/json-shape.ts';
import { HeraldError } from '../domain/problem.ts';

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;

/** Only text with an exponent of three digits or 309+ digits can overflow a double. */
const MAY_OVERFLOW = /[eE][+-]?\d{3}|\d{309}/;
const MAY_POISON = /__proto__|constructor/;

/** JSON text cannot hold Infinity, but JSON.parse turns 1e400 into it (and JSON.stringify then into null). */
const nonFinite = (_key: string | null, v: unknown) => typeof v === 'number' && !Number.isFinite(v);

const poisoning = (key: string | null, v: unknown) =>
  key === '__proto__' ||
  (key === 'constructor' && v !== null && typeof v === 'object' && Object.hasOwn(v, 'prototype'));

function bodyProblem(text: string, value: unknown): HeraldError | null {
  const fieldOf = (path: (string | number)[]) => (path.length > 0 ? path.join('.') : '(root)');
  const big = MAY_OVERFLOW.test(text) ? findJsonPath(value, nonFinite) : null;
  if (big !== null) {
    const field = fieldOf(big);
    return new HeraldError(
      'validation_failed',
      `${field} is a number beyond the range JSON numbers are stored in (about ±1.8e308)`,
      { field },
    );
  }
  const poison = MAY_POISON.test(text) ? findJsonPath(value, poisoning) : null;
  if (poison !== null) {
    const field = fieldOf(poison);
    return new HeraldError(
      'validation_failed',
      `${field}: members named __proto__, or constructor holding a prototype, are not accepted`,
      { field },
    );
  }
  return null;
}

export function parseStrictJson(
  request: FastifyRequest,
  body: Buffer | string,
  done: (err: Error | null, value?: unknown) => void,
): void {
  const charset = CHARSET.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    done(
      new HeraldError(
        'unsupported_media_type',
        `request bodies must be JSON in UTF-8; charset=${charset} is not supported`,
        { field: 'content-type' },
      ),
      undefined,
    );
    return;
  }
  const bytes = body as Buffer;
  if (!isUtf8(bytes)) {
    done(new HeraldError('bad_request', 'the request body is not valid UTF-8'), undefined);
    return;
  }
  const text = bytes.toString('utf8');
  if (text.length === 0) {
    done(new HeraldError('bad_request', 'the request body is empty; send a JSON value'), undefined);
    return;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    done(
      new HeraldError(
        'bad_request',
        `the request body is not valid JSON: ${(err as Error).message}`,
      ),
      undefined,
    );
    return;
  }
  const problem = bodyProblem(text, value);
  done(problem, problem ? undefined : value);
}

export function registerJsonBodyParser(app: FastifyInstance): void {
  // text/plain (a Fastify default) is not a body any route accepts: 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, parseStrictJson);
}
