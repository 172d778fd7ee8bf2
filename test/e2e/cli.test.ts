import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type ServeProcess, startServe } from '../fixtures/cli.ts';
import { client, tempDir } from '../fixtures/test-server.ts';

describe('herald CLI', () => {
  const running: ServeProcess[] = [];
  afterAll(() => {
    for (const p of running) p.child.kill('SIGKILL');
  });

  it('keys create prints only the key on stdout', async () => {
    const data = tempDir();
    const res = await runCli(['keys', 'create', '--data', data]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^sk_herald_[A-Za-z0-9_-]{43}\n$/);
    expect(res.stderr).toMatch(/tenant default/);
  });

  it('a bad flag or value is one line on stderr and exit code 2', async () => {
    const bogus = await runCli(['serve', '--bogus']);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr.trim().split('\n')).toHaveLength(1);
    expect(bogus.stderr).toMatch(/unknown option '--bogus'/);
    const badPort = await runCli(['serve', '--port', 'abc', '--data', tempDir()]);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr.trim()).toBe(
      'herald: invalid configuration: --port = "abc": must be an integer from 0 to 65535',
    );
    const badEnv = await runCli(['serve', '--data', tempDir()], { HERALD_RETENTION: 'forever' });
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toMatch(/HERALD_RETENTION = "forever"/);
    const unknownCommand = await runCli(['frobnicate']);
    expect(unknownCommand.code).toBe(2);
  });

  it.each([
    [['--help']],
    [['serve', '--help']],
    [['keys', 'create', '--help']],
    [['migrate', '--help']],
  ])('%s prints usage and exits 0', async (args) => {
    const res = await runCli(args);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/Usage: herald/);
  });

  it('serve runs alongside keys create and migrate on the same data folder, and stops cleanly on SIGTERM', async () => {
    const data = tempDir();
    const serve = await startServe(['--data', data], { HERALD_LOG_LEVEL: 'info' });
    running.push(serve);
    expect(serve.output()).toMatch(/listening at http:\/\/127\.0\.0\.1:\d+/);

    const created = await runCli([
      'keys',
      'create',
      '--data',
      data,
      '--tenant',
      'acme',
      '--name',
      'ci',
    ]);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    const api = client(serve.url, key);
    const published = await api.post('/events', { event: 'user.created', data: { id: 'u1' } });
    expect(published.status).toBe(201);
    expect((await api.get('/events')).body.data[0].id).toBe(published.body.id);

    const migrate = await runCli(['migrate', '--data', data]);
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toMatch(/pending: none/);

    const list = await runCli(['keys', 'list', '--data', data, '--tenant', 'acme']);
    const keyId = list.stdout.split('\t')[0] as string;
    expect(keyId).toMatch(/^key_/);
    const revoke = await runCli(['keys', 'revoke', keyId, '--data', data]);
    expect(revoke.code).toBe(0);
    expect((await api.get('/events')).status).toBe(401);
    expect((await runCli(['keys', 'revoke', keyId, '--data', data])).code).toBe(1);

    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
  });

  it('takes PORT and HERALD_DATA_DIR from the environment', async () => {
    const data = tempDir();
    const port = await freePort();
    const serve = await startServe([], { HERALD_DATA_DIR: data, PORT: String(port) });
    expect(serve.url).toBe(`http://127.0.0.1:${port}`);
    running.push(serve);
    const key = (await runCli(['keys', 'create'], { HERALD_DATA_DIR: data })).stdout.trim();
    expect((await client(serve.url, key).get('/events')).status).toBe(200);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}
