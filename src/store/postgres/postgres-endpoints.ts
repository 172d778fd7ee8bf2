// Webhook endpoints on PostgreSQL: rows ↔ EndpointRow and CRUD. The fan-out
// step (dispatch cursor) is in postgres-deliveries.ts, health updates in
// postgres-delivery-claims.ts.
import type { PoolClient } from 'pg';
import type { PayloadFormat } from '../../domain/payload-format.ts';
import type {
  DisabledReason,
  EndpointConfig,
  EndpointRow,
  EndpointSecret,
} from '../delivery-store.ts';

export type Queryable = Pick<PoolClient, 'query'>;

export interface EndpointDbRow {
  id: string;
  tenant_id: string;
  url: string;
  description: string;
  active: boolean;
  disabled_reason: string | null;
  disabled_at: Date | null;
  event_types: string[];
  organization_id: string | null;
  authorization_header: string | null;
  secrets: { secret: string; expires_at: number | null }[];
  format: string;
  content_type: string | null;
  batch_size: number;
  batch_wait_ms: number;
  max_concurrency: number;
  rate_limit: number | null;
  ordered: boolean;
  ordered_key: string;
  retry: string | number[];
  timeout_connect_ms: number;
  timeout_response_ms: number;
  disable_after_failures: number | null;
  disable_after_ms: string | null;
  notify_url: string | null;
  notify_success: boolean;
  created_at: Date;
  updated_at: Date;
  dispatch_cursor: string;
  consecutive_failures: number;
  failing_since: Date | null;
  last_success_at: Date | null;
  last_failure_at: Date | null;
}

export function toEndpointRow(r: EndpointDbRow): EndpointRow {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    url: r.url,
    description: r.description,
    active: r.active,
    disabledReason: r.disabled_reason as DisabledReason | null,
    disabledAt: r.disabled_at,
    eventTypes: r.event_types,
    organizationId: r.organization_id,
    authorization: r.authorization_header,
    secrets: r.secrets.map((s) => ({
      secret: s.secret,
      expiresAt: s.expires_at === null ? null : new Date(s.expires_at),
    })),
    format: r.format as PayloadFormat,
    contentType: r.content_type,
    batchSize: r.batch_size,
    batchWaitMs: r.batch_wait_ms,
    maxConcurrency: r.max_concurrency,
    rateLimit: r.rate_limit,
    ordered: r.ordered,
    orderedBy: r.ordered_key as 'none' | 'organization',
    retry: r.retry,
    timeoutConnectMs: r.timeout_connect_ms,
    timeoutResponseMs: r.timeout_response_ms,
    disableAfterFailures: r.disable_after_failures,
    disableAfterMs: r.disable_after_ms === null ? null : Number(r.disable_after_ms),
    notifyUrl: r.notify_url,
    notifySuccess: r.notify_success,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    dispatchCursor: Number(r.dispatch_cursor),
    consecutiveFailures: r.consecutive_failures,
    failingSince: r.failing_since,
    lastSuccessAt: r.last_success_at,
    lastFailureAt: r.last_failure_at,
  };
}

/** JSON text for the secrets column (node-postgres would send a JS array as a SQL array). */
export function secretsJson(secrets: EndpointSecret[]): string {
  return JSON.stringify(
    secrets.map((s) => ({ secret: s.secret, expires_at: s.expiresAt?.getTime() ?? null })),
  );
}

/** Column → value (with its SQL cast) for the operator-set configuration. */
function configColumns(c: EndpointConfig): [string, unknown, string][] {
  return [
    ['url', c.url, 'text'],
    ['description', c.description, 'text'],
    ['event_types', JSON.stringify(c.eventTypes), 'jsonb'],
    ['organization_id', c.organizationId, 'text'],
    ['authorization_header', c.authorization, 'text'],
    ['format', c.format, 'text'],
    ['content_type', c.contentType, 'text'],
    ['batch_size', c.batchSize, 'int4'],
    ['batch_wait_ms', c.batchWaitMs, 'int4'],
    ['max_concurrency', c.maxConcurrency, 'int4'],
    ['rate_limit', c.rateLimit, 'float8'],
    ['ordered', c.ordered, 'bool'],
    ['ordered_key', c.orderedBy, 'text'],
    ['retry', JSON.stringify(c.retry), 'jsonb'],
    ['timeout_connect_ms', c.timeoutConnectMs, 'int4'],
    ['timeout_response_ms', c.timeoutResponseMs, 'int4'],
    ['disable_after_failures', c.disableAfterFailures, 'int4'],
    ['disable_after_ms', c.disableAfterMs, 'int8'],
    ['notify_url', c.notifyUrl, 'text'],
    ['notify_success', c.notifySuccess, 'bool'],
  ];
}

export async function getEndpoint(
  q: Queryable,
  tenantId: string,
  id: string,
): Promise<EndpointRow | null> {
  const r = await q.query<EndpointDbRow>(
    'SELECT * FROM endpoints WHERE tenant_id = $1 AND id = $2',
    [tenantId, id],
  );
  const row = r.rows[0];
  return row ? toEndpointRow(row) : null;
}

export async function insertEndpoint(
  q: Queryable,
  p: { id: string; tenantId: string; config: EndpointConfig; secret: string; cursor: number },
  now: Date,
): Promise<EndpointRow> {
  const cols = configColumns(p.config);
  const fixed: [string, unknown, string][] = [
    ['id', p.id, 'text'],
    ['tenant_id', p.tenantId, 'text'],
    ['active', p.config.active, 'bool'],
    ['disabled_reason', p.config.active ? null : 'manual', 'text'],
    ['disabled_at', p.config.active ? null : now, 'timestamptz'],
    ['secrets', secretsJson([{ secret: p.secret, expiresAt: null }]), 'jsonb'],
    ['created_at', now, 'timestamptz'],
    ['updated_at', now, 'timestamptz'],
    ['dispatch_cursor', p.cursor, 'int8'],
  ];
  const all = [...fixed, ...cols];
  const r = await q.query<EndpointDbRow>(
    `INSERT INTO endpoints (${all.map((c) => c[0]).join(', ')})` +
      ` VALUES (${all.map((c, i) => `$${i + 1}::${c[2]}`).join(', ')}) RETURNING *`,
    all.map((c) => c[1]),
  );
  return toEndpointRow(r.rows[0] as EndpointDbRow);
}

/** Must run in a transaction: it reads the row (locked) before writing it. */
export async function updateEndpointConfig(
  q: Queryable,
  p: { tenantId: string; id: string; config: EndpointConfig },
  now: Date,
): Promise<EndpointRow | null> {
  const before = await q.query<{ active: boolean }>(
    'SELECT active FROM endpoints WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE',
    [p.tenantId, p.id],
  );
  const was = before.rows[0];
  if (!was) return null;
  const cols = configColumns(p.config);
  const n = cols.length;
  await q.query(
    `UPDATE endpoints SET ${cols.map((c, i) => `${c[0]} = $${i + 1}::${c[2]}`).join(', ')},` +
      ` updated_at = $${n + 1} WHERE tenant_id = $${n + 2} AND id = $${n + 3}`,
    [...cols.map((c) => c[1]), now, p.tenantId, p.id],
  );
  // `active` goes through the same transitions as enable/disable.
  if (was.active !== p.config.active) {
    return setEndpointActive(q, { ...p, active: p.config.active, reason: 'manual' }, now);
  }
  return getEndpoint(q, p.tenantId, p.id);
}

export async function setEndpointActive(
  q: Queryable,
  p: { tenantId: string; id: string; active: boolean; reason: DisabledReason | null },
  now: Date,
): Promise<EndpointRow | null> {
  const r = p.active
    ? await q.query<EndpointDbRow>(
        'UPDATE endpoints SET active = true, disabled_reason = NULL, disabled_at = NULL,' +
          ' consecutive_failures = 0, failing_since = NULL, updated_at = $1' +
          ' WHERE tenant_id = $2 AND id = $3 RETURNING *',
        [now, p.tenantId, p.id],
      )
    : await q.query<EndpointDbRow>(
        'UPDATE endpoints SET active = false, disabled_reason = $1, disabled_at = $2, updated_at = $2' +
          ' WHERE tenant_id = $3 AND id = $4 RETURNING *',
        [p.reason ?? 'manual', now, p.tenantId, p.id],
      );
  const row = r.rows[0];
  return row ? toEndpointRow(row) : null;
}

export async function setEndpointSecrets(
  q: Queryable,
  p: { tenantId: string; id: string; secrets: EndpointSecret[] },
  now: Date,
): Promise<EndpointRow | null> {
  const r = await q.query<EndpointDbRow>(
    'UPDATE endpoints SET secrets = $1::jsonb, updated_at = $2 WHERE tenant_id = $3 AND id = $4 RETURNING *',
    [secretsJson(p.secrets), now, p.tenantId, p.id],
  );
  const row = r.rows[0];
  return row ? toEndpointRow(row) : null;
}

export async function listEndpoints(
  q: Queryable,
  p: { tenantId: string; after: string | null; limit: number },
): Promise<EndpointRow[]> {
  const r = await q.query<EndpointDbRow>(
    'SELECT * FROM endpoints WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3',
    [p.tenantId, p.after ?? '', p.limit],
  );
  return r.rows.map(toEndpointRow);
}

export async function listActiveEndpoints(
  q: Queryable,
  tenantId: string | null,
): Promise<EndpointRow[]> {
  const r =
    tenantId === null
      ? await q.query<EndpointDbRow>('SELECT * FROM endpoints WHERE active ORDER BY id')
      : await q.query<EndpointDbRow>(
          'SELECT * FROM endpoints WHERE active AND tenant_id = $1 ORDER BY id',
          [tenantId],
        );
  return r.rows.map(toEndpointRow);
}

/**
 * Deliveries go first, then the endpoint (ON DELETE CASCADE would lock the
 * endpoint row before the delivery rows: the reverse of deliveryComplete's
 * order, a deadlock waiting to happen). Attempts cascade from deliveries.
 */
export async function deleteEndpoint(q: Queryable, tenantId: string, id: string): Promise<boolean> {
  await q.query('DELETE FROM deliveries WHERE tenant_id = $1 AND endpoint_id = $2', [tenantId, id]);
  const r = await q.query('DELETE FROM endpoints WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  return (r.rowCount ?? 0) > 0;
}
