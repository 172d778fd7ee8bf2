// How a delivery's events become an HTTP body. `json` is the classic webhook
// (one event per request); the batch formats serve log and event streams,
// where a request per event would be the bottleneck. A per-endpoint
// Content-Type override is the caller's business, not this module's.
export const PAYLOAD_FORMATS = ['json', 'json_array', 'json_lines'] as const;
export type PayloadFormat = (typeof PAYLOAD_FORMATS)[number];

export const CONTENT_TYPES: Record<PayloadFormat, string> = {
  json: 'application/json',
  json_array: 'application/json',
  json_lines: 'application/x-ndjson',
};

export interface RenderedPayload {
  body: string;
  contentType: string;
}

export function isPayloadFormat(value: string): value is PayloadFormat {
  return (PAYLOAD_FORMATS as readonly string[]).includes(value);
}

/**
 * Throws when the batch does not fit the format: `json` takes exactly one
 * event, and no format takes zero (an empty delivery is a scheduling bug, and
 * an empty body would still be signed and sent).
 */
export function renderPayload(format: PayloadFormat, events: readonly object[]): RenderedPayload {
  return renderSerialized(
    format,
    events.map((e) => JSON.stringify(e)),
  );
}

/**
 * The same from events already serialized one by one (the delivery engine
 * serializes each event once, however many endpoints it goes to). The result
 * is byte for byte what JSON.stringify of the whole batch gives.
 */
export function renderSerialized(
  format: PayloadFormat,
  events: readonly string[],
): RenderedPayload {
  if (events.length === 0) throw new Error('a delivery must carry at least one event');
  const contentType = CONTENT_TYPES[format];
  switch (format) {
    case 'json':
      if (events.length !== 1) {
        throw new Error(`the json payload format carries exactly one event, got ${events.length}`);
      }
      return { body: events[0] as string, contentType };
    case 'json_array':
      return { body: `[${events.join(',')}]`, contentType };
    case 'json_lines':
      // JSON.stringify never emits a raw newline (they are escaped in
      // strings), so each event is exactly one line.
      return { body: events.map((e) => `${e}\n`).join(''), contentType };
    default:
      throw new Error(`unknown payload format: ${String(format satisfies never)}`);
  }
}
