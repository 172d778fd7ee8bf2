import { describe, expect, it } from 'vitest';
import { compileEventFilter, isValidEventPattern } from './event-filter.ts';

describe('isValidEventPattern', () => {
  it('accepts exact types, *, and segment prefix wildcards', () => {
    for (const p of [
      'user.created',
      'user.email_verified',
      '*',
      'user.*',
      'user.email.*',
      'a_1.*',
    ]) {
      expect(isValidEventPattern(p), p).toBe(true);
    }
  });

  it('rejects anything else', () => {
    for (const p of [
      '',
      'User', // one segment must be lowercase (an Auth0 log type code's form)
      '.*',
      'user*',
      'user.',
      'user..*',
      '*.created',
      'user.*.verified',
      'user.**',
      '**',
      ' user.created',
      'user-created.x',
      'user.cré',
      `${'a.'.repeat(64)}*`, // 129 characters
    ]) {
      expect(isValidEventPattern(p), p).toBe(false);
    }
  });

  it('allows a wildcard up to the event type length limit', () => {
    const p = `${'a'.repeat(126)}.*`;
    expect(p).toHaveLength(128);
    expect(isValidEventPattern(p)).toBe(true);
    expect(isValidEventPattern(`a${p}`)).toBe(false);
  });
});

describe('compileEventFilter', () => {
  it('matches exact types only exactly', () => {
    const f = compileEventFilter(['user.created', 'order.paid']);
    expect(f('user.created')).toBe(true);
    expect(f('order.paid')).toBe(true);
    expect(f('user.deleted')).toBe(false);
    expect(f('user.created.v2')).toBe(false);
    expect(f('User.created')).toBe(false);
  });

  it('matches a prefix wildcard on whole segments at any depth', () => {
    const f = compileEventFilter(['user.*']);
    expect(f('user.created')).toBe(true);
    expect(f('user.email.verified')).toBe(true);
    expect(f('users.created')).toBe(false);
    expect(f('user')).toBe(false);
    expect(f('superuser.created')).toBe(false);
    expect(f('org.user.created')).toBe(false);
  });

  it('matches deeper prefixes and does not match the prefix itself', () => {
    const f = compileEventFilter(['user.email.*']);
    expect(f('user.email.verified')).toBe(true);
    expect(f('user.email.changed.twice')).toBe(true);
    expect(f('user.email')).toBe(false);
    expect(f('user.emails.verified')).toBe(false);
    expect(f('user.created')).toBe(false);
  });

  it('combines exact types and prefixes', () => {
    const f = compileEventFilter(['order.paid', 'user.*', 'billing.invoice.*']);
    expect(f('order.paid')).toBe(true);
    expect(f('order.refunded')).toBe(false);
    expect(f('user.deleted')).toBe(true);
    expect(f('billing.invoice.created')).toBe(true);
    expect(f('billing.card.expired')).toBe(false);
  });

  it('matches everything with *, wherever it appears', () => {
    const f = compileEventFilter(['user.created', '*']);
    expect(f('anything.at_all')).toBe(true);
    expect(f('x.y.z')).toBe(true);
  });

  it('matches nothing with an empty list', () => {
    const f = compileEventFilter([]);
    expect(f('user.created')).toBe(false);
  });

  it('throws on an invalid pattern', () => {
    expect(() => compileEventFilter(['user.created', 'user*'])).toThrow(/invalid event pattern/);
  });
});
