// The committed OpenAPI document passes a real linter (Redocly's
// recommended-strict rules, offline) and holds what generated clients rely on.
import { readFileSync } from 'node:fs';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { describe, expect, it } from 'vitest';

const source = readFileSync(new URL('../../docs/api/openapi.json', import.meta.url), 'utf8');
const doc = JSON.parse(source);

type Op = {
  parameters?: { in: string; name: string; required?: boolean }[];
  responses: Record<string, { description: string; content?: Record<string, unknown> }>;
};
const operations = (): [string, Op][] =>
  Object.entries(doc.paths as Record<string, Record<string, Op>>).flatMap(([path, ops]) =>
    Object.entries(ops).map(([m, op]) => [`${m} ${path}`, op] as [string, Op]),
  );

describe('OpenAPI document quality', () => {
  it('has no problems under Redocly recommended-strict', async () => {
    const config = await createConfig({
      extends: ['recommended-strict'],
      // GET /healthz needs no key and takes no input: it has no client error to declare.
      rules: { 'operation-4xx-response': 'off' },
    });
    const problems = await lintFromString({ source, absoluteRef: 'openapi.json', config });
    expect(
      problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? ''}`),
    ).toEqual([]);
  });

  it('declares every error as application/problem+json, $ref-ing the one Problem schema', () => {
    let errors = 0;
    for (const [where, op] of operations()) {
      for (const [status, res] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue;
        errors += 1;
        expect(res.content, `${where} ${status}`).toEqual({
          'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
        });
      }
    }
    expect(errors).toBeGreaterThan(40);
    expect(doc.components.schemas.Problem.required).toContain('message');
  });

  it('makes parameters with defaults optional, as openapi-typescript reads them', () => {
    const list = doc.paths['/events'].get as Op;
    const param = (name: string) => list.parameters?.find((p) => p.name === name);
    expect(param('limit')?.required).toBe(false);
    expect(param('order')?.required).toBe(false);
    const endpoints = doc.paths['/endpoints'].get as Op;
    expect(endpoints.parameters?.find((p) => p.name === 'limit')?.required).toBe(false);
    for (const [where, op] of operations()) {
      for (const p of op.parameters ?? []) {
        if (p.in === 'path') expect(p.required, where).toBe(true);
      }
    }
  });

  it('has servers, a license, a real description for every response, and webhooks', () => {
    expect(doc.servers.length).toBeGreaterThan(0);
    expect(doc.info.license.identifier).toBe('MIT');
    for (const [where, op] of operations()) {
      for (const [status, res] of Object.entries(op.responses)) {
        expect(res.description, `${where} ${status}`).not.toMatch(/^(Default Response)?$/);
      }
    }
    expect(Object.keys(doc.webhooks)).toEqual(
      expect.arrayContaining(['event', 'eventArray', 'cloudevent', 'cloudeventBatch']),
    );
    expect(doc.webhooks.event.post.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/Event',
    });
  });
});
