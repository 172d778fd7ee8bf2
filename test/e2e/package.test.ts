// Herald as users install it: the `npm pack` tarball in an empty folder, its
// bin through npx, its programmatic API from an .mjs file and from TypeScript,
// and the container image's own install and start commands (read from the
// Dockerfile; Docker itself cannot run here). One pack for the whole file.
import { copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  envOf,
  execForm,
  finalStage,
  one,
  readDockerfile,
  runCommand,
} from '../fixtures/dockerfile.ts';
import {
  freePort,
  type Installed,
  type Launched,
  launch,
  mustSucceed,
  packAndInstall,
  ROOT,
  sh,
  stoppedAndFreed,
  userEnv,
} from '../fixtures/package-install.ts';
import { tempDir } from '../fixtures/test-server.ts';

const VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('the npm package', () => {
  let pkg: Installed;
  const launched: Launched[] = [];
  beforeAll(async () => {
    pkg = await packAndInstall();
  }, 300_000);
  afterAll(() => {
    for (const l of launched) if (l.child.exitCode === null) l.child.kill('SIGKILL');
  });

  it('holds the JavaScript build with its declarations and assets, not the sources', async () => {
    const entries = (await mustSucceed(`tar -tzf ${pkg.tarball}`, ROOT)).trim().split('\n');
    for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'bin/herald.js']) {
      expect(entries).toContain(`package/${f}`);
    }
    // Migrations, dashboard files: every non-TypeScript file sits beside the code that reads it.
    const assets = filesUnder(join(ROOT, 'src')).filter((f) => !f.endsWith('.ts'));
    expect(assets.some((f) => f.endsWith('.sql'))).toBe(true);
    for (const asset of assets) {
      expect(entries).toContain(`package/dist/${relative(join(ROOT, 'src'), asset)}`);
    }
    const sources = entries.filter((e) => e.endsWith('.ts') && !e.endsWith('.d.ts'));
    expect(sources).toEqual([]);
    expect(entries.filter((e) => e.includes('.test.'))).toEqual([]);
  });

  it('runs its bin through npx without TypeScript support', async () => {
    const out = await mustSucceed('npx herald --version', pkg.dir);
    expect(out.trim()).toBe(VERSION);
  });

  it('npx herald serve answers /healthz, and a SIGTERM to npx stops Herald and frees the port', async () => {
    const data = tempDir();
    const herald = await launch(
      'npx',
      ['herald', 'serve', '--port', '0', '--data', data],
      pkg.dir,
      userEnv(),
    );
    launched.push(herald);
    const health = await fetch(`${herald.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', version: VERSION });
    // npx runs Herald as npm exec → sh → node: the signal reaches npm only.
    expect(herald.heraldPid).not.toBe(herald.child.pid);
    herald.child.kill('SIGTERM');
    expect(await stoppedAndFreed(herald.heraldPid, herald.url)).toBe(true);
  });

  it("serves from import { startHerald, loadConfig } from 'herald' in an .mjs file", async () => {
    const data = tempDir();
    writeFileSync(
      join(pkg.dir, 'embed.mjs'),
      `import { startHerald, loadConfig, HERALD_VERSION } from 'herald';
const herald = await startHerald({ port: 0, dataDir: ${JSON.stringify(data)}, logLevel: 'silent', retentionMs: 3_600_000 });
const key = await herald.createApiKey({ tenant: 'acme' });
const auth = { authorization: 'Bearer ' + key, 'content-type': 'application/json' };
const published = await fetch(herald.url + '/events', { method: 'POST', headers: auth, body: JSON.stringify({ event: 'user.created', data: { id: 'u1' } }) });
const listed = await (await fetch(herald.url + '/events', { headers: auth })).json();
await herald.close();
const closed = await fetch(herald.url + '/healthz').then(() => 'open', () => 'closed');
let invalid;
try { await startHerald({ port: 'x' }); } catch (err) { invalid = err.name + ': ' + err.message; }
console.log(JSON.stringify({
  version: HERALD_VERSION,
  published: published.status,
  events: listed.data.map((e) => e.event),
  retention: herald.config.retentionMs,
  closed,
  invalid,
  fromEnv: loadConfig({}, { HERALD_RETENTION: '2d' }).retentionMs,
}));
`,
    );
    const out = await mustSucceed(`node embed.mjs`, pkg.dir);
    expect(JSON.parse(out)).toEqual({
      version: VERSION,
      published: 201,
      events: ['user.created'],
      retention: 3_600_000,
      closed: 'closed',
      invalid:
        'ConfigError: invalid configuration: --port = "x": must be an integer from 0 to 65535',
      fromEnv: 2 * 86_400_000,
    });
  });

  it('gives TypeScript users its declarations through exports', async () => {
    writeFileSync(
      join(pkg.dir, 'consumer.ts'),
      `import { type Herald, startHerald } from 'herald';
const herald: Herald = await startHerald({ port: 0, logLevel: 'silent' });
const url: string = herald.url;
// @ts-expect-error: a misspelt setting is a type error
await startHerald({ prot: 8080 });
// @ts-expect-error: durations are milliseconds, not text
await startHerald({ retentionMs: '30d' });
export { url };
`,
    );
    writeFileSync(
      join(pkg.dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules/@types')],
        },
        files: ['consumer.ts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const r = await sh(`node ${tsc} -p tsconfig.json`, pkg.dir);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it("runs the Dockerfile's install and start commands in a clean folder", async () => {
    const stage = finalStage(readDockerfile(join(ROOT, 'Dockerfile')));
    const dir = tempDir('herald-image-');
    // COPY --from=build …/herald.tgz ./ — the build stage packs the same way as above.
    const copy = one(stage, 'COPY');
    expect(copy).toMatch(/^--from=build \S+\.tgz \.\/$/);
    copyFileSync(pkg.tarball, join(dir, basename(copy.split(' ')[1] as string)));
    const installs = stage.instructions.filter(
      (i) => i.op === 'RUN' && /\bnpm (install|ci)\b/.test(i.args),
    );
    expect(installs).toHaveLength(1);
    await mustSucceed(runCommand((installs[0] as { args: string }).args), dir);

    // The image's environment, but on loopback, on a free port and in a temporary data folder.
    const port = await freePort();
    const env = userEnv({
      ...envOf(stage),
      HERALD_HOST: '127.0.0.1',
      PORT: String(port),
      HERALD_DATA_DIR: tempDir(),
    });
    const [cmd, ...args] = [...execForm(one(stage, 'ENTRYPOINT')), ...execForm(one(stage, 'CMD'))];
    expect(cmd).toBe('node');
    const herald = await launch(cmd as string, args, dir, env);
    launched.push(herald);
    expect(herald.url).toBe(`http://127.0.0.1:${port}`);
    // Node is the container's PID 1: the process started is Herald itself.
    expect(herald.heraldPid).toBe(herald.child.pid);

    const [hcCmd, ...hcArgs] = execForm(one(stage, 'HEALTHCHECK'));
    const quoted = hcArgs.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
    expect((await sh(`${hcCmd} ${quoted}`, dir, env)).code).toBe(0);

    herald.child.kill('SIGTERM');
    expect(await herald.exited).toBe(0);
    expect((await sh(`${hcCmd} ${quoted}`, dir, env)).code).toBe(1);
  });
});
