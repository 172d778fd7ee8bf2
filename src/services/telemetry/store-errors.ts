// Counts failed store operations for herald_store_errors_total without
// touching either store: the Store is wrapped once, at composition, and every
// method that returns a promise reports its rejection before passing it on.
// A HeraldError is the client's mistake found by the store (an unknown cursor),
// not a store error.
import { HeraldError } from '../../domain/problem.ts';
import { RetryableStoreError } from '../../store/errors.ts';
import type { Store } from '../../store/store.ts';

export function countStoreErrors(
  store: Store,
  onError: (operation: string, kind: 'unavailable' | 'error') => void,
): Store {
  const wrappers = new Map<PropertyKey, (...args: unknown[]) => unknown>();
  const report = (operation: string) => (err: unknown) => {
    if (!(err instanceof HeraldError)) {
      onError(operation, err instanceof RetryableStoreError ? 'unavailable' : 'error');
    }
    throw err;
  };
  return new Proxy(store, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      let w = wrappers.get(prop);
      if (!w) {
        const onReject = report(String(prop));
        w = (...args: unknown[]) => {
          // Looked up per call, so the wrapper never holds a replaced method.
          const r = (Reflect.get(target, prop, target) as (...a: unknown[]) => unknown).apply(
            target,
            args,
          );
          return r instanceof Promise ? r.catch(onReject) : r;
        };
        wrappers.set(prop, w);
      }
      return w;
    },
  });
}
