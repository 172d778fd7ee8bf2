import { describe, expect, it } from 'vitest';
import { HEADER_VALUE_PATTERN, textProblem } from './text-rules.ts';

describe('textProblem', () => {
  it.each(['', 'user.created', 'ep_01ARZ3NDEKTSV4RRFFQ69G5FAV', 'k-\u{1f600}', 'é\t\r\n'])(
    'accepts %j',
    (s) => {
      expect(textProblem(s)).toBeNull();
    },
  );

  it.each([
    ['\u0000', /NUL/],
    ['a\u0000b', /NUL/],
    ['k\udbff', /lone surrogate/],
    ['\udc00x', /lone surrogate/],
    ['\u{1f600}'.slice(0, 1), /lone surrogate/],
  ])('refuses %j', (s, reason) => {
    expect(textProblem(s)).toMatch(reason);
  });
});

describe('HEADER_VALUE_PATTERN', () => {
  // Ajv compiles patterns with the u flag.
  const re = new RegExp(HEADER_VALUE_PATTERN, 'u');

  it.each(['Bearer abc.def-ghi_123', 'Basic dXNlcjpwYXNz', 'token\twith tab', 'café'])(
    'accepts %j',
    (v) => {
      expect(re.test(v)).toBe(true);
    },
  );

  it.each([
    'a\rb',
    'a\nb',
    'a\u0000',
    'a\u007f',
    'a\u0085',
    'a\u2028',
    'a\u2029',
    '\u0101',
    '\u{1f600}',
  ])('refuses %j', (v) => {
    expect(re.test(v)).toBe(false);
  });
});
