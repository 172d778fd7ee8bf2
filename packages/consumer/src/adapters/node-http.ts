// node:http: read the exact body bytes and answer for Herald.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type Answer,
  DEFAULT_LIMIT_BYTES,
  receive,
  type WebhookHandlerOptions,
} from './receive.ts';

export class BodyTooLargeError extends Error {
  constructor(limitBytes: number) {
    super(`the request body is larger than ${limitBytes} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** The request body exactly as received (what the signature covers). */
export function readRawBody(
  req: IncomingMessage,
  limitBytes: number = DEFAULT_LIMIT_BYTES,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        req.destroy();
        reject(new BodyTooLargeError(limitBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function sendAnswer(res: ServerResponse, answer: Answer): void {
  res.statusCode = answer.status;
  if (answer.body) res.setHeader('content-type', 'application/json');
  res.end(answer.body);
}

/** A request listener: `http.createServer(nodeWebhookHandler({ secret, onEvents }))`. */
export function nodeWebhookHandler(
  opts: WebhookHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    let body: Buffer;
    try {
      body = await readRawBody(req, opts.limitBytes);
    } catch (err) {
      opts.onError?.(err);
      if (!res.headersSent) sendAnswer(res, { status: 413, body: '' });
      return;
    }
    sendAnswer(res, await receive(body, req.headers, opts));
  };
}
