import { describe, expect, it } from 'vitest';
import { compileEventFilter } from './event-filter.ts';
import { isValidEventType } from './event-type.ts';

describe('event type names', () => {
  it('takes dotted names and Auth0 log type codes', () => {
    for (const t of ['user.created', 'User.Email_verified', 'f', 's', 'fp', 'limit_wc', 'sapi']) {
      expect(isValidEventType(t), t).toBe(true);
    }
  });

  it('refuses other single segments, empty segments and other characters', () => {
    for (const t of ['', 'Created', '_f', '1f', 'user.', '.f', 'user created', 'a-b.c', 'f\n']) {
      expect(isValidEventType(t), JSON.stringify(t)).toBe(false);
    }
    expect(isValidEventType(`a.${'b'.repeat(127)}`)).toBe(false);
  });

  it('filters on Auth0 codes exactly', () => {
    const matches = compileEventFilter(['f', 'fp']);
    expect(['f', 'fp', 's', 'fpx'].filter(matches)).toEqual(['f', 'fp']);
  });
});
