// Rules for text that Herald stores as identifiers or sends as header values.
// Event data is any JSON and is exempt: it is stored as JSON text, where NUL
// and lone surrogates are escapes (\u0000, \udbff) and round-trip unchanged.

/**
 * Why `s` cannot be stored as text, or null when it can. PostgreSQL text
 * cannot hold NUL (SQLite can, so accepting it would make the stores differ),
 * and a lone surrogate has no UTF-8 form: it is silently replaced by U+FFFD,
 * so the stored value (an idempotency key, say) would not be the one sent.
 */
export function textProblem(s: string): string | null {
  if (s.includes('\u0000')) return 'must not contain NUL (U+0000)';
  if (!s.isWellFormed()) return 'must not contain a lone surrogate (ill-formed UTF-16)';
  return null;
}

/**
 * What an outgoing header value may contain: tab, visible ASCII, space, and
 * Latin-1 letters (obs-text without the C1 controls). CR, LF, NUL and other
 * C0/C1 controls would split or break the request; U+2028 and anything else
 * beyond Latin-1 cannot be sent as a header at all. Refused at configuration
 * time, so no delivery fails locally and retries forever.
 */
export const HEADER_VALUE_PATTERN = '^[\\t\\x20-\\x7e\\xa0-\\xff]*$';
