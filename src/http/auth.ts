// Bearer-key authentication. A key belongs to exactly one tenant; the tenant
// id on the request is the only one handlers may use.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ApiKeyScope, hashApiKey } from '../domain/api-key.ts';
import { HeraldError } from '../domain/problem.ts';
import type { ApiKeyRow } from '../store/store.ts';

export interface AuthContext {
  tenantId: string;
  tenantName: string;
  keyId: string;
  admin: boolean;
  scopes: ApiKeyScope[];
  key: ApiKeyRow;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | null;
  }
}

export interface KeyLookup {
  lookup(hash: string): Promise<ApiKeyRow | null>;
}

export function authenticate(keys: KeyLookup) {
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
    const key = await keys.lookup(hashApiKey(m[1] as string));
    if (!key) throw new HeraldError('unauthorized', 'the API key is not valid or has been revoked');
    request.auth = {
      tenantId: key.tenantId,
      tenantName: key.tenantName,
      keyId: key.id,
      admin: key.admin,
      scopes: key.scopes,
      key,
    };
  };
}

export function requireAuth(request: FastifyRequest): AuthContext {
  if (!request.auth) throw new HeraldError('unauthorized', 'authentication required');
  return request.auth;
}
