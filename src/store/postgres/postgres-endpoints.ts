// Webhook endpoints on PostgreSQL: rows ↔ EndpointRow and the API's changes
// to them, each of which bumps state_version so the endpoint's owner knows its
// copy is stale. Ownership is in postgres-ownership.ts, the owner's progress
// (cursor, health, disabling) in postgres-delivery-commit.ts.
import type { PoolClient } from 'pg';
import type {
  DisabledReason,
  EndpointConfig,
  EndpointRow,
  EndpointSecret,
} from '../../domain/endpoint.ts';
import type { PayloadFormat } from '../../domain/payload-format.ts';

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
  ce_source: string | null;
  custom_headers: Record<string, string>;
  min_log_level: number | null;
  created_at: Date;
  updated_at: Date;
  dispatch_cursor: string;
  cursor_position: string;
  owner_id: string | null;
  owner_until: Date | null;
  state_version: string;
  health_epoch: string;
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
    source: r.ce_source,
    headers: r.custom_headers,
    minLevel: r.min_log_level,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    cursor: Number(r.dispatch_cursor),
    cursorPosition: Number(r.cursor_position),
    stateVersion: Number(r.state_version),
    healthEpoch: Number(r.health_epoch),
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
    ['ce_source', c.source, 'text'],
    ['custom_headers', JSON.stringify(c.headers), 'jsonb'],
    ['min_log_level', c.minLevel, 'int2'],
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

/** Every API change bumps the version the endpoint's owner compares with its copy. */
const BUMP = 'state_version = state_version + 1';

// Enabling starts health afresh: a new epoch, so an owner's health write
// folded from outcomes before the reset is dropped (postgres-delivery-commit.ts).
const ENABLE =
  'active = true, disabled_reason = NULL, disabled_at = NULL, consecutive_failures = 0,' +
  ' failing_since = NULL, health_epoch = health_epoch + 1';

/**
 * One statement: the configuration, and `active` through the same
 * transitions as enable/disable when it changes (SET reads the old row).
 */
export async function updateEndpointConfig(
  q: Queryable,
  p: { tenantId: string; id: string; config: EndpointConfig },
  now: Date,
): Promise<EndpointRow | null> {
  const cols = configColumns(p.config);
  const n = cols.length;
  const on = `$${n + 2}::bool`;
  const r = await q.query<EndpointDbRow>(
    `UPDATE endpoints SET ${cols.map((c, i) => `${c[0]} = $${i + 1}::${c[2]}`).join(', ')},` +
      ` updated_at = $${n + 1}, ${BUMP}, active = ${on},` +
      ` disabled_reason = CASE WHEN active = ${on} THEN disabled_reason WHEN ${on} THEN NULL ELSE 'manual' END,` +
      ` disabled_at = CASE WHEN active = ${on} THEN disabled_at WHEN ${on} THEN NULL ELSE $${n + 1} END,` +
      ` consecutive_failures = CASE WHEN NOT active AND ${on} THEN 0 ELSE consecutive_failures END,` +
      ` failing_since = CASE WHEN NOT active AND ${on} THEN NULL ELSE failing_since END,` +
      ` health_epoch = CASE WHEN NOT active AND ${on} THEN health_epoch + 1 ELSE health_epoch END` +
      ` WHERE tenant_id = $${n + 3} AND id = $${n + 4} RETURNING *`,
    [...cols.map((c) => c[1]), now, p.config.active, p.tenantId, p.id],
  );
  const row = r.rows[0];
  return row ? toEndpointRow(row) : null;
}

export async function setEndpointActive(
  q: Queryable,
  p: { tenantId: string; id: string; active: boolean; reason: DisabledReason | null },
  now: Date,
): Promise<EndpointRow | null> {
  const r = p.active
    ? await q.query<EndpointDbRow>(
        `UPDATE endpoints SET ${ENABLE}, updated_at = $1, ${BUMP}` +
          ' WHERE tenant_id = $2 AND id = $3 RETURNING *',
        [now, p.tenantId, p.id],
      )
    : await q.query<EndpointDbRow>(
        'UPDATE endpoints SET active = false, disabled_reason = $1, disabled_at = $2, updated_at = $2,' +
          ` ${BUMP} WHERE tenant_id = $3 AND id = $4 RETURNING *`,
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
    `UPDATE endpoints SET secrets = $1::jsonb, updated_at = $2, ${BUMP}` +
      ' WHERE tenant_id = $3 AND id = $4 RETURNING *',
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

/**
 * One statement: the endpoint row is locked first, then ON DELETE CASCADE
 * removes its deliveries (and theirs, the attempts). Writers of deliveries
 * lock the endpoint row before delivery rows (postgres-delivery-commit.ts,
 * deliveryRetry), and a group commit that waits for a delete finds the
 * endpoint gone and drops its rows. One cycle remains: while the delete waits
 * for a commit that holds the endpoint shared, it holds the row's place in the
 * lock queue, and a second commit of the same delivery ids (an old and a new
 * owner around a takeover), which that first commit waits for, queues behind
 * it for the endpoint's update lock. PostgreSQL breaks it by failing the
 * delete, which has waited longest; run again, it waits for neither.
 */
export async function deleteEndpoint(q: Queryable, tenantId: string, id: string): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      const r = await q.query('DELETE FROM endpoints WHERE tenant_id = $1 AND id = $2', [
        tenantId,
        id,
      ]);
      return (r.rowCount ?? 0) > 0;
    } catch (err) {
      if ((err as { code?: string }).code !== DEADLOCK || attempt >= DELETE_ATTEMPTS) throw err;
    }
  }
}

const DEADLOCK = '40P01';
const DELETE_ATTEMPTS = 3;
