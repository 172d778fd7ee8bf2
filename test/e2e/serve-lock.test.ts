// One server per SQLite folder, with real processes: a second `herald serve`
// on a folder already served is refused with one line and exit code 1; once
// the first is killed with SIGKILL (no clean-up at all) the folder can be
// served again.
import { afterAll, describe, expect, it } from 'vitest';
import { killAll, runCli, type ServeProcess, startServe } from '../fixtures/cli.ts';
import { client, tempDir } from '../fixtures/test-server.ts';

describe('one server per SQLite folder', () => {
  const running: ServeProcess[] = [];
  afterAll(async () => {
    await killAll(running);
  });

  it('refuses a second server on the folder, and recovers after kill -9 of the first', async () => {
    const data = tempDir();
    const first = await startServe(['--data', data]);
    running.push(first);

    const second = await runCli(['serve', '--port', '0', '--data', data]);
    expect(second.code).toBe(1);
    const lines = second.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`already served by herald (process ${first.child.pid})`);
    // The first is unaffected.
    expect((await client(first.url).get('/healthz')).status).toBe(200);
    // Other commands still work beside the server.
    expect((await runCli(['keys', 'create', '--data', data])).code).toBe(0);

    first.child.kill('SIGKILL');
    await first.exited;
    const third = await startServe(['--data', data]);
    running.push(third);
    expect((await client(third.url).get('/healthz')).status).toBe(200);
  });
});
