import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './retry-after.ts';

const NOW = Date.UTC(1994, 10, 6, 8, 49, 0); // Sun, 06 Nov 1994 08:49:00 GMT

describe('parseRetryAfter', () => {
  it('parses delta-seconds', () => {
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(' 5 ', NOW)).toBe(5_000);
    expect(parseRetryAfter('007', NOW)).toBe(7_000);
  });

  it('caps absurdly large delta-seconds instead of overflowing', () => {
    expect(parseRetryAfter('9'.repeat(400), NOW)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('parses an IMF-fixdate relative to now', () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', NOW)).toBe(37_000);
    expect(parseRetryAfter('Mon, 07 Nov 1994 08:49:00 GMT', NOW)).toBe(86_400_000);
  });

  it('parses the obsolete RFC 850 and asctime forms', () => {
    expect(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', NOW)).toBe(37_000);
    expect(parseRetryAfter('Sun Nov  6 08:49:37 1994', NOW)).toBe(37_000);
    expect(parseRetryAfter('Wed Nov 16 08:49:00 1994', NOW)).toBe(10 * 86_400_000);
  });

  it('reads a two-digit year as the nearest one not more than 50 years ahead', () => {
    const now2030 = Date.UTC(2030, 0, 1);
    expect(parseRetryAfter('Tuesday, 01-Jan-30 00:00:10 GMT', now2030)).toBe(10_000);
    // 2079 would be 49 years ahead: still this century. 2081 is 51 ahead: 1981.
    expect(parseRetryAfter('Monday, 01-Jan-79 00:00:00 GMT', now2030)).toBe(
      Date.UTC(2079, 0, 1) - now2030,
    );
    expect(parseRetryAfter('Thursday, 01-Jan-81 00:00:00 GMT', now2030)).toBe(0);
  });

  it('returns 0 for a date in the past', () => {
    expect(parseRetryAfter('Sat, 05 Nov 1994 08:49:37 GMT', NOW)).toBe(0);
  });

  it('accepts a leap second', () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:60 GMT', NOW)).toBe(60_000);
  });

  it('returns null for absent or malformed values', () => {
    for (const bad of [
      null,
      undefined,
      '',
      '   ',
      '-5',
      '1.5',
      '1e3',
      '0x10',
      '10 seconds',
      'soon',
      'Infinity',
      '2024-01-01T00:00:00Z',
      'Sun, 6 Nov 1994 08:49:37 GMT',
      'Sun, 06 Nov 1994 08:49:37 UTC',
      'sun, 06 nov 1994 08:49:37 gmt',
      'Sun, 06 Nov 1994 8:49:37 GMT',
      'Sun, 31 Feb 1994 08:49:37 GMT',
      'Sun, 00 Nov 1994 08:49:37 GMT',
      'Sun, 06 Nov 1994 24:00:00 GMT',
      'Sun, 06 Nov 1994 08:60:00 GMT',
      'Sun, 06 Nov 1994 08:49:61 GMT',
      'Sunday, 06 Nov 1994 08:49:37 GMT',
      'Sun, 06-Nov-94 08:49:37 GMT',
    ]) {
      expect(parseRetryAfter(bad, NOW), String(bad)).toBeNull();
    }
  });
});
