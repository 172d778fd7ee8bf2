// Log levels, as Auth0's log export extensions number them (LOG_LEVEL:
// 0 debug … 4 critical). An event may carry one; an endpoint may set a
// minimum, and then receives only events at or above it.
export const LOG_LEVELS = ['debug', 'info', 'warning', 'error', 'critical'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The stored form: the level's index, 0 (debug) to 4 (critical). */
export function levelRank(level: LogLevel): number {
  return LOG_LEVELS.indexOf(level);
}

export function levelName(rank: number): LogLevel {
  const name = LOG_LEVELS[rank];
  if (name === undefined) throw new Error(`no log level ${rank}`);
  return name;
}

/**
 * Whether an event of `rank` (null: no level) passes an endpoint's minimum
 * (null: none). An event without a level has none at or above the minimum,
 * so an endpoint with a minimum does not receive it.
 */
export function passesMinLevel(rank: number | null, min: number | null): boolean {
  return min === null || (rank !== null && rank >= min);
}
