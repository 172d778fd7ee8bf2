// Receiving a third party's webhook: verify it by its source's scheme, then
// append it to the tenant's log as an ordinary event, keyed by the provider's
// event id so the provider's retry returns the first event instead of adding
// one. Nothing else happens before the answer: a resolved promise means the
// event is committed, and processing is the consumers' business.
import type { StoredEvent } from '../domain/event.ts';
import { isValidEventType } from '../domain/event-type.ts';
import { inboundMessage } from '../domain/inbound-message.ts';
import { type InboundHeaders, verifyInbound } from '../domain/inbound-signature.ts';
import { HeraldError } from '../domain/problem.ts';
import type { Store } from '../store/store.ts';
import type { Publisher } from './publisher.ts';

/** Idempotency keys are at most 255 characters, like an API publisher's. */
const MAX_KEY_LENGTH = 255;

export interface InboundReceipt {
  event: StoredEvent;
  replayed: boolean;
}

export class InboundReceiver {
  readonly #store: Store;
  readonly #publisher: Publisher;
  readonly #now: () => number;

  constructor(store: Store, publisher: Publisher, now: () => number = Date.now) {
    this.#store = store;
    this.#publisher = publisher;
    this.#now = now;
  }

  async receive(sourceId: string, headers: InboundHeaders, body: Buffer): Promise<InboundReceipt> {
    const source = await this.#store.sourceGetById({ id: sourceId });
    if (!source) throw new HeraldError('not_found', `no source ${sourceId}`);
    const verdict = verifyInbound(source.scheme, source.secret, {
      headers,
      body,
      nowMs: this.#now(),
    });
    if (!verdict.ok) throw new HeraldError('unauthorized', verdict.reason);

    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      throw new HeraldError('bad_request', 'the request body is not JSON');
    }
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      throw new HeraldError('validation_failed', 'the request body must be a JSON object', {
        field: '(root)',
      });
    }
    const data = payload as Record<string, unknown>;
    const msg = inboundMessage(source.scheme, headers, data);
    if (msg.providerId === null && source.scheme !== 'token') {
      throw new HeraldError(
        'validation_failed',
        `the ${source.scheme} webhook carries no event id`,
        {
          field: 'id',
        },
      );
    }
    if (msg.providerType === null) {
      throw new HeraldError('validation_failed', 'the webhook carries no event type', {
        field: 'type',
      });
    }
    const type = source.typePrefix + msg.providerType;
    if (!isValidEventType(type)) {
      throw new HeraldError(
        'validation_failed',
        `"${type}" is not a valid event type (dot-separated segments of letters, digits and underscores; set the source's type_prefix)`,
        { field: 'type' },
      );
    }
    // Scoped by source: two providers may use the same id for different events.
    const key = msg.providerId === null ? null : `${source.id}:${msg.providerId}`;
    if (key !== null && key.length > MAX_KEY_LENGTH) {
      throw new HeraldError('validation_failed', 'the provider event id is too long', {
        field: 'id',
      });
    }
    const [published] = await this.#publisher.publish(source.tenantId, [
      { type, data, organizationId: null, idempotencyKey: key },
    ]);
    if (!published) throw new Error('append returned no event');
    return { event: published.event, replayed: published.replayed };
  }
}
