import { describe, expect, it } from 'vitest';
import { timelineGrid } from './endpoint-health.ts';

describe('timelineGrid', () => {
  it('aligns buckets to their width, the last one holding now', () => {
    const now = Date.UTC(2026, 0, 1, 12, 34, 56, 789);
    const g = timelineGrid(now, 3_600_000, 60);
    expect(g.bucketMs).toBe(60_000);
    expect(new Date(g.until).toISOString()).toBe('2026-01-01T12:35:00.000Z');
    expect(new Date(g.since).toISOString()).toBe('2026-01-01T11:35:00.000Z');
    expect(now).toBeGreaterThanOrEqual(g.until - g.bucketMs);
    expect(now).toBeLessThan(g.until);
  });

  it('puts a moment exactly on a boundary in the bucket it starts', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const g = timelineGrid(now, 3_600_000, 60);
    expect(g.until - g.bucketMs).toBe(now);
  });

  it('keeps whole milliseconds when the window does not divide evenly', () => {
    const g = timelineGrid(1_000_000_000, 3_600_000, 7);
    expect(Number.isInteger(g.bucketMs)).toBe(true);
    expect(g.until - g.since).toBe(g.bucketMs * 7);
  });
});
