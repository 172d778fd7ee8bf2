// CloudEvents 1.0 (https://github.com/cloudevents/spec): Herald's event as a
// CloudEvent for delivery, and a CloudEvent received over HTTP as a Herald
// event to publish. Mapping: id ↔ id, event ↔ type, created_at → time, data
// ↔ data, and two extensions: `sequence` (the Sequence extension: a string
// that sorts lexicographically, so zero-padded) and `organizationid`
// (extension names are lowercase letters and digits only).
import { isValidEventType } from './event-type.ts';
import { HeraldError } from './problem.ts';

export const CE_STRUCTURED = 'application/cloudevents+json';
export const CE_BATCH = 'application/cloudevents-batch+json';
/** The `source` of delivered events when the endpoint sets none. */
export const DEFAULT_CE_SOURCE = '/herald';
/** 20 digits hold any 64-bit sequence, so string order is numeric order. */
const SEQUENCE_DIGITS = 20;

/** The public event shape (EventOut) fields a CloudEvent is made from. */
interface EventFields {
  id: string;
  event: string;
  data: Record<string, unknown>;
  created_at: string;
  sequence: number;
  organization_id?: string;
}

export interface CloudEventJson {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  datacontenttype: 'application/json';
  sequence: string;
  organizationid?: string;
  data: Record<string, unknown>;
}

export function ceSequence(sequence: number): string {
  return String(sequence).padStart(SEQUENCE_DIGITS, '0');
}

export function toCloudEvent(e: EventFields, source: string): CloudEventJson {
  const ce: CloudEventJson = {
    specversion: '1.0',
    id: e.id,
    source,
    type: e.event,
    time: e.created_at,
    datacontenttype: 'application/json',
    sequence: ceSequence(e.sequence),
    data: e.data,
  };
  if (e.organization_id !== undefined) ce.organizationid = e.organization_id;
  return ce;
}

/**
 * HTTP header value per the binary-mode binding: space, `"`, `%` and anything
 * outside printable ASCII are percent-encoded as UTF-8.
 */
export function ceHeaderValue(value: string): string {
  return Array.from(value)
    .map((ch) => (/^[!#-$&-~]$/.test(ch) ? ch : encodeURIComponent(ch)))
    .join('');
}

/** Binary mode: the context attributes as ce-* headers; the body is `data`. */
export function binaryHeaders(ce: CloudEventJson): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(ce)) {
    if (k === 'data' || k === 'datacontenttype' || v === undefined) continue;
    headers[`ce-${k}`] = ceHeaderValue(String(v));
  }
  return headers;
}

/** What publishing needs from a received CloudEvent (the EventIn fields). */
export interface ReceivedCloudEvent {
  event: string;
  data: Record<string, unknown>;
  organization_id?: string;
  id: string;
}

const MAX_KEY = 255;

function fail(field: string, reason: string): never {
  throw new HeraldError('validation_failed', `${field} ${reason}`, { field });
}

function requiredString(attrs: Record<string, unknown>, name: string, field: string): string {
  const v = attrs[name];
  if (typeof v !== 'string' || v.length === 0) fail(field, 'is required (a non-empty string)');
  return v;
}

/**
 * A CloudEvent's context attributes and data as a Herald event. `fieldOf`
 * names a field as the client sent it (`type` in a structured body,
 * `ce-type` in binary mode, `0.type` in a batch). The idempotency key is
 * source and id together: the spec makes that pair unique, not id alone.
 */
export function fromCloudEvent(
  attrs: Record<string, unknown>,
  data: unknown,
  fieldOf: (name: string) => string,
): ReceivedCloudEvent {
  const version = requiredString(attrs, 'specversion', fieldOf('specversion'));
  if (version !== '1.0') fail(fieldOf('specversion'), `must be "1.0", got ${version}`);
  const id = requiredString(attrs, 'id', fieldOf('id'));
  const source = requiredString(attrs, 'source', fieldOf('source'));
  const type = requiredString(attrs, 'type', fieldOf('type'));
  if (!isValidEventType(type)) {
    fail(
      fieldOf('type'),
      'must be a Herald event type: dot-separated letters, digits and underscores, e.g. com.example.user.created',
    );
  }
  const contentType = attrs.datacontenttype;
  if (
    contentType !== undefined &&
    !/^application\/([\w.+-]+\+)?json\b/i.test(String(contentType))
  ) {
    fail(fieldOf('datacontenttype'), 'must be a JSON media type: Herald stores data as JSON');
  }
  if (attrs.data_base64 !== undefined) {
    fail(fieldOf('data_base64'), 'is not supported: Herald stores data as a JSON object');
  }
  if (data === undefined || data === null) data = {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    fail(fieldOf('data'), 'must be a JSON object');
  }
  const key = `${source} ${id}`;
  if (key.length > MAX_KEY) {
    fail(fieldOf('id'), `and source together must be at most ${MAX_KEY - 1} characters`);
  }
  const out: ReceivedCloudEvent = { event: type, data: data as Record<string, unknown>, id: key };
  const org = attrs.organizationid;
  if (org !== undefined) {
    if (typeof org !== 'string' || org.length === 0 || org.length > MAX_KEY) {
      fail(fieldOf('organizationid'), `must be a string of 1 to ${MAX_KEY} characters`);
    }
    out.organization_id = org;
  }
  return out;
}

/** Binary mode's ce-* request headers as context attributes (percent-decoded). */
export function attributesFromHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith('ce-') || typeof value !== 'string') continue;
    try {
      attrs[name.slice(3)] = decodeURIComponent(value);
    } catch {
      fail(name, 'is not valid percent-encoded UTF-8');
    }
  }
  return attrs;
}
