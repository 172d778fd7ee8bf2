// Request validation: bodies are checked strictly (no type coercion, unknown
// fields rejected), while query strings and headers, which are always text,
// are coerced ("limit=10" → 10, "events=a" → ["a"]). Every string a schema
// declares (ids, types, keys, query parameters; not free-form event data)
// must also be storable text (domain/text-rules.ts), on either store.
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { textProblem } from '../domain/text-rules.ts';

const TEXT_KEYWORD = 'x-herald-text';

function makeAjv(coerce: boolean) {
  const ajv = new Ajv.default({
    removeAdditional: false,
    useDefaults: true,
    coerceTypes: coerce ? 'array' : false,
    allErrors: false,
    strict: false,
  });
  addFormats.default(ajv);
  const validate = (_schema: boolean, data: string): boolean => {
    const reason = textProblem(data);
    if (reason === null) return true;
    validate.errors = [{ keyword: TEXT_KEYWORD, message: reason, params: {} }];
    return false;
  };
  validate.errors = [] as { keyword: string; message: string; params: object }[];
  ajv.addKeyword({ keyword: TEXT_KEYWORD, type: 'string', schemaType: 'boolean', validate });
  return ajv;
}

/** A copy of `schema` whose every string schema carries the text rule. */
function withTextRule(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withTextRule);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    // Property names are data, not schemas; everything else may nest schemas.
    out[k] = k === 'properties' ? mapValues(v, withTextRule) : withTextRule(v);
  }
  if (out.type === 'string') out[TEXT_KEYWORD] = true;
  return out;
}

function mapValues(obj: unknown, fn: (v: unknown) => unknown): unknown {
  if (obj === null || typeof obj !== 'object') return obj;
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, fn(v)]));
}

export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = makeAjv(false);
  const coercing = makeAjv(true);
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? strict : coercing;
    return ajv.compile(withTextRule(schema) as object) as ValidateFunction;
  };
}
