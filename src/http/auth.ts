// Bearer-key authentication. A key belongs to exactly one tenant; the tenant
// id on the request is the only one handlers may use.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { hashApiKey } from '../domain/api-key.ts';
import { HeraldError } from '../domain/problem.ts';
import type { Store } from '../store/store.ts';

export interface AuthContext {
  tenantId: string;
  tenantName: string;
  keyId: string;
  admin: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | null;
  }
}

export function authenticate(store: Store) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const header = request.headers.authorization;
    if (!header) {
      throw new HeraldError(
        'unauthorized',
        'missing Authorization header; send Authorization: Bearer <api key>',
      );
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m)
      throw new HeraldError('unauthorized', 'Authorization header must be "Bearer <api key>"');
    const key = await store.apiKeyGetByHash({ hash: hashApiKey(m[1] as string) });
    if (!key) throw new HeraldError('unauthorized', 'the API key is not valid or has been revoked');
    request.auth = {
      tenantId: key.tenantId,
      tenantName: key.tenantName,
      keyId: key.id,
      admin: key.admin,
    };
  };
}

export function requireAuth(request: FastifyRequest): AuthContext {
  if (!request.auth) throw new HeraldError('unauthorized', 'authentication required');
  return request.auth;
}
