// The API commands (trigger, events, endpoints, deliveries, replay) as real
// processes against a real `herald serve`: exit codes, --json shapes, tables.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type ServeProcess, startServe } from '../fixtures/cli.ts';
import { freePort, startCli } from '../fixtures/cli-process.ts';
import { type Receiver, startReceiver } from '../fixtures/receiver.ts';
import { tempDir, waitFor } from '../fixtures/test-server.ts';

// Each command is a process start (~1 s on a loaded machine), hence the timeout.
describe('herald API commands', { timeout: 240_000 }, () => {
  let herald: ServeProcess;
  let receiver: Receiver;
  let env: Record<string, string>;
  const cli = (...args: string[]) => runCli(args, env);
  const json = async (...args: string[]) => {
    const r = await cli(...args, '--json');
    expect(r.stderr, r.stderr).not.toMatch(/herald:/);
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout);
  };

  beforeAll(async () => {
    const data = tempDir();
    herald = await startServe(['--data', data, '--allow-private-endpoints']);
    receiver = await startReceiver();
    const key = (await runCli(['keys', 'create', '--data', data])).stdout.trim();
    env = { HERALD_URL: herald.url, HERALD_API_KEY: key };
  });
  afterAll(async () => {
    herald?.child.kill('SIGKILL');
    await receiver?.close();
  });

  it('trigger publishes an event; usage errors exit 2, API and network errors exit 1', async () => {
    const e = await json(
      'trigger',
      'user.created',
      '--data',
      '{"id":"u1"}',
      '--organization',
      'org_1',
    );
    expect(e).toMatchObject({ object: 'event', event: 'user.created', data: { id: 'u1' } });
    expect(e.organization_id).toBe('org_1');
    expect(e.id).toMatch(/^event_/);
    const table = await cli('trigger', 'user.updated');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^id\s+event_\w+$/m);
    expect(table.stdout).toMatch(/^event\s+user\.updated$/m);

    const badJson = await cli('trigger', 'user.created', '--data', '{nope');
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toMatch(/^herald: --data: not JSON/);
    expect((await cli('trigger', 'user.created', '--data', '[1]')).code).toBe(2);
    const noKey = await runCli(['trigger', 'a.b'], { HERALD_URL: herald.url, HERALD_API_KEY: '' });
    expect(noKey.code).toBe(2);

    // One lowercase word is a valid type (Auth0's log codes are); an upper-case one is not.
    const badType = await cli('trigger', 'Created');
    expect(badType.code).toBe(1);
    expect(badType.stderr).toMatch(/POST \/events: 4\d\d .*event/);
    const badKey = await runCli([
      'trigger',
      'a.b',
      '--api-key',
      'sk_herald_nope',
      '--url',
      herald.url,
    ]);
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toMatch(/401 Unauthorized/);
    const down = await runCli(
      ['trigger', 'a.b', '--url', `http://127.0.0.1:${await freePort()}`],
      env,
    );
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/cannot reach Herald at .*ECONNREFUSED/);
  });

  it('events list, get and tail', async () => {
    const a = await json('trigger', 'order.paid', '--data', '{"amount":5}');
    const b = await json('trigger', 'order.refunded');
    const page = await json(
      'events',
      'list',
      '--events',
      'order.paid,order.refunded',
      '--limit',
      '100',
    );
    expect(page.object).toBe('list');
    expect(page.data.map((x: { id: string }) => x.id)).toEqual([a.id, b.id]);
    expect(page.list_metadata).toEqual({ after: b.id });
    const desc = await json('events', 'list', '--order', 'desc', '--limit', '1');
    expect(desc.data[0].id).toBe(b.id);
    const table = await cli('events', 'list', '--events', 'order.paid');
    expect(table.stdout).toMatch(/^SEQUENCE\s+ID\s+TYPE\s+ORGANIZATION\s+CREATED$/m);
    expect(table.stdout).toContain(a.id);

    expect(await json('events', 'get', a.id)).toEqual(a);
    const first = (await json('events', 'list', '--limit', '1')).data[0];
    expect(await json('events', 'get', first.id)).toEqual(first);
    const human = await cli('events', 'get', a.id);
    expect(human.stdout).toMatch(/"amount": 5/);
    const missing = await cli('events', 'get', 'event_01ARZ3NDEKTSV4RRFFQ69G5FAV');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/herald: .*4\d\d/);

    const tail = startCli(['events', 'tail', '--events', 'tail.*', '--json'], env);
    await tail.waitFor(/tailing/);
    await json('trigger', 'other.thing');
    const t = await json('trigger', 'tail.me');
    await tail.waitFor(/"tail\.me"/);
    expect(await tail.stop()).toBe(0);
    expect(
      tail
        .stdout()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([t]);
  });

  it('endpoints create, list, get, update, disable, enable, test and delete; deliveries list, get and retry', async () => {
    const ep = await json(
      'endpoints',
      'create',
      `${receiver.url}/hook`,
      '--events',
      'shop.*',
      '--description',
      'cli',
    );
    expect(ep).toMatchObject({
      object: 'endpoint',
      url: `${receiver.url}/hook`,
      events: ['shop.*'],
      active: true,
    });
    expect(ep.secret).toMatch(/^whsec_/);
    const human = await cli('endpoints', 'create', 'ftp://x');
    expect(human.code).toBe(1);
    expect(human.stderr).toMatch(/POST \/endpoints: 4\d\d .*url/);

    const list = await json('endpoints', 'list');
    expect(list.object).toBe('list');
    expect(list.data.map((x: { id: string }) => x.id)).toContain(ep.id);
    expect(list.data[0].secret).toBeUndefined();
    expect((await cli('endpoints', 'list')).stdout).toMatch(/^ID\s+URL\s+STATE\s+EVENTS/m);
    expect((await json('endpoints', 'get', ep.id)).id).toBe(ep.id);

    const updated = await json(
      'endpoints',
      'update',
      ep.id,
      '--description',
      'changed',
      '--body',
      '{"batch_size":1}',
    );
    expect(updated).toMatchObject({ description: 'changed', batch_size: 1 });
    expect((await cli('endpoints', 'update', ep.id)).code).toBe(2);
    expect((await json('endpoints', 'disable', ep.id)).active).toBe(false);
    expect((await json('endpoints', 'enable', ep.id)).active).toBe(true);

    const published = await json('trigger', 'shop.order', '--data', '{"n":1}');
    await waitFor(async () => receiver.requests.some((r) => r.body.includes(published.id)));
    const test = await json('endpoints', 'test', ep.id);
    expect(test).toMatchObject({ object: 'delivery', kind: 'test', endpoint_id: ep.id });

    const deliveries = await waitFor(async () => {
      const page = await json('deliveries', 'list', ep.id, '--status', 'succeeded');
      return (
        page.data.some((d: { event_ids: string[] }) => d.event_ids.includes(published.id)) && page
      );
    });
    expect(deliveries.object).toBe('list');
    const d = deliveries.data.find((x: { event_ids: string[] }) =>
      x.event_ids.includes(published.id),
    );
    const full = await json('deliveries', 'get', d.id);
    expect(full.attempts[0]).toMatchObject({ object: 'delivery_attempt', response_status: 200 });
    const table = await cli('deliveries', 'get', d.id);
    expect(table.stdout).toMatch(/^ATTEMPTED\s+STATUS\s+LATENCY\s+ERROR$/m);
    const before = receiver.requests.length;
    const retried = await json('deliveries', 'retry', d.id);
    expect(retried.id).toBe(d.id);
    await waitFor(async () => receiver.requests.length > before);
    expect((await cli('deliveries', 'list', ep.id)).stdout).toMatch(/^ID\s+STATUS\s+KIND/m);

    expect(await json('endpoints', 'delete', ep.id)).toEqual({
      object: 'endpoint',
      id: ep.id,
      deleted: true,
    });
    const gone = await cli('endpoints', 'get', ep.id);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/404 Not found: no endpoint/);
  });

  it('replay sends a window again and reports progress until it is delivered', async () => {
    const ep = await json('endpoints', 'create', `${receiver.url}/replay`, '--events', 'replay.*');
    const since = new Date(Date.now() - 1000).toISOString();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await json('trigger', 'replay.item', '--data', `{"i":${i}}`)).id);
    const got = () =>
      receiver.requests.filter((r) => r.path === '/replay').map((r) => JSON.parse(r.body).id);
    await waitFor(async () => got().length >= 3);

    const r = await cli('replay', ep.id, '--since', since, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      object: 'replay',
      endpoint_id: ep.id,
      deliveries: 3,
      open: 0,
    });
    expect(r.stderr).toMatch(/replay: 3 deliveries queued/);
    expect(r.stderr).toMatch(/replay: 3\/3 delivered, 0 open/);
    // Once each by the live delivery, once more by the replay (not necessarily in order).
    expect(got().slice(0, 3).sort()).toEqual([...ids].sort());
    expect(got().slice(3).sort()).toEqual([...ids].sort());

    expect((await cli('replay', ep.id, '--since', 'yesterday')).code).toBe(2);
    expect((await cli('replay', ep.id)).code).toBe(2);
    const unknown = await cli('replay', 'ep_nope', '--since', since);
    expect(unknown.code).toBe(1);
  });
});
