import { describe, expect, it } from 'vitest';
import {
  attributesFromHeaders,
  binaryHeaders,
  ceHeaderValue,
  ceSequence,
  fromCloudEvent,
  toCloudEvent,
} from './cloudevents.ts';
import { renderPayload } from './payload-format.ts';

const event = {
  object: 'event',
  id: 'event_01',
  event: 'user.created',
  data: { n: 1 },
  created_at: '2026-01-01T00:00:00.000Z',
  sequence: 9,
  organization_id: 'org 1',
};

describe('CloudEvents mapping', () => {
  it('pads sequence so string order is numeric order', () => {
    expect(ceSequence(9) < ceSequence(10)).toBe(true);
    expect(ceSequence(9)).toHaveLength(20);
  });

  it('maps id, type, time, data, source and the extensions', () => {
    expect(toCloudEvent(event, '/src')).toEqual({
      specversion: '1.0',
      id: 'event_01',
      source: '/src',
      type: 'user.created',
      time: '2026-01-01T00:00:00.000Z',
      datacontenttype: 'application/json',
      sequence: '00000000000000000009',
      organizationid: 'org 1',
      data: { n: 1 },
    });
  });

  it('percent-encodes header values as the HTTP binding says, and decodes them back', () => {
    expect(ceHeaderValue('a b"c%d/é')).toBe('a%20b%22c%25d/%C3%A9');
    const headers = binaryHeaders(toCloudEvent(event, '/src'));
    expect(headers['ce-organizationid']).toBe('org%201');
    expect(headers).not.toHaveProperty('ce-data');
    expect(attributesFromHeaders(headers).organizationid).toBe('org 1');
  });

  it('renders each CloudEvents format', () => {
    const binary = renderPayload('cloudevents_binary', [event], { source: null });
    expect(JSON.parse(binary.body)).toEqual({ n: 1 });
    expect(binary.headers['ce-source']).toBe('/herald');
    expect(() => renderPayload('cloudevents', [event, event])).toThrow(/exactly one event/);
    const batch = renderPayload('cloudevents_batch', [event, event], { source: '/s' });
    expect(batch.contentType).toBe('application/cloudevents-batch+json');
    expect(JSON.parse(batch.body)).toHaveLength(2);
  });

  it('reads a received CloudEvent, naming the offending field as sent', () => {
    const attrs = { specversion: '1.0', id: '1', source: '/p', type: 'a.b', organizationid: 'o' };
    expect(fromCloudEvent(attrs, { x: 1 }, (n) => n)).toEqual({
      event: 'a.b',
      data: { x: 1 },
      id: '/p 1',
      organization_id: 'o',
    });
    expect(
      fromCloudEvent({ ...attrs, organizationid: undefined }, undefined, (n) => n).data,
    ).toEqual({});
    const field = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as { field: string }).field;
      }
      return null;
    };
    expect(
      field(() => fromCloudEvent({ ...attrs, specversion: '0.3' }, {}, (n) => `ce-${n}`)),
    ).toBe('ce-specversion');
    expect(field(() => fromCloudEvent({ ...attrs, type: 'X' }, {}, (n) => n))).toBe('type');
    expect(field(() => fromCloudEvent(attrs, [1], (n) => n))).toBe('data');
    expect(field(() => fromCloudEvent({ ...attrs, data_base64: 'AA==' }, {}, (n) => n))).toBe(
      'data_base64',
    );
  });
});
