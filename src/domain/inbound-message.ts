// What a verified inbound webhook says about itself: the provider's event id
// (the idempotency key, so the provider's retry of the same event is not a
// second event) and its event type, each where that provider puts it.
import type { InboundHeaders } from './inbound-signature.ts';
import type { InboundScheme } from './inbound-source.ts';

export interface InboundMessage {
  /** null only for the token scheme when the sender gives no id. */
  providerId: string | null;
  providerType: string | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

export function inboundMessage(
  scheme: InboundScheme,
  headers: InboundHeaders,
  payload: Record<string, unknown>,
): InboundMessage {
  switch (scheme) {
    case 'standard_webhooks':
      // Svix and Herald keep webhook-id across retries of one message; Svix
      // payloads name the type `type`, Herald's `event`.
      return {
        providerId: str(headers['webhook-id'] ?? headers['svix-id']),
        providerType: str(payload.type) ?? str(payload.event),
      };
    case 'stripe':
      return { providerId: str(payload.id), providerType: str(payload.type) };
    case 'workos':
      return { providerId: str(payload.id), providerType: str(payload.event) };
    case 'github': {
      // X-GitHub-Delivery is kept when GitHub (or an operator) redelivers.
      const event = str(headers['x-github-event']);
      const action = str(payload.action);
      return {
        providerId: str(headers['x-github-delivery']),
        providerType: event && action ? `${event}.${action}` : event,
      };
    }
    case 'token':
      return {
        providerId: str(headers['idempotency-key']) ?? str(payload.id),
        providerType: str(payload.type) ?? str(payload.event) ?? str(headers['x-event-type']),
      };
    default:
      throw new Error(`unknown scheme ${String(scheme satisfies never)}`);
  }
}
