// The catalogue of errors a client may see. Each code is stable; retired codes
// are never reused. Anything not in here reaches the client as a bare 500.
export const PROBLEMS = {
  bad_request: { status: 400, title: 'Bad request' },
  conflict: { status: 409, title: 'Conflict' },
  cursor_expired: { status: 410, title: 'Cursor is before the retention horizon' },
  cursor_invalid: { status: 400, title: 'Invalid cursor' },
  internal_error: { status: 500, title: 'Internal server error' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  request_timeout: { status: 408, title: 'Request timeout' },
  uri_too_long: { status: 414, title: 'URI too long' },
  expectation_failed: { status: 417, title: 'Expectation failed' },
  request_header_fields_too_large: { status: 431, title: 'Request header fields too large' },
  not_found: { status: 404, title: 'Not found' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  forbidden: { status: 403, title: 'Forbidden' },
  service_unavailable: { status: 503, title: 'Service unavailable' },
  too_many_requests: { status: 429, title: 'Too many requests' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  validation_failed: { status: 422, title: 'Validation failed' },
} as const;

export type ProblemCode = keyof typeof PROBLEMS;

export interface FieldError {
  field: string;
  reason: string;
}

export class HeraldError extends Error {
  readonly code: ProblemCode;
  readonly status: number;
  readonly field: string | undefined;
  readonly errors: FieldError[] | undefined;
  /** Sent as Retry-After: when the same request may succeed again. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ProblemCode,
    detail: string,
    opts: { field?: string; errors?: FieldError[]; retryAfterSeconds?: number } = {},
  ) {
    super(detail);
    this.name = 'HeraldError';
    this.code = code;
    this.status = PROBLEMS[code].status;
    this.field = opts.field ?? opts.errors?.[0]?.field;
    this.errors = opts.errors;
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }
}

export function problemType(code: ProblemCode): string {
  return `https://herald.dev/problems/${code.replaceAll('_', '-')}`;
}
