// Which event types an endpoint receives. A pattern is an exact type
// (`user.created`), `*` for everything, or a prefix wildcard that matches whole
// segments: `user.*` matches `user.created` and `user.email.verified` but not
// `users.created`. Nothing fancier (no `*.created`, no regexes): filters are
// evaluated for every event and endpoint, and this keeps matching O(segments).
import { EVENT_TYPE_MAX_LENGTH, isValidEventType } from './event-type.ts';
import { passesMinLevel } from './log-level.ts';

export const MATCH_ALL = '*';

const SEGMENTS_RE = /^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/;

export function isValidEventPattern(pattern: string): boolean {
  if (pattern === MATCH_ALL) return true;
  if (pattern.endsWith('.*')) {
    const prefix = pattern.slice(0, -2);
    return pattern.length <= EVENT_TYPE_MAX_LENGTH && SEGMENTS_RE.test(prefix);
  }
  return isValidEventType(pattern);
}

export type EventFilter = (type: string) => boolean;

/**
 * Compiles patterns into a predicate. An empty list matches nothing: the API
 * layer decides what an endpoint without filters means (and should store
 * `['*']` for "everything"). Invalid patterns throw; they are rejected with
 * isValidEventPattern before they are stored.
 */
export function compileEventFilter(patterns: readonly string[]): EventFilter {
  const exact = new Set<string>();
  // Stored with their trailing dot: `user.*` → `user.`.
  const prefixes = new Set<string>();
  for (const p of patterns) {
    if (!isValidEventPattern(p)) throw new Error(`invalid event pattern: ${JSON.stringify(p)}`);
    if (p === MATCH_ALL) return () => true;
    if (p.endsWith('.*')) prefixes.add(p.slice(0, -1));
    else exact.add(p);
  }
  if (prefixes.size === 0) return (type) => exact.has(type);
  return (type) => {
    if (exact.has(type)) return true;
    // Try each segment boundary of the type: `a.b.c` checks `a.` and `a.b.`.
    for (let i = type.indexOf('.'); i >= 0; i = type.indexOf('.', i + 1)) {
      if (prefixes.has(type.slice(0, i + 1))) return true;
    }
    return false;
  };
}

export type EndpointEventFilter = (e: { type: string; level: number | null }) => boolean;

/** What an endpoint receives: its type patterns and, if set, its minimum log level. */
export function compileEndpointFilter(ep: {
  eventTypes: readonly string[];
  minLevel: number | null;
}): EndpointEventFilter {
  const types = compileEventFilter(ep.eventTypes);
  const min = ep.minLevel;
  if (min === null) return (e) => types(e.type);
  return (e) => passesMinLevel(e.level, min) && types(e.type);
}
