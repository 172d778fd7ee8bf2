import { describe, expect, it } from 'vitest';
import { findJsonPath, jsonDepthExceeds } from './json-shape.ts';

const nestedObjects = (depth: number): unknown => {
  let v: unknown = {};
  for (let i = 1; i < depth; i++) v = { a: v };
  return v;
};

describe('jsonDepthExceeds', () => {
  it.each([
    [{}, 1],
    [[], 1],
    [{ a: 1, b: 'x' }, 1],
    [{ a: [1] }, 2],
    [{ a: [{}] }, 3],
    ['text', 0],
    [null, 0],
  ])('%j is %i levels deep', (value, depth) => {
    expect(jsonDepthExceeds(value, depth)).toBe(false);
    if (depth > 0) expect(jsonDepthExceeds(value, depth - 1)).toBe(true);
  });

  it('walks values far deeper than the call stack allows', () => {
    expect(jsonDepthExceeds(nestedObjects(200_000), 128)).toBe(true);
    expect(jsonDepthExceeds(nestedObjects(128), 128)).toBe(false);
  });
});

describe('findJsonPath', () => {
  const nonFinite = (_k: string | null, v: unknown) => typeof v === 'number' && !Number.isFinite(v);

  it('names the path of the first match', () => {
    expect(findJsonPath({ a: [1, { b: Infinity }] }, nonFinite)).toEqual(['a', 1, 'b']);
    expect(findJsonPath(-Infinity, nonFinite)).toEqual([]);
    expect(findJsonPath({ a: [1, 1.7e308, -1.7e308] }, nonFinite)).toBeNull();
  });

  it('sees member names', () => {
    expect(findJsonPath(JSON.parse('{"x":{"__proto__":1}}'), (k) => k === '__proto__')).toEqual([
      'x',
      '__proto__',
    ]);
  });
});
