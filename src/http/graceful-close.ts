// Closing the HTTP API without cutting a request: the listener stops
// accepting, idle keep-alive connections close, requests already received run
// to their end (their responses say Connection: close), requests that arrive
// on open connections meanwhile get 503, and after the grace period whatever
// is still unanswered gets a 503 before the remaining connections are closed.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { HeraldError } from '../domain/problem.ts';
import { sendProblem } from './problem.ts';

/** Time a 503 sent at the end of the grace period has to reach the client. */
const FLUSH_MS = 250;

export interface GracefulClose {
  /** Closes the app within about graceMs (plus FLUSH_MS), whatever handlers still wait for. */
  close(graceMs: number): Promise<void>;
  readonly closing: boolean;
}

function shuttingDown(): HeraldError {
  return new HeraldError('service_unavailable', 'the server is shutting down; retry shortly', {
    retryAfterSeconds: 1,
  });
}

export function registerGracefulClose(app: FastifyInstance): GracefulClose {
  const inFlight = new Set<FastifyReply>();
  let closing = false;
  app.addHook('onRequest', async (_request, reply) => {
    if (closing) throw shuttingDown();
    inFlight.add(reply);
    reply.raw.once('close', () => inFlight.delete(reply));
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });
  return {
    get closing() {
      return closing;
    },
    async close(graceMs) {
      closing = true;
      let flushTimer: NodeJS.Timeout | undefined;
      const graceTimer = setTimeout(() => {
        for (const reply of inFlight) {
          if (!reply.sent && !reply.raw.headersSent) sendProblem(reply, shuttingDown());
        }
        flushTimer = setTimeout(() => app.server.closeAllConnections(), FLUSH_MS);
      }, graceMs);
      try {
        await app.close();
      } finally {
        clearTimeout(graceTimer);
        clearTimeout(flushTimer);
      }
    },
  };
}
