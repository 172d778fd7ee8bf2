// Webhook endpoints on SQLite: rows ↔ EndpointRow and the API's changes to them.
import type { StatementSync } from 'node:sqlite';
import type {
  DisabledReason,
  EndpointConfig,
  EndpointRow,
  EndpointSecret,
} from '../../domain/endpoint.ts';
import type { PayloadFormat } from '../../domain/payload-format.ts';

type Stmt = (sql: string) => StatementSync;

export interface EndpointDbRow {
  id: string;
  tenant_id: string;
  url: string;
  description: string;
  active: number;
  disabled_reason: string | null;
  disabled_at: number | null;
  event_types: string;
  organization_id: string | null;
  authorization_header: string | null;
  secrets: string;
  format: string;
  content_type: string | null;
  batch_size: number;
  batch_wait_ms: number;
  max_concurrency: number;
  rate_limit: number | null;
  ordered: number;
  ordered_key: string;
  retry: string;
  timeout_connect_ms: number;
  timeout_response_ms: number;
  disable_after_failures: number | null;
  disable_after_ms: number | null;
  notify_url: string | null;
  notify_success: number;
  ce_source: string | null;
  custom_headers: string;
  min_log_level: number | null;
  created_at: number;
  updated_at: number;
  dispatch_cursor: number;
  cursor_position: number;
  state_version: number;
  health_epoch: number;
  consecutive_failures: number;
  failing_since: number | null;
  last_success_at: number | null;
  last_failure_at: number | null;
}

const date = (ms: number | null) => (ms === null ? null : new Date(ms));

export function toEndpointRow(r: EndpointDbRow): EndpointRow {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    url: r.url,
    description: r.description,
    active: r.active === 1,
    disabledReason: r.disabled_reason as DisabledReason | null,
    disabledAt: date(r.disabled_at),
    eventTypes: JSON.parse(r.event_types),
    organizationId: r.organization_id,
    authorization: r.authorization_header,
    secrets: (JSON.parse(r.secrets) as { secret: string; expires_at: number | null }[]).map(
      (s) => ({ secret: s.secret, expiresAt: date(s.expires_at) }),
    ),
    format: r.format as PayloadFormat,
    contentType: r.content_type,
    batchSize: r.batch_size,
    batchWaitMs: r.batch_wait_ms,
    maxConcurrency: r.max_concurrency,
    rateLimit: r.rate_limit,
    ordered: r.ordered === 1,
    orderedBy: r.ordered_key as 'none' | 'organization',
    retry: JSON.parse(r.retry),
    timeoutConnectMs: r.timeout_connect_ms,
    timeoutResponseMs: r.timeout_response_ms,
    disableAfterFailures: r.disable_after_failures,
    disableAfterMs: r.disable_after_ms,
    notifyUrl: r.notify_url,
    notifySuccess: r.notify_success === 1,
    source: r.ce_source,
    headers: JSON.parse(r.custom_headers),
    minLevel: r.min_log_level,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
    cursor: r.dispatch_cursor,
    cursorPosition: r.cursor_position,
    stateVersion: r.state_version,
    healthEpoch: r.health_epoch,
    consecutiveFailures: r.consecutive_failures,
    failingSince: date(r.failing_since),
    lastSuccessAt: date(r.last_success_at),
    lastFailureAt: date(r.last_failure_at),
  };
}

export function secretsJson(secrets: EndpointSecret[]): string {
  return JSON.stringify(
    secrets.map((s) => ({ secret: s.secret, expires_at: s.expiresAt?.getTime() ?? null })),
  );
}

/** Column → value for the operator-set configuration, shared by insert and update. */
function configColumns(c: EndpointConfig): [string, string | number | null][] {
  return [
    ['url', c.url],
    ['description', c.description],
    ['event_types', JSON.stringify(c.eventTypes)],
    ['organization_id', c.organizationId],
    ['authorization_header', c.authorization],
    ['format', c.format],
    ['content_type', c.contentType],
    ['batch_size', c.batchSize],
    ['batch_wait_ms', c.batchWaitMs],
    ['max_concurrency', c.maxConcurrency],
    ['rate_limit', c.rateLimit],
    ['ordered', c.ordered ? 1 : 0],
    ['ordered_key', c.orderedBy],
    ['retry', JSON.stringify(c.retry)],
    ['timeout_connect_ms', c.timeoutConnectMs],
    ['timeout_response_ms', c.timeoutResponseMs],
    ['disable_after_failures', c.disableAfterFailures],
    ['disable_after_ms', c.disableAfterMs],
    ['notify_url', c.notifyUrl],
    ['notify_success', c.notifySuccess ? 1 : 0],
    ['ce_source', c.source],
    ['custom_headers', JSON.stringify(c.headers)],
    ['min_log_level', c.minLevel],
  ];
}

export function getEndpoint(stmt: Stmt, tenantId: string, id: string): EndpointRow | null {
  const r = stmt('SELECT * FROM endpoints WHERE tenant_id = ? AND id = ?').get(tenantId, id);
  return r ? toEndpointRow(r as unknown as EndpointDbRow) : null;
}

export function insertEndpoint(
  stmt: Stmt,
  p: { id: string; tenantId: string; config: EndpointConfig; secret: string; cursor: number },
  now: number,
): EndpointRow {
  const cols = configColumns(p.config);
  const names = ['id', 'tenant_id', 'active', 'secrets', 'created_at', 'updated_at'];
  names.push('dispatch_cursor', ...cols.map((c) => c[0]));
  const values = [
    p.id,
    p.tenantId,
    p.config.active ? 1 : 0,
    secretsJson([{ secret: p.secret, expiresAt: null }]),
    now,
    now,
    p.cursor,
    ...cols.map((c) => c[1]),
  ];
  stmt(
    `INSERT INTO endpoints (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`,
  ).run(...values);
  if (!p.config.active) {
    stmt("UPDATE endpoints SET disabled_reason = 'manual', disabled_at = ? WHERE id = ?").run(
      now,
      p.id,
    );
  }
  return getEndpoint(stmt, p.tenantId, p.id) as EndpointRow;
}

export function updateEndpointConfig(
  stmt: Stmt,
  p: { tenantId: string; id: string; config: EndpointConfig },
  now: number,
): EndpointRow | null {
  const before = getEndpoint(stmt, p.tenantId, p.id);
  if (!before) return null;
  const cols = configColumns(p.config);
  stmt(
    `UPDATE endpoints SET ${cols.map((c) => `${c[0]} = ?`).join(', ')}, updated_at = ?,` +
      ' state_version = state_version + 1 WHERE tenant_id = ? AND id = ?',
  ).run(...cols.map((c) => c[1]), now, p.tenantId, p.id);
  // `active` goes through the same transitions as enable/disable.
  if (before.active !== p.config.active) {
    setEndpointActive(stmt, { ...p, active: p.config.active, reason: 'manual' }, now);
  }
  return getEndpoint(stmt, p.tenantId, p.id);
}

export function setEndpointActive(
  stmt: Stmt,
  p: { tenantId: string; id: string; active: boolean; reason: DisabledReason | null },
  now: number,
): EndpointRow | null {
  const r = p.active
    ? stmt(
        'UPDATE endpoints SET active = 1, disabled_reason = NULL, disabled_at = NULL,' +
          ' consecutive_failures = 0, failing_since = NULL, updated_at = ?,' +
          ' state_version = state_version + 1, health_epoch = health_epoch + 1 WHERE tenant_id = ? AND id = ?',
      ).run(now, p.tenantId, p.id)
    : stmt(
        'UPDATE endpoints SET active = 0, disabled_reason = ?, disabled_at = ?, updated_at = ?,' +
          ' state_version = state_version + 1 WHERE tenant_id = ? AND id = ?',
      ).run(p.reason ?? 'manual', now, now, p.tenantId, p.id);
  if (Number(r.changes) === 0) return null;
  return getEndpoint(stmt, p.tenantId, p.id);
}
