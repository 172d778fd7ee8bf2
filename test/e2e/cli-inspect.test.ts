// `herald inspect` as a real process: records a real delivery from a real
// `herald serve`, checks its signature, and stays bounded.
import { afterAll, describe, expect, it } from 'vitest';
import { generateSecret } from '../../src/domain/signature.ts';
import { runCli, type ServeProcess, startServe } from '../fixtures/cli.ts';
import { type CliProcess, startCli } from '../fixtures/cli-process.ts';
import { client, tempDir, waitFor } from '../fixtures/test-server.ts';

describe('herald inspect', { timeout: 120_000 }, () => {
  const running: (ServeProcess | CliProcess)[] = [];
  afterAll(() => {
    for (const p of running) p.child.kill('SIGKILL');
  });

  async function inspect(...args: string[]): Promise<{ p: CliProcess; url: string }> {
    const p = startCli(['inspect', '--port', '0', ...args]);
    running.push(p);
    const url = (
      await p.waitFor(/Inspector listening at (http:\/\/127\.0\.0\.1:\d+)/)
    )[1] as string;
    return { p, url };
  }

  it('records what a real endpoint delivery sends, with a valid signature', async () => {
    const data = tempDir();
    const herald = await startServe(['--data', data, '--allow-private-endpoints']);
    running.push(herald);
    const key = (await runCli(['keys', 'create', '--data', data])).stdout.trim();
    const secret = generateSecret();
    const { p, url } = await inspect('--secret', secret);
    const bin = client(url);

    const api = client(herald.url, key);
    const ep = await api.post('/endpoints', { url: `${url}/hook?x=1`, events: ['user.*'], secret });
    expect(ep.status).toBe(201);
    const event = (await api.post('/events', { event: 'user.created', data: { id: 'u1' } })).body;

    const list = await waitFor(async () => {
      const r = await bin.get('/requests');
      return r.body.data.length > 0 && r.body;
    });
    expect(list.object).toBe('list');
    const [req] = list.data;
    expect(req).toMatchObject({
      method: 'POST',
      path: '/hook',
      query: '?x=1',
      body_truncated: false,
      signature: 'valid',
    });
    expect(JSON.parse(req.body)).toEqual(event);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['webhook-id']).toMatch(/.+/);
    expect(req.headers['user-agent']).toMatch(/^Herald\//);
    expect((await bin.get(`/requests/${req.id}`)).body).toEqual(req);
    expect((await bin.get('/')).body.data).toHaveLength(1);
    await p.waitFor(new RegExp(`${req.id}  POST /hook\\?x=1  \\d+ bytes  signature valid`));

    // The delivery succeeded: the inspector answered 200 (recorded once Herald has the answer).
    const deliveries = await waitFor(async () => {
      const r = await api.get(`/endpoints/${ep.body.id}/deliveries`);
      return r.body.data?.length > 0 ? r : null;
    });
    expect(deliveries.body.data[0].status).toBe('succeeded');

    // A forged request is recorded and flagged.
    await bin.post('/hook', '{"forged":true}', {
      'webhook-id': 'x',
      'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
      'webhook-signature': 'v1,AAAA',
    });
    expect((await bin.get('/requests')).body.data[0].signature).toBe('invalid');
    expect((await bin.call('DELETE', '/requests')).status).toBe(204);
    expect((await bin.get('/requests')).body.data).toEqual([]);
    expect(await p.stop()).toBe(0);
  });

  it('keeps only the newest --max requests and answers with --status', async () => {
    const { p, url } = await inspect('--max', '2', '--status', '503');
    const bin = client(url);
    for (const n of [1, 2, 3]) {
      const r = await bin.call('PUT', `/n/${n}`, `body ${n}`, { 'content-type': 'text/plain' });
      expect(r.status).toBe(503);
    }
    const got = (await bin.get('/requests')).body.data;
    expect(got.map((r: { path: string }) => r.path)).toEqual(['/n/3', '/n/2']);
    expect(got[0]).toMatchObject({ method: 'PUT', body: 'body 3', body_bytes: 6 });
    expect(got[0].signature).toBeUndefined();
    expect(await p.stop()).toBe(0);

    const bad = await runCli(['inspect', '--secret', 'nope']);
    expect(bad.code).toBe(2);
    expect((await runCli(['inspect', '--port', 'x'])).code).toBe(2);
  });
});
