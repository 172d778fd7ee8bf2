// fast-check arbitraries for requests to the routes of Herald's OpenAPI
// document: mostly schema-valid values with hostile ones mixed in at any
// node (NUL, lone surrogates, line separators, wrong types, deep nesting,
// numbers beyond the double range), hostile path parameters and queries, and
// bodies that are not JSON at all. Every URL a generated endpoint could call
// is on 127.0.0.1.
import fc from 'fast-check';

// biome-ignore lint/suspicious/noExplicitAny: OpenAPI/JSON Schema nodes are read loosely
type Schema = any;

export interface Route {
  method: string;
  /** OpenAPI path template, e.g. /endpoints/{id}. */
  path: string;
  pathParams: string[];
  query: { name: string; schema: Schema }[];
  body: Schema | null;
}

export interface FuzzRequest {
  route: Route;
  method: string;
  /** Path and query, percent-encoded. */
  url: string;
  body: string | null;
  contentType: string | null;
  auth: 'admin' | 'tenant' | 'none' | 'invalid';
  /**
   * The request is well-formed HTTP with a JSON body (or none) and a UTF-8
   * charset, so a 400 must be about a field it names.
   */
  wellFormed: boolean;
}

/** JSON text inserted as is (deep nesting or 1e400, which JSON.stringify cannot produce). */
class RawJson {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** JSON text of `v`, with RawJson inserted verbatim. Recurses only as deep as the schemas. */
function jsonText(v: unknown): string {
  if (v instanceof RawJson) return v.text;
  if (Array.isArray(v)) return `[${v.map(jsonText).join(',')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x)}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

const nested = (depth: number) => `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((n) => String.fromCharCode(n));
const anyUnit = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 6 },
  { arbitrary: loneSurrogate, weight: 1 },
  {
    arbitrary: fc.constantFrom('\u0000', '\r', '\n', '\u2028', '\u2029', '\u0085', '\u007f', '\t'),
    weight: 2,
  },
);

const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: anyUnit, maxLength: 24 }),
  fc.string({ unit: 'binary-ascii', maxLength: 24 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    'k\udbff',
    '\udc00x',
    'a\r\nX-Injected: 1',
    'a\u2028b',
    '%00',
    '../../etc/passwd',
    '__proto__',
    'constructor',
    '\u{1f600}',
    'user.created',
    'ep_01ARZ3NDEKTSV4RRFFQ69G5FAV',
    'event_01ARZ3NDEKTSV4RRFFQ69G5FAV',
    'a'.repeat(300),
    '1e400',
    'null',
  ),
);

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: hostileString, weight: 6 },
  {
    arbitrary: fc.constantFrom<unknown>(
      null,
      true,
      0,
      -1,
      1.5,
      [],
      {},
      [null],
      new RawJson('1e400'),
      new RawJson('-1e400'),
      new RawJson(nested(129)),
      new RawJson(nested(3000)),
      new RawJson(`[${'['.repeat(200)}${']'.repeat(200)}]`),
      'x'.repeat(5000),
    ),
    weight: 3,
  },
  { arbitrary: fc.integer(), weight: 1 },
);

/** Loopback-only URLs, some with hostile tails. */
const loopbackUrl = fc.oneof(
  fc.constantFrom('http://127.0.0.1:9/hook', 'http://127.0.0.1:9/', 'https://127.0.0.1:9/x'),
  hostileString.map((s) => `http://127.0.0.1:9/${s}`),
);

function resolve(schema: Schema, doc: Schema): Schema {
  if (schema?.$ref) {
    const name = String(schema.$ref).split('/').at(-1) as string;
    return doc.components.schemas[name];
  }
  return schema;
}

/** Data of an event: any JSON object, sometimes with NUL, surrogates, deep nesting or 1e400. */
const freeJson: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 6 },
  { arbitrary: fc.dictionary(hostileString, hostileValue, { maxKeys: 4 }), weight: 3 },
);

/** A value for `schema`: valid most of the time, hostile otherwise. */
export function valueFor(schema: Schema, doc: Schema, name = ''): fc.Arbitrary<unknown> {
  return fc.oneof(
    { arbitrary: validFor(schema, doc, name), weight: 24 },
    { arbitrary: hostileValue, weight: 1 },
  );
}

function validFor(input: Schema, doc: Schema, name: string): fc.Arbitrary<unknown> {
  const schema = resolve(input, doc);
  if (schema === undefined || schema === null) return fc.jsonValue({ maxDepth: 2 });
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return fc.oneof(...union.map((s: Schema) => validFor(s, doc, name)));
  if ('const' in schema) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'object': {
      const props: Record<string, Schema> = schema.properties ?? {};
      if (Object.keys(props).length === 0 && schema.additionalProperties !== false) {
        return fc.dictionary(fc.string({ maxLength: 8 }), freeJson, { maxKeys: 4 });
      }
      const model = Object.fromEntries(
        Object.entries(props).map(([k, s]) => [k, valueFor(s, doc, k)]),
      );
      const record = fc.record(model, { requiredKeys: schema.required ?? [] });
      // Now and then a field the schema does not know.
      return fc.oneof(
        { arbitrary: record, weight: 9 },
        {
          arbitrary: fc
            .tuple(record, hostileString, hostileValue)
            .map(([r, k, v]) => ({ ...(r as object), [k]: v })),
          weight: 1,
        },
      );
    }
    case 'array':
      return fc.array(valueFor(schema.items, doc, name), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 4, 4),
      });
    case 'string':
      if (name === 'url' || name === 'notify_url') return loopbackUrl;
      if (schema.format === 'date-time')
        return fc
          .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
          .map((d) => d.toISOString());
      if (schema.pattern)
        return fc
          .stringMatching(new RegExp(schema.pattern))
          .filter((s) => s.length <= (schema.maxLength ?? 255));
      return fc.string({
        minLength: schema.minLength ?? 0,
        maxLength: Math.min(schema.maxLength ?? 40, 40),
      });
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({
        min: schema.minimum ?? -1e6,
        max: schema.maximum ?? 1e6,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Percent-encoding of text, also of lone surrogates (as their CESU-8 bytes, which are not UTF-8). */
function encode(s: string): string {
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0) as number;
    if (code >= 0xd800 && code <= 0xdfff) {
      const bytes = [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)];
      out += bytes.map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else out += encodeURIComponent(ch);
  }
  return out;
}

const badPercent = fc.constantFrom('%ZZ', '%C3%28', '%ED%A0%80', '%', '%E2%82', 'a'.repeat(150));

const pathValue: fc.Arbitrary<{ text: string; wellFormed: boolean }> = fc.oneof(
  {
    arbitrary: hostileString.map((s) => ({ text: encode(s), wellFormed: s.isWellFormed() })),
    weight: 6,
  },
  { arbitrary: badPercent.map((text) => ({ text, wellFormed: false })), weight: 1 },
);

function queryValue(schema: Schema, doc: Schema, name: string): fc.Arbitrary<string[]> {
  const valid = valueFor(schema?.type === 'array' ? schema.items : schema, doc, name).map((v) =>
    typeof v === 'string' ? v : jsonText(v),
  );
  return fc.array(
    fc.oneof({ arbitrary: valid, weight: 4 }, { arbitrary: hostileString, weight: 1 }),
    { minLength: 1, maxLength: 3 },
  );
}

/** No request may wait: long polls would make runs slow, not harder. */
function noWaiting(name: string, value: string): string {
  return name === 'wait' && Number(value) > 0 ? '0' : value;
}

export function routesOf(doc: Schema): Route[] {
  const routes: Route[] = [];
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, Schema>>)) {
    for (const [method, op] of Object.entries(ops)) {
      const params: Schema[] = op.parameters ?? [];
      routes.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: params
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: p.name, schema: p.schema })),
        body: op.requestBody?.content?.['application/json']?.schema ?? null,
      });
    }
  }
  return routes;
}

const charsets = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=UTF-8',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
);

export function requestFor(route: Route, doc: Schema): fc.Arbitrary<FuzzRequest> {
  const pathArb = fc.tuple(...route.pathParams.map(() => pathValue));
  const queryArb = fc.tuple(
    ...route.query.map((q) => fc.option(queryValue(q.schema, doc, q.name), { nil: undefined })),
    fc.option(fc.tuple(hostileString, hostileString), { nil: undefined }),
  );
  const bodyArb: fc.Arbitrary<{ text: string | null; type: string | null; json: boolean }> =
    route.body
      ? fc.oneof(
          {
            arbitrary: valueFor(route.body, doc).map((v) => ({
              text: jsonText(v),
              type: 'application/json',
              json: true,
            })),
            weight: 16,
          },
          {
            arbitrary: fc
              .string({ unit: anyUnit, maxLength: 40 })
              .map((text) => ({ text, type: 'application/json', json: false })),
            weight: 1,
          },
          {
            arbitrary: fc
              .tuple(valueFor(route.body, doc), charsets)
              .map(([v, type]) => ({ text: jsonText(v), type, json: false })),
            weight: 2,
          },
          { arbitrary: fc.constant({ text: null, type: null, json: true }), weight: 1 },
        )
      : fc.oneof(
          { arbitrary: fc.constant({ text: null, type: null, json: true }), weight: 9 },
          {
            arbitrary: fc
              .jsonValue({ maxDepth: 2 })
              .map((v) => ({ text: jsonText(v), type: 'application/json', json: true })),
            weight: 1,
          },
        );
  const authArb = fc.constantFrom<FuzzRequest['auth']>(
    'admin',
    'admin',
    'admin',
    'admin',
    'tenant',
    'none',
    'invalid',
  );
  return fc.tuple(pathArb, queryArb, bodyArb, authArb).map(([pathVals, queryVals, body, auth]) => {
    let path = route.path;
    route.pathParams.forEach((p, i) => {
      path = path.replace(`{${p}}`, pathVals[i]?.text ?? '');
    });
    const pairs: string[] = [];
    route.query.forEach((q, i) => {
      for (const v of (queryVals[i] as string[] | undefined) ?? [])
        pairs.push(`${encode(q.name)}=${encode(noWaiting(q.name, v))}`);
    });
    const extra = queryVals[route.query.length] as [string, string] | undefined;
    if (extra) pairs.push(`${encode(extra[0])}=${encode(extra[1])}`);
    // GET and HEAD carry no body in fetch.
    const hasBody = route.method !== 'GET' && body.text !== null;
    return {
      route,
      method: route.method,
      url: pairs.length > 0 ? `${path}?${pairs.join('&')}` : path,
      body: hasBody ? body.text : null,
      contentType: hasBody ? body.type : null,
      auth,
      wellFormed:
        pathVals.every((v) => v.wellFormed) &&
        // An empty JSON body is malformed JSON, not a field error.
        (!hasBody || (body.json && body.text !== '')),
    };
  });
}

/** Any route of the document, with a request for it. */
export function anyRequest(doc: Schema): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(...routesOf(doc).map((r) => requestFor(r, doc)));
}
