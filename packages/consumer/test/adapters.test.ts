// The node:http, Express and Fastify adapters each receive a real Herald
// delivery through their framework, hand over the verified events, and
// refuse a forged request with 401 without handing anything over.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  client,
  startTestServer,
  type TestServer,
  waitFor,
} from '../../../test/fixtures/test-server.ts';
import {
  expressWebhookHandler,
  fastifyWebhookPlugin,
  type HeraldEvent,
  nodeWebhookHandler,
  type WebhookHandlerOptions,
} from '../src/index.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('framework adapters', () => {
  let herald: TestServer;
  let api: ReturnType<typeof client>;
  const received: Record<string, HeraldEvent[]> = {
    node: [],
    express: [],
    'express-raw': [],
    fastify: [],
  };
  const urls: Record<string, string> = {};
  const servers: Server[] = [];
  let fastify: FastifyInstance;

  const opts = (name: string): WebhookHandlerOptions => ({
    secret: SECRET,
    onEvents: (events) => void received[name]?.push(...events),
  });

  beforeAll(async () => {
    herald = await startTestServer('sqlite', { allowPrivateEndpoints: 'true' });
    api = client(herald.url, await herald.key());

    const node = createServer(nodeWebhookHandler(opts('node')));
    servers.push(node);
    urls.node = `${await listen(node)}/hook`;

    const app = express();
    app.post('/hook', expressWebhookHandler(opts('express')));
    app.post('/raw', express.raw({ type: '*/*' }), expressWebhookHandler(opts('express-raw')));
    app.use(express.json());
    app.post('/parsed', expressWebhookHandler(opts('express')));
    const ex = createServer(app);
    servers.push(ex);
    const exBase = await listen(ex);
    urls.express = `${exBase}/hook`;
    urls['express-raw'] = `${exBase}/raw`;
    urls.parsed = `${exBase}/parsed`;

    fastify = Fastify();
    await fastify.register(fastifyWebhookPlugin({ path: '/hook', ...opts('fastify') }));
    fastify.post('/json', async (request) => request.body);
    urls.fastify = `${await fastify.listen({ port: 0, host: '127.0.0.1' })}/hook`;
  });
  afterAll(async () => {
    await herald?.close();
    await fastify?.close();
    for (const s of servers) await new Promise((r) => s.close(r));
  });

  it('each adapter receives and verifies a real Herald delivery', async () => {
    for (const name of ['node', 'express', 'express-raw', 'fastify']) {
      const res = await api.post('/endpoints', {
        url: urls[name],
        secret: SECRET,
        events: [`${name.replace('-', '_')}.created`],
      });
      expect(res.status).toBe(201);
    }
    const published = await api.post('/events/batch', {
      events: ['node', 'express', 'express_raw', 'fastify'].map((n) => ({
        event: `${n}.created`,
        data: { n },
      })),
    });
    const ids = (published.body.data as HeraldEvent[]).map((e) => e.id);
    await waitFor(async () => Object.values(received).every((list) => list.length >= 1));
    expect(received.node?.map((e) => e.id)).toEqual([ids[0]]);
    expect(received.express?.map((e) => e.id)).toEqual([ids[1]]);
    expect(received['express-raw']?.map((e) => e.id)).toEqual([ids[2]]);
    expect(received.fastify?.map((e) => e.id)).toEqual([ids[3]]);
  });

  it('refuses a forged request with 401 and hands nothing over', async () => {
    const body = JSON.stringify({ object: 'event', id: 'event_forged', event: 'x.y', data: {} });
    const headers = {
      'content-type': 'application/json',
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
      'webhook-signature': new Webhook('whsec_QuvOg6tyxIK3MX0Xqwm3Au7Lpt93Dd9B').sign(
        'msg_1',
        new Date(),
        body,
      ),
    };
    for (const name of ['node', 'express', 'express-raw', 'fastify']) {
      const res = await fetch(urls[name] as string, { method: 'POST', headers, body });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: string }).error).toMatch(/signature/);
    }
    const all = Object.values(received).flat();
    expect(all.some((e) => e.id === 'event_forged')).toBe(false);
  });

  it('keeps the rest of a Fastify app parsing JSON, and tells Express users when the body was parsed first', async () => {
    const json = await fetch(urls.fastify?.replace('/hook', '/json') as string, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(await json.json()).toEqual({ a: 1 });
    const body = '{"object":"event","id":"event_p","event":"x.y","data":{}}';
    const parsed = await fetch(urls.parsed as string, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': 'm',
        'webhook-timestamp': '1',
        'webhook-signature': 'v1,x',
      },
      body,
    });
    expect(parsed.status).toBe(500);
    expect(await parsed.text()).toMatch(/express\.json/);
  });
});
