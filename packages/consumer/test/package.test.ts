// herald-consumer stands alone: it imports nothing from Herald, packs (its
// prepack builds dist/ with tsc), installs into an empty project, and runs
// there on the machine's system Node (20 here: no TS stripping, no node:sqlite).
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PKG = join(dirname(fileURLToPath(import.meta.url)), '..');
const SYSTEM_NODE = '/usr/bin/node';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sourceFiles(join(dir, d.name)) : [join(dir, d.name)],
  );
}

describe('herald-consumer as a package', () => {
  it('imports only node: built-ins and its own files, and declares no runtime dependency', () => {
    const pkg = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8'));
    expect(pkg.dependencies ?? {}).toEqual({});
    for (const file of sourceFiles(join(PKG, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/from '([^']+)'/g)) {
        const spec = m[1] as string;
        const ok = spec.startsWith('node:') || (spec.startsWith('.') && !spec.includes('../../'));
        expect(ok, `${file} imports ${spec}`).toBe(true);
      }
    }
  });

  it('packs, installs into an empty project and verifies a webhook on the system Node', () => {
    const out = mkdtempSync(join(tmpdir(), 'herald-consumer-pack-'));
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', out], {
        cwd: PKG,
        encoding: 'utf8',
      }),
    ) as { filename: string; files: { path: string }[] }[];
    const files = packed[0]?.files.map((f) => f.path) ?? [];
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files.some((f) => f.startsWith('src/') || f.startsWith('test/'))).toBe(false);

    const project = mkdtempSync(join(tmpdir(), 'herald-consumer-app-'));
    writeFileSync(join(project, 'package.json'), '{"name":"app","private":true,"type":"module"}');
    execFileSync(
      'npm',
      ['install', '--offline', '--no-audit', '--no-fund', join(out, packed[0]?.filename as string)],
      { cwd: project, stdio: 'pipe' },
    );
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = JSON.stringify({
      object: 'event',
      id: 'event_1',
      event: 'a.b',
      data: {},
      sequence: 1,
    });
    const ts = Math.floor(Date.now() / 1000);
    const sig = createHmac('sha256', Buffer.from(secret.slice(6), 'base64'))
      .update(`msg_1.${ts}.${body}`)
      .digest('base64');
    writeFileSync(
      join(project, 'check.js'),
      `import { verify, SignatureMismatchError } from 'herald-consumer';
const h = { 'webhook-id': 'msg_1', 'webhook-timestamp': '${ts}', 'webhook-signature': 'v1,${sig}' };
const body = ${JSON.stringify(body)};
const events = verify(body, h, '${secret}');
let refused = false;
try { verify(body + ' ', h, '${secret}'); } catch (e) { refused = e instanceof SignatureMismatchError; }
console.log(JSON.stringify({ node: process.version, ids: events.map((e) => e.id), refused }));
`,
    );
    const result = JSON.parse(
      execFileSync(SYSTEM_NODE, ['check.js'], { cwd: project, encoding: 'utf8' }),
    );
    expect(result.ids).toEqual(['event_1']);
    expect(result.refused).toBe(true);
    expect(Number(/^v(\d+)/.exec(result.node)?.[1])).toBeGreaterThanOrEqual(20);
  });
});
