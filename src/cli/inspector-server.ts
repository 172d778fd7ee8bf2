// The request inspector behind `herald inspect`: a RequestBin on 127.0.0.1
// that records every request it gets (method, path, headers, body, time) and
// lists them as JSON, so an operator can point an endpoint at it and see
// exactly what Herald sends. Bounded in memory: the newest `max` requests,
// each body cut at `maxBodyBytes`. With a `whsec_` secret it also checks each
// request's Standard Webhooks signature, the check a receiver would make.
//
//   GET    /requests       the recorded requests, newest first (also GET /)
//   GET    /requests/{id}  one of them
//   DELETE /requests       forget them all
//   anything else          recorded, answered with `status` and {"ok":true}
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  SIGNATURE_TOLERANCE_SECONDS,
  verifySignature,
  WEBHOOK_HEADERS,
} from '../domain/signature.ts';

export interface RecordedRequest {
  id: string;
  received_at: string;
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: string;
  body_bytes: number;
  body_truncated: boolean;
  /** Only with a secret: whether the Standard Webhooks signature verifies (and is fresh). */
  signature?: 'valid' | 'invalid' | 'missing';
}

export interface InspectorOptions {
  host: string;
  port: number;
  max: number;
  maxBodyBytes: number;
  status: number;
  secret: string | null;
  onRequest?: (r: RecordedRequest) => void;
}

export interface Inspector {
  url: string;
  requests(): RecordedRequest[];
  close(): Promise<void>;
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v)) out[k] = v.join(', ');
  }
  return out;
}

function checkSignature(
  secret: string,
  headers: Record<string, string>,
  body: string,
): 'valid' | 'invalid' | 'missing' {
  const msgId = headers[WEBHOOK_HEADERS.id];
  const ts = headers[WEBHOOK_HEADERS.timestamp];
  const signature = headers[WEBHOOK_HEADERS.signature];
  if (!msgId || !ts || !signature) return 'missing';
  const ok = verifySignature({
    msgId,
    timestamp: Number(ts),
    body,
    signature,
    secrets: [secret],
    nowSeconds: Math.floor(Date.now() / 1000),
    toleranceSeconds: SIGNATURE_TOLERANCE_SECONDS,
  });
  return ok ? 'valid' : 'invalid';
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = `${JSON.stringify(value, null, 2)}\n`;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body);
}

export async function startInspector(opts: InspectorOptions): Promise<Inspector> {
  const recorded: RecordedRequest[] = [];
  let n = 0;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://inspector');
    const path = url.pathname;
    if (req.method === 'GET' && (path === '/' || path === '/requests')) {
      return sendJson(res, 200, { object: 'list', data: [...recorded].reverse() });
    }
    if (req.method === 'GET' && path.startsWith('/requests/')) {
      const found = recorded.find((r) => r.id === path.slice('/requests/'.length));
      return found
        ? sendJson(res, 200, found)
        : sendJson(res, 404, { title: 'Not found', detail: `no recorded request ${path}` });
    }
    if (req.method === 'DELETE' && path === '/requests') {
      recorded.length = 0;
      res.writeHead(204);
      return res.end();
    }
    const chunks: Buffer[] = [];
    let kept = 0;
    let total = 0;
    req.on('data', (c: Buffer) => {
      total += c.length;
      if (kept < opts.maxBodyBytes) {
        const part = c.subarray(0, opts.maxBodyBytes - kept);
        chunks.push(part);
        kept += part.length;
      }
    });
    req.on('end', () => {
      n += 1;
      const headers = flatHeaders(req);
      const body = Buffer.concat(chunks).toString('utf8');
      const r: RecordedRequest = {
        id: `req_${n}`,
        received_at: new Date().toISOString(),
        method: req.method ?? '',
        path,
        query: url.search,
        headers,
        body,
        body_bytes: total,
        body_truncated: total > kept,
      };
      if (opts.secret) r.signature = checkSignature(opts.secret, headers, body);
      recorded.push(r);
      if (recorded.length > opts.max) recorded.splice(0, recorded.length - opts.max);
      opts.onRequest?.(r);
      sendJson(res, opts.status, { ok: opts.status < 400, id: r.id });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}`,
    requests: () => [...recorded],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
