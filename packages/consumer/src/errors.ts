// Every way a webhook can fail verification, as classes a receiver can tell
// apart (`instanceof`) and answer accordingly (all of them: 4xx, do not process).

/** Base class: the request must not be processed. */
export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A Standard Webhooks header (webhook-id, webhook-timestamp, webhook-signature) is absent. */
export class MissingHeaderError extends WebhookVerificationError {
  readonly header: string;
  constructor(header: string) {
    super(`missing ${header} header`);
    this.header = header;
  }
}

/** No `v1,` signature in the header matches the body under any of the secrets. */
export class SignatureMismatchError extends WebhookVerificationError {
  constructor() {
    super('no webhook-signature entry matches the body for any of the secrets');
  }
}

/**
 * webhook-timestamp is further from now than the tolerance: a replayed old
 * request (`stale`) or a clock far ahead (`future`).
 */
export class TimestampOutOfToleranceError extends WebhookVerificationError {
  readonly timestamp: number;
  readonly direction: 'stale' | 'future';
  constructor(timestamp: number, nowSeconds: number, toleranceSeconds: number) {
    const direction = timestamp < nowSeconds ? 'stale' : 'future';
    super(
      `webhook-timestamp ${timestamp} is ${Math.abs(nowSeconds - timestamp)} s in the ${
        direction === 'stale' ? 'past' : 'future'
      }; the tolerance is ${toleranceSeconds} s`,
    );
    this.timestamp = timestamp;
    this.direction = direction;
  }
}

/** webhook-timestamp is not a whole number of seconds. */
export class InvalidTimestampError extends WebhookVerificationError {
  constructor(value: string) {
    super(`webhook-timestamp ${JSON.stringify(value)} is not a number of seconds`);
  }
}

/** The signature is right but the body is not a Herald event, a JSON array or JSON lines of them. */
export class InvalidPayloadError extends WebhookVerificationError {}
