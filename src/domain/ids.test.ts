import { describe, expect, it } from 'vitest';
import { incrementBase32, nextMonotonicUlid } from './ids.ts';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Reference: the string as a base-32 number, plus one, written back at the same width. */
function reference(s: string): string {
  let n = 0n;
  for (const c of s) n = n * 32n + BigInt(ALPHABET.indexOf(c));
  n += 1n;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    out = ALPHABET[Number(n % 32n)] + out;
    n /= 32n;
  }
  if (n > 0n) throw new Error('overflow');
  return out;
}

describe('incrementBase32', () => {
  it('adds one, carrying through trailing Zs', () => {
    for (const s of ['0000', '000Z', '0ZZZ', 'Y', 'XZ', '7ZZZZZZZZZZZZZZZ', 'ABCDEFGHJKMNPQRS']) {
      expect(incrementBase32(s)).toBe(reference(s));
    }
    // A fixed linear congruential sequence, so a failure reproduces.
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let k = 0; k < 2000; k++) {
      const len = 1 + (k % 16);
      let s = '';
      for (let i = 0; i < len; i++) {
        // Bias towards Z so that carries are common.
        s += random() < 0.4 ? 'Z' : ALPHABET[Math.floor(random() * 32)];
      }
      if (/^Z+$/.test(s)) continue;
      expect(incrementBase32(s)).toBe(reference(s));
    }
  });

  it('refuses to overflow', () => {
    expect(() => incrementBase32('ZZZ')).toThrow(/overflow/);
  });
});

describe('nextMonotonicUlid', () => {
  it('grows strictly within one millisecond, and across one', () => {
    let id = nextMonotonicUlid(1_700_000_000_000, null);
    for (let i = 0; i < 5000; i++) {
      const next = nextMonotonicUlid(1_700_000_000_000 + Math.floor(i / 2000), id);
      expect(next > id).toBe(true);
      expect(next).toHaveLength(26);
      id = next;
    }
  });
});
