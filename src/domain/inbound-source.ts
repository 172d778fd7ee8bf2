// An inbound source: a third party (Stripe, GitHub, WorkOS, any Standard
// Webhooks sender, or anything holding a shared token) whose webhooks Herald
// receives at POST /inbound/{id} and writes to the tenant's ordered log.
export const INBOUND_SCHEMES = [
  'standard_webhooks',
  'stripe',
  'github',
  'workos',
  'token',
] as const;
export type InboundScheme = (typeof INBOUND_SCHEMES)[number];

export interface InboundSourceRow {
  id: string;
  tenantId: string;
  name: string;
  scheme: InboundScheme;
  /** The provider's signing secret (or the shared token); never listed by the API. */
  secret: string;
  /** Prepended to the provider's event type: `stripe.` + `invoice.paid`. */
  typePrefix: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface InboundSourceConfig {
  name: string;
  scheme: InboundScheme;
  secret: string;
  typePrefix: string;
}

export function isInboundScheme(value: string): value is InboundScheme {
  return (INBOUND_SCHEMES as readonly string[]).includes(value);
}
