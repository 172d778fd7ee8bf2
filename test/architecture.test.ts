// Layers import in one direction: domain ← store ← services ← http/cli/dashboard, with
// main.ts as the only composition root that picks concrete stores.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = new URL('../src/', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return files(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

function layerOf(path: string): string {
  const rel = relative(SRC, path);
  if (rel.startsWith('store/sqlite/')) return 'store/sqlite';
  if (rel.startsWith('store/postgres/')) return 'store/postgres';
  return rel.includes('/') ? (rel.split('/')[0] as string) : rel;
}

/** For each layer, the layers it must not import. */
const FORBIDDEN: Record<string, string[]> = {
  domain: [
    'store',
    'store/sqlite',
    'store/postgres',
    'services',
    'http',
    'cli',
    'config',
    'main.ts',
  ],
  store: ['store/sqlite', 'store/postgres', 'services', 'http', 'cli', 'config', 'main.ts'],
  'store/sqlite': ['store/postgres', 'services', 'http', 'cli', 'config', 'main.ts'],
  'store/postgres': ['store/sqlite', 'services', 'http', 'cli', 'config', 'main.ts'],
  services: ['store/sqlite', 'store/postgres', 'http', 'cli', 'config', 'main.ts'],
  http: ['store/sqlite', 'store/postgres', 'cli', 'main.ts'],
  dashboard: ['store', 'store/sqlite', 'store/postgres', 'services', 'http', 'cli', 'main.ts'],
  config: ['store', 'store/sqlite', 'store/postgres', 'services', 'http', 'cli', 'main.ts'],
};

const DRIVERS: Record<string, RegExp> = {
  services: /^(pg|node:sqlite)$/,
  http: /^(pg|node:sqlite)$/,
  dashboard: /^(pg|node:sqlite|undici)$/,
  domain: /^(pg|node:sqlite|fastify|undici)$/,
};

describe('architecture', () => {
  it('keeps imports flowing one way between layers', () => {
    const violations: string[] = [];
    for (const file of files(SRC)) {
      const layer = layerOf(file);
      const src = readFileSync(file, 'utf8');
      const statics = src.matchAll(/^\s*(?:import|export)[^'"]*from\s+'([^']+)'/gm);
      const dynamics = src.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g);
      for (const m of [...statics, ...dynamics]) {
        const spec = m[1] as string;
        if (spec.startsWith('.')) {
          const target = layerOf(join(file, '..', spec));
          if (FORBIDDEN[layer]?.includes(target))
            violations.push(`${relative(SRC, file)} → ${spec}`);
        } else if (DRIVERS[layer]?.test(spec)) {
          violations.push(`${relative(SRC, file)} → ${spec}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  // Dynamic imports belong to the composition root, which loads optional heavy
  // dependencies (the OTLP exporter) only when configured. Anywhere else they
  // hide what a module depends on (one left from a debugging session once
  // wrote a file per commit on the delivery path), and a computed specifier
  // would slip past the layer check.
  it('keeps dynamic imports to main.ts, with literal specifiers', () => {
    const found = files(SRC).filter((f) => {
      const src = readFileSync(f, 'utf8');
      if (relative(SRC, f) !== 'main.ts') return /\bimport\(/.test(src);
      return /\bimport\((?!\s*'[^']+'\s*\))/.test(src);
    });
    expect(found.map((f) => relative(SRC, f))).toEqual([]);
  });
});
