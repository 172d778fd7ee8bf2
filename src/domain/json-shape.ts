// Structural checks on parsed JSON that the route schemas cannot express.
// Both walk with an explicit stack: the values they guard against are exactly
// the ones that would overflow the call stack of a recursive walk (or of
// JSON.stringify, which recurses).

/** The default most levels of objects and arrays an event's data may nest. */
export const DEFAULT_MAX_EVENT_DEPTH = 128;

/**
 * Whether `value` nests objects/arrays more than `max` levels deep
 * (`{}` is one level, `{"a":[1]}` two). Stops at the first level past `max`.
 */
export function jsonDepthExceeds(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [v, depth] = item;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

/**
 * The path (keys and indexes) of the first member, element or root for which
 * `test(key, value)` holds (key is null for the root and array elements), or null.
 */
export function findJsonPath(
  value: unknown,
  test: (key: string | null, value: unknown) => boolean,
): (string | number)[] | null {
  const stack: [unknown, string | null, (string | number)[]][] = [[value, null, []]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [v, key, path] = item;
    if (test(key, v)) return path;
    if (Array.isArray(v)) {
      v.forEach((child, i) => {
        stack.push([child, null, [...path, i]]);
      });
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) stack.push([child, k, [...path, k]]);
    }
  }
  return null;
}
