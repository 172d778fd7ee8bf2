// How a delivery's events become an HTTP body (and, for CloudEvents binary
// mode, headers). `json` is the classic webhook (one event per request); the
// batch formats serve log and event streams, where a request per event would
// be the bottleneck; the cloudevents formats are CloudEvents 1.0's structured,
// binary and batch modes. A per-endpoint Content-Type override is the
// caller's business, not this module's.
import {
  binaryHeaders,
  CE_BATCH,
  CE_STRUCTURED,
  DEFAULT_CE_SOURCE,
  toCloudEvent,
} from './cloudevents.ts';

export const PAYLOAD_FORMATS = [
  'json',
  'json_array',
  'json_lines',
  'cloudevents',
  'cloudevents_binary',
  'cloudevents_batch',
] as const;
export type PayloadFormat = (typeof PAYLOAD_FORMATS)[number];

export const CONTENT_TYPES: Record<PayloadFormat, string> = {
  json: 'application/json',
  json_array: 'application/json',
  json_lines: 'application/x-ndjson',
  cloudevents: CE_STRUCTURED,
  cloudevents_binary: 'application/json',
  cloudevents_batch: CE_BATCH,
};

/** Formats that carry exactly one event per request (batch_size must be 1). */
const SINGLE_EVENT: ReadonlySet<PayloadFormat> = new Set([
  'json',
  'cloudevents',
  'cloudevents_binary',
]);

export function isSingleEventFormat(format: PayloadFormat): boolean {
  return SINGLE_EVENT.has(format);
}

export interface RenderOptions {
  /** CloudEvents `source` attribute; null: DEFAULT_CE_SOURCE. */
  source: string | null;
}

export interface RenderedPayload {
  body: string;
  contentType: string;
  /** Format-specific request headers (CloudEvents binary mode's ce-*). */
  headers: Record<string, string>;
}

export function isPayloadFormat(value: string): value is PayloadFormat {
  return (PAYLOAD_FORMATS as readonly string[]).includes(value);
}

const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/**
 * Throws when the batch does not fit the format: single-event formats take
 * exactly one event, and no format takes zero (an empty delivery is a
 * scheduling bug, and an empty body would still be signed and sent).
 */
export function renderPayload(
  format: PayloadFormat,
  events: readonly object[],
  opts?: RenderOptions,
): RenderedPayload {
  return renderSerialized(
    format,
    events.map((e) => JSON.stringify(e)),
    opts,
  );
}

/**
 * The same from events already serialized one by one (the delivery engine
 * serializes each event once, however many endpoints it goes to). For the
 * json formats the result is byte for byte what JSON.stringify of the whole
 * batch gives; the CloudEvents formats re-read each event to reshape it.
 */
export function renderSerialized(
  format: PayloadFormat,
  events: readonly string[],
  opts: RenderOptions = { source: null },
): RenderedPayload {
  if (events.length === 0) throw new Error('a delivery must carry at least one event');
  if (isSingleEventFormat(format) && events.length !== 1) {
    throw new Error(`the ${format} payload format carries exactly one event, got ${events.length}`);
  }
  const contentType = CONTENT_TYPES[format];
  const source = opts.source ?? DEFAULT_CE_SOURCE;
  const only = events[0] as string;
  switch (format) {
    case 'json':
      return { body: only, contentType, headers: NO_HEADERS };
    case 'json_array':
      return { body: `[${events.join(',')}]`, contentType, headers: NO_HEADERS };
    case 'json_lines':
      // JSON.stringify never emits a raw newline (they are escaped in
      // strings), so each event is exactly one line.
      return { body: events.map((e) => `${e}\n`).join(''), contentType, headers: NO_HEADERS };
    case 'cloudevents':
      return {
        body: JSON.stringify(toCloudEvent(JSON.parse(only), source)),
        contentType,
        headers: NO_HEADERS,
      };
    case 'cloudevents_binary': {
      const ce = toCloudEvent(JSON.parse(only), source);
      return { body: JSON.stringify(ce.data), contentType, headers: binaryHeaders(ce) };
    }
    case 'cloudevents_batch':
      return {
        body: JSON.stringify(events.map((e) => toCloudEvent(JSON.parse(e), source))),
        contentType,
        headers: NO_HEADERS,
      };
    default:
      throw new Error(`unknown payload format: ${String(format satisfies never)}`);
  }
}
