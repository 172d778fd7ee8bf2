// Out-of-order protection for state updates: an event is applied only when
// its object's `updated_at` is newer than the version the receiver already
// holds, so a late `user.updated` cannot overwrite a newer state.
import type { HeraldEvent } from './types.ts';

export type Version = string | number | Date;

export interface StaleGuardOptions {
  /** The version the receiver holds for an object key, if any. */
  get(key: string): Version | null | undefined | Promise<Version | null | undefined>;
  /** Records the version after the event was applied. */
  set(key: string, version: Version): void | Promise<void>;
  /** The object an event is about; default `data.object` (or the type's first segment) + `data.id`. */
  key?(event: HeraldEvent): string | null;
  /** The object's version; default `data.updated_at`. */
  version?(event: HeraldEvent): Version | null | undefined;
}

export type StaleGuardResult<T> =
  | { applied: true; result: T }
  | { applied: false; reason: 'stale' };

function defaultKey(event: HeraldEvent): string | null {
  const id = event.data.id;
  if (typeof id !== 'string' && typeof id !== 'number') return null;
  const kind =
    typeof event.data.object === 'string' ? event.data.object : event.event.split('.')[0];
  return `${kind}:${id}`;
}

function defaultVersion(event: HeraldEvent): Version | null {
  const v = event.data.updated_at;
  return typeof v === 'string' || typeof v === 'number' ? v : null;
}

function millis(v: Version): number {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'number') return v;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new TypeError(`updated_at ${JSON.stringify(v)} is not a time`);
  return ms;
}

export class StaleGuard {
  readonly #opts: StaleGuardOptions;

  constructor(options: StaleGuardOptions) {
    this.#opts = options;
  }

  /**
   * Runs `fn` unless the event is older than (or as old as) what is held.
   * An event without a key or version cannot be judged and is applied.
   */
  async apply<T>(
    event: HeraldEvent,
    fn: () => T | Promise<T>,
  ): Promise<StaleGuardResult<Awaited<T>>> {
    const key = (this.#opts.key ?? defaultKey)(event);
    const version = (this.#opts.version ?? defaultVersion)(event);
    if (key === null || version === null || version === undefined) {
      return { applied: true, result: await fn() };
    }
    const held = await this.#opts.get(key);
    if (held !== null && held !== undefined && millis(version) <= millis(held)) {
      return { applied: false, reason: 'stale' };
    }
    const result = await fn();
    await this.#opts.set(key, version);
    return { applied: true, result };
  }
}
