// Serves the dashboard: static files under public/ (plain HTML, CSS and
// browser ES modules, no build step), / for its page and /dashboard/* for its
// assets. The dashboard is a client of the public API only; nothing here
// reads the store. Files are read once at start; each answer carries a strong
// ETag and `no-cache`, so a browser revalidates cheaply and never runs stale
// modules after an upgrade.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

// Same origin only: no inline script, no third-party host, no framing.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const type = CONTENT_TYPES[extname(name)];
        if (!type) continue;
        const body = readFileSync(path);
        const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
        assets.set(relative(dir, path).split(sep).join('/'), { body, type, etag });
      }
    }
  };
  walk(dir);
  return assets;
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset) {
  reply.headers({ ...SECURITY_HEADERS, 'cache-control': 'no-cache', etag: asset.etag });
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  return reply.type(asset.type).send(asset.body);
}

export const dashboardRoutes =
  (dir = PUBLIC_DIR): FastifyPluginAsync =>
  async (app) => {
    const assets = loadAssets(dir);
    const index = assets.get('index.html');
    if (!index) throw new Error(`dashboard: no index.html in ${dir}`);

    app.get('/', { schema: { hide: true } }, (request, reply) => send(request, reply, index));
    app.get<{ Params: { '*': string } }>(
      '/dashboard/*',
      { schema: { hide: true } },
      (request, reply) => {
        const asset = assets.get(request.params['*']);
        // Unknown paths fall through to the API's problem+json 404.
        if (!asset) return reply.callNotFound();
        return send(request, reply, asset);
      },
    );
  };
