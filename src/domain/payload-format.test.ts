import { describe, expect, it } from 'vitest';
import { isPayloadFormat, type PayloadFormat, renderPayload } from './payload-format.ts';

const a = { id: 'event_1', event: 'user.created', data: { name: 'Ada\nLovelace', n: 1 } };
const b = { id: 'event_2', event: 'user.deleted', data: {} };

describe('renderPayload', () => {
  it('json: one event as a JSON object', () => {
    const out = renderPayload('json', [a]);
    expect(out.contentType).toBe('application/json');
    expect(JSON.parse(out.body)).toEqual(a);
    expect(out.body.startsWith('{')).toBe(true);
  });

  it('json: refuses zero or several events', () => {
    expect(() => renderPayload('json', [a, b])).toThrow(/exactly one event, got 2/);
    expect(() => renderPayload('json', [])).toThrow(/at least one event/);
  });

  it('json_array: a JSON array in order, even for a single event', () => {
    const out = renderPayload('json_array', [a, b]);
    expect(out.contentType).toBe('application/json');
    expect(JSON.parse(out.body)).toEqual([a, b]);
    expect(JSON.parse(renderPayload('json_array', [b]).body)).toEqual([b]);
  });

  it('json_lines: one JSON document per line, each terminated by a newline', () => {
    const out = renderPayload('json_lines', [a, b]);
    expect(out.contentType).toBe('application/x-ndjson');
    expect(out.body.endsWith('\n')).toBe(true);
    const lines = out.body.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    // The newline inside a's data stays escaped, so it does not split the line.
    expect(JSON.parse(lines[0] as string)).toEqual(a);
    expect(JSON.parse(lines[1] as string)).toEqual(b);
    expect(renderPayload('json_lines', [b]).body).toBe(`${JSON.stringify(b)}\n`);
  });

  it('batch formats refuse an empty batch', () => {
    expect(() => renderPayload('json_array', [])).toThrow();
    expect(() => renderPayload('json_lines', [])).toThrow();
  });

  it('throws for a format it does not know', () => {
    expect(() => renderPayload('xml' as PayloadFormat, [a])).toThrow(/unknown payload format/);
  });
});

describe('isPayloadFormat', () => {
  it('recognises exactly the three formats', () => {
    expect(['json', 'json_array', 'json_lines'].every(isPayloadFormat)).toBe(true);
    expect(isPayloadFormat('ndjson')).toBe(false);
    expect(isPayloadFormat('JSON')).toBe(false);
    expect(isPayloadFormat('toString')).toBe(false);
  });
});
