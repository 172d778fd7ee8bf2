// Express: a route handler. Express itself is not imported (no runtime
// dependency); the request is the node:http one it extends. Mount it before
// any JSON body parser, or behind express.raw(), so the bytes are intact.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readRawBody, sendAnswer } from './node-http.ts';
import { receive, type WebhookHandlerOptions } from './receive.ts';

type ExpressRequest = IncomingMessage & { body?: unknown };
type Next = (err?: unknown) => void;

/** `app.post('/webhooks', expressWebhookHandler({ secret, onEvents }))`. */
export function expressWebhookHandler(
  opts: WebhookHandlerOptions,
): (req: ExpressRequest, res: ServerResponse, next: Next) => void {
  return (req, res, next) => {
    const run = async () => {
      let body: Buffer | string;
      if (Buffer.isBuffer(req.body) || typeof req.body === 'string') {
        body = req.body;
      } else if (req.body !== undefined && req.readableEnded) {
        throw new Error(
          'the body was already parsed, so its exact bytes are gone: mount the Herald handler before express.json(), or use express.raw({ type: "*/*" }) on its route',
        );
      } else {
        body = await readRawBody(req, opts.limitBytes);
      }
      sendAnswer(res, await receive(body, req.headers, opts));
    };
    run().catch(next);
  };
}
