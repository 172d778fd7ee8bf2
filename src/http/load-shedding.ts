// Sheds load before memory runs away: while the process is over a threshold,
// new requests (except the health probe) get 503 with Retry-After, and work
// already accepted carries on.
import type { FastifyInstance } from 'fastify';
import { HeraldError } from '../domain/problem.ts';

const RETRY_AFTER_SECONDS = 2;

/** `overload()` names why the server is over a threshold now, or returns null. */
export function registerLoadShedding(app: FastifyInstance, overload: () => string | null): void {
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.url === '/healthz') return;
    const why = overload();
    if (why === null) return;
    throw new HeraldError(
      'service_unavailable',
      `the server is overloaded (${why}); retry shortly`,
      {
        retryAfterSeconds: RETRY_AFTER_SECONDS,
      },
    );
  });
}
