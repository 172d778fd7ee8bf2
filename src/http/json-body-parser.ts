// The only request body Herald reads: JSON in UTF-8. Anything the default
// parser would silently change is refused instead: other charsets (which it
// would read as UTF-8), invalid UTF-8 (which would become U+FFFD) and numbers
// beyond the double range (1e400 parses to Infinity and would be stored as
// null). Prototype-poisoning keys are refused as by Fastify's default.
import { isUtf8 } from 'node:buffer';
import type { FastifyInstance } from 'fastify';
import { nonFiniteNumberPath } from '../domain/json-shape.ts';
import { HeraldError } from '../domain/problem.ts';

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;

/** Only text with an exponent of three digits or 309+ digits can overflow a double. */
const MAY_OVERFLOW = /[eE][+-]?\d{3}|\d{309}/;

export function registerJsonBodyParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  // text/plain (a Fastify default) is not a body any route accepts: 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
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
    parseJson(request, text, (err, value) => {
      if (err) return done(err, undefined);
      const path = MAY_OVERFLOW.test(text) ? nonFiniteNumberPath(value) : null;
      if (path === null) return done(null, value);
      const field = path.length > 0 ? path.join('.') : '(root)';
      done(
        new HeraldError(
          'validation_failed',
          `${field} is a number beyond the range JSON numbers are stored in (about ±1.8e308)`,
          { field },
        ),
        undefined,
      );
    });
  });
}
