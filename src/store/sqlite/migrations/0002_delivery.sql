-- Push delivery: webhook endpoints, their deliveries and every attempt.
-- Times are epoch milliseconds; JSON columns hold small documents.
CREATE TABLE endpoints (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  url TEXT NOT NULL,
  description TEXT NOT NULL,
  active INTEGER NOT NULL,
  disabled_reason TEXT,
  disabled_at INTEGER,
  event_types TEXT NOT NULL,
  organization_id TEXT,
  authorization_header TEXT,
  secrets TEXT NOT NULL,
  format TEXT NOT NULL,
  content_type TEXT,
  batch_size INTEGER NOT NULL,
  batch_wait_ms INTEGER NOT NULL,
  max_concurrency INTEGER NOT NULL,
  rate_limit REAL,
  ordered INTEGER NOT NULL,
  ordered_key TEXT NOT NULL,
  retry TEXT NOT NULL,
  timeout_connect_ms INTEGER NOT NULL,
  timeout_response_ms INTEGER NOT NULL,
  disable_after_failures INTEGER,
  disable_after_ms INTEGER,
  notify_url TEXT,
  notify_success INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  -- The last event sequence already fanned out into deliveries.
  dispatch_cursor INTEGER NOT NULL,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  failing_since INTEGER,
  last_success_at INTEGER,
  last_failure_at INTEGER
);
CREATE INDEX endpoints_tenant ON endpoints (tenant_id, id);
CREATE INDEX endpoints_active ON endpoints (active, tenant_id);

CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  first_sequence INTEGER NOT NULL,
  last_sequence INTEGER NOT NULL,
  event_ids TEXT NOT NULL,
  payload TEXT,
  status TEXT NOT NULL,
  attempt_count INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  lease_owner TEXT,
  lease_expires_at INTEGER,
  order_key TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
-- Claiming: due work of one endpoint, and the head of each order key.
CREATE INDEX deliveries_due ON deliveries (endpoint_id, status, next_attempt_at);
CREATE INDEX deliveries_order ON deliveries (endpoint_id, order_key, first_sequence)
  WHERE status NOT IN ('succeeded', 'failed', 'cancelled');
CREATE INDEX deliveries_lease ON deliveries (status, lease_expires_at);
CREATE INDEX deliveries_next ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_endpoint_id ON deliveries (endpoint_id, id);
-- Open test deliveries, which are claimable even for disabled endpoints.
CREATE INDEX deliveries_open_tests ON deliveries (endpoint_id)
  WHERE kind = 'test' AND status NOT IN ('succeeded', 'failed', 'cancelled');

CREATE TABLE delivery_attempts (
  id TEXT PRIMARY KEY,
  delivery_id TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
  tenant_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  attempted_at INTEGER NOT NULL,
  request_headers TEXT NOT NULL,
  response_status INTEGER,
  response_body TEXT,
  latency_ms INTEGER NOT NULL,
  error TEXT,
  succeeded INTEGER NOT NULL
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, attempted_at);
CREATE INDEX delivery_attempts_endpoint ON delivery_attempts (endpoint_id, attempted_at);
