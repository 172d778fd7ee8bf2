// `herald listen` as a real process against a real `herald serve`, forwarding
// to a real local receiver that verifies every request with the
// standardwebhooks package and with the herald-consumer SDK.
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { verify } from '../../packages/consumer/src/index.ts';
import { runCli, type ServeProcess, startServe } from '../fixtures/cli.ts';
import { type CliProcess, freePort, startCli } from '../fixtures/cli-process.ts';
import { type Receiver, startReceiver } from '../fixtures/receiver.ts';
import { client, tempDir, waitFor } from '../fixtures/test-server.ts';

describe('herald listen', { timeout: 120_000 }, () => {
  const cleanup: (() => unknown)[] = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn();
  });

  async function serve(data: string, port: number): Promise<ServeProcess> {
    const s = await startServe(['--data', data, '--allow-private-endpoints'], {
      PORT: String(port),
    });
    cleanup.push(() => s.child.kill('SIGKILL'));
    return s;
  }

  function listen(args: string[], env: Record<string, string>): CliProcess {
    const p = startCli(['listen', ...args], env);
    cleanup.push(() => p.child.kill('SIGKILL'));
    return p;
  }

  /** A receiver that answers 400 to anything standardwebhooks or herald-consumer does not verify. */
  async function verifyingReceiver(secret: () => string): Promise<{
    receiver: Receiver;
    verified: { id: string; event: string; webhookId: string }[];
  }> {
    const verified: { id: string; event: string; webhookId: string }[] = [];
    const receiver = await startReceiver((req) => {
      try {
        const e = new Webhook(secret()).verify(req.body, req.headers) as {
          id: string;
          event: string;
        };
        // The consumer SDK a receiver would use reads the same one event.
        const viaSdk = verify(req.body, req.headers, secret());
        if (viaSdk.length !== 1 || viaSdk[0]?.id !== e.id) return { status: 400 };
        verified.push({ id: e.id, event: e.event, webhookId: req.headers['webhook-id'] ?? '' });
        return { status: 204 };
      } catch {
        return { status: 400 };
      }
    });
    cleanup.push(() => receiver.close());
    return { receiver, verified };
  }

  it('forwards matching events signed like a real delivery, across a Herald restart and a listen restart, none lost or repeated', async () => {
    const data = tempDir();
    const stateDir = tempDir('herald-listen-state-');
    const port = await freePort();
    let herald = await serve(data, port);
    const key = (await runCli(['keys', 'create', '--data', data])).stdout.trim();
    const api = client(herald.url, key);
    const env = { HERALD_URL: herald.url, HERALD_API_KEY: key, HERALD_LISTEN_STATE_DIR: stateDir };

    // Published before listen first starts: listen starts now, not at the beginning.
    expect((await api.post('/events', { event: 'user.created', data: { n: 0 } })).status).toBe(201);

    let secret = '';
    const { receiver, verified } = await verifyingReceiver(() => secret);
    // A real endpoint with default settings, to compare the requests byte for byte.
    const real = await startReceiver();
    cleanup.push(() => real.close());
    const ep = await api.post('/endpoints', { url: `${real.url}/real`, events: ['user.*'] });
    expect(ep.status).toBe(201);

    const forwardTo = `${receiver.url}/webhooks`;
    const args = ['--forward-to', forwardTo, '--events', 'user.*,order.paid'];
    let l = listen(args, env);
    secret = (await l.waitFor(/signing secret is (whsec_[A-Za-z0-9+/=]+)/))[1] as string;
    await l.waitFor(/starting now/);

    const publish = async (event: string, n: number) => {
      const r = await api.post('/events', { event, data: { n } });
      expect(r.status).toBe(201);
      return r.body.id as string;
    };
    const expected: string[] = [];
    expected.push(await publish('user.created', 1));
    expected.push(await publish('order.paid', 2));
    await publish('order.refunded', 3); // filtered out
    expected.push(await publish('user.email.verified', 4));
    await waitFor(async () => verified.length >= 3);
    await l.waitFor(new RegExp(`user\\.email\\.verified  ${expected[2]}  \\[204\\]  \\d+ ms`));

    // Same body and the same headers (but the per-endpoint position) as the real endpoint got.
    await waitFor(async () => real.requests.length >= 2);
    const realFirst = real.requests.find((r) => JSON.parse(r.body).id === expected[0]);
    const forwardedFirst = receiver.requests.find((r) => JSON.parse(r.body).id === expected[0]);
    expect(forwardedFirst?.body).toBe(realFirst?.body);
    const headerNames = (h: Record<string, string>) =>
      Object.keys(h)
        .filter((k) => k.startsWith('webhook-') || ['content-type', 'user-agent'].includes(k))
        .filter((k) => k !== 'webhook-endpoint-sequence')
        .sort();
    expect(headerNames(forwardedFirst?.headers ?? {})).toEqual(
      headerNames(realFirst?.headers ?? {}),
    );
    expect(forwardedFirst?.headers['user-agent']).toBe(realFirst?.headers['user-agent']);
    expect(forwardedFirst?.headers['webhook-sequence']).toBe(
      realFirst?.headers['webhook-sequence'],
    );

    // Herald restarts on the same data folder and port; listen reconnects by itself.
    herald.child.kill('SIGTERM');
    expect(await herald.exited).toBe(0);
    await l.waitFor(/lost the connection to Herald/);
    herald = await serve(data, port);
    expected.push(await publish('user.updated', 5));
    await waitFor(async () => verified.length >= 4, 15_000);
    await l.waitFor(/reconnected/);

    // listen stops; events published meanwhile are forwarded when it is back.
    expect(await l.stop()).toBe(0);
    expected.push(await publish('user.deleted', 6));
    expected.push(await publish('order.paid', 7));
    l = listen(args, env);
    const again = (await l.waitFor(/signing secret is (whsec_[A-Za-z0-9+/=]+)/))[1];
    expect(again).toBe(secret);
    await l.waitFor(new RegExp(`resuming after ${expected[3]}`));
    await waitFor(async () => verified.length >= 6, 15_000);
    // A last event proves nothing more is coming from before it.
    expected.push(await publish('user.created', 8));
    await waitFor(async () => verified.length >= 7, 15_000);
    expect(verified.map((v) => v.id)).toEqual(expected);
    expect(receiver.requests).toHaveLength(expected.length);
    expect(new Set(verified.map((v) => v.webhookId)).size).toBe(expected.length);
    expect(await l.stop()).toBe(0);
  });

  it('prints a failed forward once and moves on (no retries), and gives another secret for another URL', async () => {
    const data = tempDir();
    const herald = await serve(data, await freePort());
    const key = (await runCli(['keys', 'create', '--data', data])).stdout.trim();
    const api = client(herald.url, key);
    const receiver = await startReceiver((_req, n) => ({ status: n === 0 ? 500 : 200 }));
    cleanup.push(() => receiver.close());
    const env = {
      HERALD_URL: herald.url,
      HERALD_API_KEY: key,
      HERALD_LISTEN_STATE_DIR: tempDir(),
    };
    const l = listen(['--forward-to', `${receiver.url}/a`], env);
    const secretA = (await l.waitFor(/signing secret is (whsec_\S+)/))[1];
    await l.waitFor(/starting now/);
    const first = (await api.post('/events', { event: 'a.b', data: {} })).body.id;
    const second = (await api.post('/events', { event: 'a.c', data: {} })).body.id;
    await l.waitFor(new RegExp(`a\\.c  ${second}  \\[200\\]`));
    expect(l.stdout()).toMatch(new RegExp(`a\\.b  ${first}  \\[500\\]`));
    expect(receiver.requests).toHaveLength(2);
    expect(await l.stop()).toBe(0);

    const other = listen(['--forward-to', `${receiver.url}/b`], env);
    const secretB = (await other.waitFor(/signing secret is (whsec_\S+)/))[1];
    expect(secretB).not.toBe(secretA);
    expect(await other.stop()).toBe(0);

    // Nothing listening there: an error line, and listen keeps going.
    const closed = `http://127.0.0.1:${await freePort()}/hook`;
    const refused = listen(['--forward-to', closed], env);
    await refused.waitFor(/starting now/);
    const third = (await api.post('/events', { event: 'a.d', data: {} })).body.id;
    await refused.waitFor(new RegExp(`a\\.d  ${third}  \\[ERR\\] .*ECONNREFUSED`));
    expect(await refused.stop()).toBe(0);
  });

  it('--print-json prints matching events and forwards nothing', async () => {
    const data = tempDir();
    const herald = await serve(data, await freePort());
    const key = (await runCli(['keys', 'create', '--data', data])).stdout.trim();
    const api = client(herald.url, key);
    const l = listen(['--print-json', '--events', 'order.paid', '--url', herald.url], {
      HERALD_API_KEY: key,
    });
    await l.waitFor(/Ready! Printing events/);
    await api.post('/events', { event: 'user.created', data: {} });
    const paid = (await api.post('/events', { event: 'order.paid', data: { amount: 5 } })).body;
    await l.waitFor(/"order\.paid"/);
    expect(await l.stop()).toBe(0);
    const lines = l.stdout().trim().split('\n');
    expect(lines.map((x) => JSON.parse(x))).toEqual([paid]);
  });

  it('usage errors exit 2; an unreachable or refusing Herald exits 1 with the problem', async () => {
    const noKey = await runCli(['listen', '--forward-to', 'http://127.0.0.1:1/'], {
      HERALD_API_KEY: '',
    });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/API key is required/);
    const noTarget = await runCli(['listen', '--api-key', 'k']);
    expect(noTarget.code).toBe(2);
    const badEvents = await runCli([
      'listen',
      '--api-key',
      'k',
      '--print-json',
      '--events',
      'user.*.x',
    ]);
    expect(badEvents.code).toBe(2);
    expect(badEvents.stderr).toMatch(/"user\.\*\.x" is not an event type/);

    const data = tempDir();
    const herald = await serve(data, await freePort());
    const bad = await runCli(['listen', '--print-json', '--url', herald.url, '--api-key', 'nope']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/401/);
  });
});
