// Fastify: a plugin adding one POST route whose bodies are kept as bytes.
// Fastify is not imported (no runtime dependency); the types below are the
// part of its API the plugin uses. Registered without fastify-plugin, the
// raw-body parser stays inside this plugin and the rest of the app keeps
// its JSON parsing.
import type { HeadersLike } from '../types.ts';
import { DEFAULT_LIMIT_BYTES, receive, type WebhookHandlerOptions } from './receive.ts';

interface RouteRequest {
  body: unknown;
  headers: HeadersLike;
}
interface RouteReply {
  code(status: number): RouteReply;
  header(name: string, value: string): RouteReply;
  send(payload?: string): unknown;
}
export interface FastifyLike {
  removeAllContentTypeParsers(): void;
  addContentTypeParser(
    type: string,
    opts: { parseAs: 'buffer'; bodyLimit?: number },
    // biome-ignore lint/suspicious/noExplicitAny: Fastify's parser request type is not needed here
    parser: (req: any, body: Buffer, done: (err: Error | null, body?: unknown) => void) => void,
  ): void;
  // biome-ignore lint/suspicious/noExplicitAny: structural match for Fastify's generic route method
  post(path: string, handler: (request: any, reply: any) => Promise<unknown>): unknown;
}

export interface FastifyWebhookOptions extends WebhookHandlerOptions {
  /** The route's path (default /webhooks). */
  path?: string;
}

/** `app.register(fastifyWebhookPlugin({ path: '/webhooks', secret, onEvents }))`. */
export function fastifyWebhookPlugin(opts: FastifyWebhookOptions) {
  return async (app: FastifyLike): Promise<void> => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: opts.limitBytes ?? DEFAULT_LIMIT_BYTES },
      (_req, body, done) => done(null, body),
    );
    app.post(opts.path ?? '/webhooks', async (request: RouteRequest, reply: RouteReply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const answer = await receive(body, request.headers, opts);
      if (answer.body) reply.header('content-type', 'application/json');
      return reply.code(answer.status).send(answer.body);
    });
  };
}
