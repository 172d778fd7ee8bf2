// Which scope each authenticated route needs, decided in one place: every
// route registered behind authentication must resolve to a scope here (or
// declare `config.scope` itself), or the server refuses to start, so a new
// route cannot be left unchecked by accident.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ApiKeyScope, hasScope } from '../domain/api-key.ts';
import { HeraldError } from '../domain/problem.ts';
import { requireAuth } from './auth.ts';

/** `any`: every valid key may call it (e.g. reading its own key). */
export type RouteScope = ApiKeyScope | 'any';

declare module 'fastify' {
  interface FastifyContextConfig {
    scope?: RouteScope;
  }
}

const WHAT: Record<ApiKeyScope, string> = {
  'events:write': 'publishing events',
  'events:read': 'reading events',
  'endpoints:manage': 'managing webhook endpoints, deliveries and inbound sources',
  admin: 'managing API keys',
};

export function scopeForRoute(method: string, url: string): RouteScope | null {
  const path = url.split('?')[0] ?? url;
  const under = (prefix: string) => path === prefix || path.startsWith(`${prefix}/`);
  if (under('/events')) return method === 'POST' ? 'events:write' : 'events:read';
  if (under('/endpoints') || under('/deliveries') || under('/sources')) return 'endpoints:manage';
  if (under('/api-keys')) return 'admin';
  return null;
}

/** Registers the check on `app` (the authenticated scope), after authentication. */
export function enforceScopes(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const scope = route.config?.scope ?? scopeForRoute(String(methods[0]), route.url);
    if (!scope) {
      throw new Error(
        `route ${methods.join(',')} ${route.url} has no API key scope (src/http/scopes.ts)`,
      );
    }
    route.config = { ...route.config, scope };
  });
  app.addHook('onRequest', async (request: FastifyRequest, _reply: FastifyReply) => {
    const needed = request.routeOptions.config.scope;
    if (needed === undefined) throw new Error('route without a scope');
    if (needed === 'any') return;
    const auth = requireAuth(request);
    if (!hasScope(auth.scopes, needed)) {
      throw new HeraldError(
        'forbidden',
        `this API key lacks the ${needed} scope needed for ${WHAT[needed]}; its scopes: ${auth.scopes.join(', ') || 'none'}`,
        { field: 'scope' },
      );
    }
  });
}
