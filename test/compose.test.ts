// compose.yaml, checked without Docker (which cannot run here): each Herald
// service's command and environment, over the image's ENV, must make a valid
// configuration through the CLI's own option parsing and loader, with the
// roles, database and published port the file promises.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { addAllOptions, configFromOptions } from '../src/cli/options.ts';
import { envOf, finalStage, readDockerfile } from './fixtures/dockerfile.ts';

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  deploy?: { replicas?: number };
  depends_on?: Record<string, { condition: string }>;
}

const root = new URL('../', import.meta.url);
const compose = parse(readFileSync(new URL('compose.yaml', root), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const imageEnv = envOf(finalStage(readDockerfile(new URL('Dockerfile', root))));

function configOf(service: Service) {
  const [sub, ...args] = service.command ?? [];
  expect(sub).toBe('serve');
  const serve = addAllOptions(new Command('serve')).exitOverride();
  serve.parse(args, { from: 'user' });
  return configFromOptions(serve.opts(), { ...imageEnv, ...service.environment });
}

describe('compose.yaml', () => {
  const { postgres, api, worker } = compose.services;

  it('runs one API process and two workers of the image built here, on its PostgreSQL', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'postgres', 'worker']);
    for (const s of [api, worker] as Service[]) {
      expect(s.build).toBe('.');
      expect(s.depends_on?.postgres?.condition).toBe('service_healthy');
    }
    expect(api?.deploy?.replicas ?? 1).toBe(1);
    expect(worker?.deploy?.replicas).toBe(2);
    const pg = postgres?.environment ?? {};
    for (const s of [api, worker] as Service[]) {
      const url = new URL(configOf(s).databaseUrl ?? '');
      expect(url.hostname).toBe('postgres');
      expect([url.username, url.password, url.pathname]).toEqual([
        pg.POSTGRES_USER,
        pg.POSTGRES_PASSWORD,
        `/${pg.POSTGRES_DB}`,
      ]);
    }
  });

  it('gives each process its role, and publishes the port the API listens on', () => {
    expect(configOf(api as Service).role).toBe('api');
    expect(configOf(worker as Service).role).toBe('worker');
    const cfg = configOf(api as Service);
    expect(cfg.host).toBe('0.0.0.0');
    expect(api?.ports?.map((p) => Number(p.split(':').at(-1)))).toEqual([cfg.port]);
    expect(worker?.ports).toBeUndefined();
  });
});
