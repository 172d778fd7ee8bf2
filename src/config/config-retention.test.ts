// Retention settings: delivery history follows event retention unless set.
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

const DAY = 86_400_000;

describe('retention configuration', () => {
  it('keeps finished deliveries as long as events by default', () => {
    expect(loadConfig({}, {}).deliveryRetentionMs).toBe(30 * DAY);
    expect(loadConfig({ retentionMs: '7d' }, {}).deliveryRetentionMs).toBe(7 * DAY);
  });

  it('takes its own value from --delivery-retention or HERALD_DELIVERY_RETENTION', () => {
    const env = { HERALD_DELIVERY_RETENTION: '90d' };
    expect(loadConfig({ retentionMs: '7d' }, env)).toMatchObject({
      retentionMs: 7 * DAY,
      deliveryRetentionMs: 90 * DAY,
    });
    expect(loadConfig({ deliveryRetentionMs: '1d' }, env).deliveryRetentionMs).toBe(DAY);
    expect(() => loadConfig({ deliveryRetentionMs: '0' }, {})).toThrow(
      /--delivery-retention = "0": must be a positive duration/,
    );
  });
});
