// `npm start` as a user launches it: a SIGTERM to npm (what a process manager
// or `kill <pid>` sends to the process it started) stops Herald, and npm ends
// only after Herald has, so the port is free when the launcher is gone.
// (`npx herald serve` is covered with the installed package, package.test.ts.)
import { describe, expect, it } from 'vitest';
import { launch, ROOT, stoppedAndFreed, userEnv } from '../fixtures/package-install.ts';
import { tempDir } from '../fixtures/test-server.ts';

describe('signals to the launcher', () => {
  it('npm start: SIGTERM to npm stops Herald before npm exits, and frees the port', async () => {
    const herald = await launch(
      'npm',
      ['start', '--', '--port', '0', '--data', tempDir()],
      ROOT,
      // npm start runs the TypeScript sources on the pinned Node.
      userEnv({ NODE_OPTIONS: '' }),
    );
    try {
      expect((await fetch(`${herald.url}/healthz`)).status).toBe(200);
      expect(herald.heraldPid).not.toBe(herald.child.pid);
      herald.child.kill('SIGTERM');
      await herald.exited;
      expect(await stoppedAndFreed(herald.heraldPid, herald.url, 0)).toBe(true);
      expect(herald.output()).toMatch(/"signal":"SIGTERM".*shutting down/);
    } finally {
      herald.child.kill('SIGKILL');
    }
  });
});
