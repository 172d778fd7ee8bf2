// Request limits: the nesting depth of event data is a setting with a ceiling.
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('limit configuration', () => {
  it('allows 128 levels of event data by default', () => {
    expect(loadConfig({}, {}).maxEventDepth).toBe(128);
  });

  it('takes --max-event-depth or HERALD_MAX_EVENT_DEPTH', () => {
    expect(loadConfig({}, { HERALD_MAX_EVENT_DEPTH: '32' }).maxEventDepth).toBe(32);
    expect(
      loadConfig({ maxEventDepth: '1000' }, { HERALD_MAX_EVENT_DEPTH: '32' }).maxEventDepth,
    ).toBe(1000);
  });

  it('refuses depths that are not positive integers or above 1000', () => {
    expect(() => loadConfig({ maxEventDepth: '0' }, {})).toThrow(/--max-event-depth = "0"/);
    expect(() => loadConfig({ maxEventDepth: '1001' }, {})).toThrow(
      /--max-event-depth must be at most 1000/,
    );
  });
});
