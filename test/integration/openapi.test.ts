import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startTestServer, type TestServer } from '../fixtures/test-server.ts';

describe('OpenAPI document', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
  });
  afterAll(() => server.close());

  it('is served at /openapi.json without a key and equals the committed docs/api/openapi.json', async () => {
    const res = await client(server.url).get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/events', '/events/batch', '/events/stream', '/healthz']),
    );
    expect(res.body.paths['/events'].get.operationId).toBe('listEvents');
    const committed = JSON.parse(
      readFileSync(new URL('../../docs/api/openapi.json', import.meta.url), 'utf8'),
    );
    expect(res.body).toEqual(committed);
  });
});
