// The dashboard's files are served by Herald itself: / and /dashboard/*, with
// their content types, revalidation by ETag, a same-origin content security
// policy, no way out of the public folder, and nothing of it in the OpenAPI document.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../fixtures/test-server.ts';

describe('dashboard assets', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
  });
  afterAll(async () => {
    await server.close();
  });

  it('serves the page at / without a key, revalidated by its ETag', async () => {
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    expect(html).toContain('<script type="module" src="/dashboard/js/app.js">');
    // Offline: nothing is loaded from another host.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const etag = res.headers.get('etag') as string;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await fetch(`${server.url}/`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('serves modules and styles with their types, and every module it imports exists', async () => {
    const css = await fetch(`${server.url}/dashboard/styles.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const seen = new Set<string>();
    const queue = ['/dashboard/js/app.js'];
    while (queue.length > 0) {
      const path = queue.pop() as string;
      if (seen.has(path)) continue;
      seen.add(path);
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      const src = await res.text();
      expect(src, path).not.toMatch(/from '(https?:)?\/\//);
      for (const m of src.matchAll(/from '(\.[^']+)'/g)) {
        queue.push(new URL(m[1] as string, `http://x${path}`).pathname);
      }
    }
    expect(seen.size).toBeGreaterThan(8);
  });

  it('answers unknown and escaping paths with the API problem 404', async () => {
    for (const path of [
      '/dashboard/nope.js',
      '/dashboard/../package.json',
      '/dashboard/%2e%2e/%2e%2e/package.json',
      '/dashboard/',
    ]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('keeps the dashboard out of the OpenAPI document', async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    const paths = Object.keys(doc.paths);
    expect(paths).not.toContain('/');
    expect(paths.filter((p) => p.startsWith('/dashboard'))).toEqual([]);
    expect(paths).toContain('/endpoints/{id}/health/timeline');
  });
});
