// Finishes the OpenAPI document @fastify/swagger builds from the route
// schemas, so that generated clients can trust it: every error response is
// application/problem+json and $refs the one Problem schema, a query
// parameter with a default is optional, every response says what it is, and
// the webhook requests Herald sends are described under `webhooks`.
import { CE_BATCH, CE_STRUCTURED } from '../domain/cloudevents.ts';

type Json = Record<string, unknown>;
interface Operation {
  operationId?: string;
  parameters?: { in: string; required?: boolean; schema?: Json }[];
  requestBody?: { content?: Record<string, { schema: Json }> };
  responses?: Record<string, Json>;
}

const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };
const EVENT_REF = { $ref: '#/components/schemas/Event' };
const CLOUDEVENT_REF = { $ref: '#/components/schemas/CloudEvent' };

/** What each error status means in this API (the problem `code` says which case). */
const ERROR_DESCRIPTIONS: Record<string, string> = {
  '400': 'Bad request: a malformed query parameter, header or cursor (`field` names it).',
  '401': 'Missing, malformed, unknown or revoked API key.',
  '403': 'The API key lacks the scope this needs (`field` is `scope`; the detail names it).',
  '404': 'No such resource in this environment.',
  '409': 'Conflicts with the current state of the resource.',
  '410': 'The cursor is before the retention horizon; resume from a fresh listing.',
  '413': 'The body or an event is larger than the configured limit.',
  '415': 'The Content-Type is not one this operation takes.',
  '422': 'The body failed validation; `field` and `errors` name what and why.',
  '429': 'This API key holds as many streams and long polls as it may; retry after `Retry-After`.',
  '500': 'The server failed to handle the request.',
  '503': 'The store is temporarily unavailable; retry shortly.',
};

/** Each success response, by operation and status. A missing entry fails generation. */
const SUCCESS_DESCRIPTIONS: Record<string, Record<string, string>> = {
  health: { '200': 'The store is reachable.' },
  publishEvent: {
    '200': 'Replayed: an event with this idempotency key exists; it is returned unchanged.',
    '201': 'The event, committed.',
  },
  publishEventBatch: { '201': 'Every event of the batch, committed, in order.' },
  listEvents: { '200': 'A page of events in order; `list_metadata.after` is the next cursor.' },
  getEvent: { '200': 'The event.' },
  streamEvents: { '200': 'A text/event-stream of events (`id:` the event id, `event:` the type).' },
  createApiKey: { '201': 'The new key; the secret is shown only here.' },
  listApiKeys: { '200': 'The keys (never their secrets).' },
  revokeApiKey: { '204': 'Revoked.' },
  createEndpoint: { '201': 'The endpoint, with its signing secret (shown only here).' },
  listEndpoints: { '200': 'A page of endpoints.' },
  getEndpoint: { '200': 'The endpoint.' },
  updateEndpoint: { '200': 'The endpoint as updated.' },
  deleteEndpoint: { '204': 'Deleted, with its deliveries.' },
  enableEndpoint: { '200': 'The endpoint, enabled; delivery resumes from its cursor.' },
  disableEndpoint: { '200': 'The endpoint, disabled.' },
  getEndpointSecret: {
    '200': 'The current signing secret and the rotated-out ones still signing.',
  },
  rotateEndpointSecret: { '200': 'The new secret and the previous ones with their expiry.' },
  getEndpointHealth: { '200': 'Health, backlog and recent success rates.' },
  listDeliveries: { '200': 'A page of deliveries, newest first.' },
  getDelivery: { '200': 'The delivery with its attempts.' },
  retryDelivery: { '202': 'Queued for another attempt.' },
  replayEndpoint: { '202': 'Deliveries queued for the matching events.' },
  testEndpoint: { '202': 'A test event queued for this endpoint.' },
  getEndpointHealthTimeline: {
    '200': 'Attempts, successes and latency percentiles per time bucket over the window.',
  },
  getCurrentApiKey: { '200': 'The key making the request: its tenant and scopes.' },
  createSource: { '201': 'The inbound source, with its secret (shown only here and by /secret).' },
  listSources: { '200': 'The inbound sources of this environment.' },
  getSource: { '200': 'The inbound source.' },
  updateSource: { '200': 'The inbound source as updated.' },
  deleteSource: { '204': 'Deleted; its events stay in the log.' },
  getSourceSecret: { '200': "The source's verification secret." },
  receiveInbound: {
    '200':
      'Verified and committed to the log as an event (or a provider retry of one already there).',
  },
};

const CloudEventSchema = {
  type: 'object',
  description:
    'A CloudEvent 1.0 in JSON (structured mode). Herald sends `sequence` (zero-padded, the Sequence extension) and `organizationid`; it reads `type`, `data`, `organizationid`, and `source` with `id` as the idempotency key.',
  required: ['specversion', 'id', 'source', 'type'],
  properties: {
    specversion: { type: 'string', enum: ['1.0'] },
    id: { type: 'string', minLength: 1 },
    source: { type: 'string', minLength: 1 },
    type: { type: 'string', minLength: 1 },
    time: { type: 'string', format: 'date-time' },
    datacontenttype: { type: 'string' },
    sequence: { type: 'string' },
    organizationid: { type: 'string' },
    data: { type: 'object', additionalProperties: true },
  },
  additionalProperties: true,
};

const SIGNATURE_HEADERS = [
  ['webhook-id', 'The delivery id; the same on every attempt of a delivery.'],
  ['webhook-timestamp', 'Unix seconds when this attempt was signed.'],
  ['webhook-signature', 'Standard Webhooks signatures: v1,<base64 HMAC-SHA256> per active secret.'],
  ['webhook-sequence', 'Sequence of the event, or first-last for a batch.'],
].map(([name, description]) => ({
  in: 'header',
  name,
  required: true,
  description,
  schema: { type: 'string' },
}));

const webhook = (name: string, summary: string, content: Record<string, { schema: Json }>) => ({
  post: {
    operationId: `${name}Webhook`,
    summary,
    parameters: SIGNATURE_HEADERS,
    requestBody: { required: true, content },
    responses: {
      '200': { description: 'Any 2xx acknowledges the delivery.' },
      default: {
        description:
          'Anything else (or no answer in time) is a failed attempt, retried on the endpoint schedule; 410 disables the endpoint.',
      },
    },
  },
});

const WEBHOOKS = {
  event: webhook('event', 'format json: one event per request, the Event shape of the Events API', {
    'application/json': { schema: EVENT_REF },
  }),
  eventArray: webhook('eventArray', 'format json_array: a batch as a JSON array of events', {
    'application/json': { schema: { type: 'array', items: EVENT_REF } },
  }),
  eventLines: webhook('eventLines', 'format json_lines: a batch as one JSON event per line', {
    'application/x-ndjson': { schema: { type: 'string' } },
  }),
  cloudevent: webhook('cloudevent', 'format cloudevents: one CloudEvent in structured mode', {
    [CE_STRUCTURED]: { schema: CLOUDEVENT_REF },
  }),
  cloudeventBinary: webhook(
    'cloudeventBinary',
    'format cloudevents_binary: the context attributes as ce-* headers, the body is data',
    { 'application/json': { schema: { type: 'object', additionalProperties: true } } },
  ),
  cloudeventBatch: webhook(
    'cloudeventBatch',
    'format cloudevents_batch: a JSON array of CloudEvents',
    {
      [CE_BATCH]: { schema: { type: 'array', items: CLOUDEVENT_REF } },
    },
  ),
};

function finishOperation(op: Operation, where: string): void {
  for (const p of op.parameters ?? []) {
    if (p.in === 'query' && p.schema?.default !== undefined) p.required = false;
  }
  const responses = op.responses ?? {};
  for (const [status, response] of Object.entries(responses)) {
    if (Number(status) >= 400) {
      const description = ERROR_DESCRIPTIONS[status];
      if (!description) throw new Error(`${where}: no description for error status ${status}`);
      responses[status] = {
        description,
        content: { 'application/problem+json': { schema: PROBLEM_REF } },
      };
      continue;
    }
    const description = SUCCESS_DESCRIPTIONS[op.operationId ?? '']?.[status];
    if (!description) throw new Error(`${where}: no description for response ${status}`);
    response.description = description;
  }
  const body = op.requestBody?.content?.['application/json'];
  if (op.operationId === 'publishEvent' && body) {
    op.requestBody = {
      ...op.requestBody,
      content: { ...op.requestBody?.content, [CE_STRUCTURED]: { schema: CLOUDEVENT_REF } },
    };
  }
  if (op.operationId === 'publishEventBatch' && body) {
    op.requestBody = {
      ...op.requestBody,
      content: {
        ...op.requestBody?.content,
        [CE_BATCH]: { schema: { type: 'array', items: CLOUDEVENT_REF, maxItems: 1000 } },
      },
    };
  }
}

export function finishOpenApiDocument(doc: Json): Json {
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Operation>>;
  for (const [path, ops] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(ops)) finishOperation(op, `${method} ${path}`);
  }
  const components = (doc.components ?? {}) as { schemas?: Record<string, Json> };
  components.schemas = { ...components.schemas, CloudEvent: CloudEventSchema };
  return {
    ...doc,
    info: {
      ...(doc.info as Json),
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [
      {
        url: 'http://127.0.0.1:8080',
        description: 'A local Herald (`npm start`); use your own URL.',
      },
    ],
    components,
    webhooks: WEBHOOKS,
  };
}
