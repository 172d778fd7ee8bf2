// Event type names: dot-separated segments of letters, digits and
// underscores, at least two segments (`noun.verb`, `user.email_verified`) —
// or one lowercase segment, the form of Auth0's log type codes (`f`, `s`,
// `fp`, `limit_wc`), so a log stream keeps the producer's own names.
export const EVENT_TYPE_PATTERN = '^([A-Za-z0-9_]+(\\.[A-Za-z0-9_]+)+|[a-z][a-z0-9_]*)$';
export const EVENT_TYPE_MAX_LENGTH = 128;
const RE = new RegExp(EVENT_TYPE_PATTERN);

export function isValidEventType(name: string): boolean {
  return name.length <= EVENT_TYPE_MAX_LENGTH && RE.test(name);
}
