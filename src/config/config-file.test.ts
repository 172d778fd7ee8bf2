// The configuration file: same settings and rules as flags and environment,
// below both in precedence; unknown names and unusable values are refused.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';
import { parseConfigFile } from './config-file.ts';

const file = (json: unknown) => parseConfigFile(JSON.stringify(json), 'herald.json');

describe('configuration file', () => {
  it('takes every setting by its flag name, with strings, numbers or booleans', () => {
    const cfg = loadConfig(
      {},
      {},
      '/srv',
      file({
        port: 9090,
        data: 'state',
        retention: '7d',
        'allow-private-endpoints': true,
        'database-pool-max': '4',
      }),
    );
    expect(cfg.port).toBe(9090);
    expect(cfg.dataDir).toBe('/srv/state');
    expect(cfg.retentionMs).toBe(7 * 86_400_000);
    expect(cfg.allowPrivateEndpoints).toBe(true);
    expect(cfg.databasePoolMax).toBe(4);
  });

  it('is overridden by the environment, which a flag overrides in turn', () => {
    const f = file({ port: 9090, 'log-level': 'debug' });
    expect(loadConfig({}, {}, '/', f).port).toBe(9090);
    expect(loadConfig({}, { PORT: '7070' }, '/', f).port).toBe(7070);
    expect(loadConfig({ port: '6060' }, { PORT: '7070' }, '/', f).port).toBe(6060);
    expect(loadConfig({}, { PORT: '7070' }, '/', f).logLevel).toBe('debug');
  });

  it('checks values with the same rules, naming the file and the setting', () => {
    expect(() => loadConfig({}, {}, '/', file({ retention: 'forever', port: 'x' }))).toThrow(
      'invalid configuration: herald.json: port = "x": must be an integer from 0 to 65535; herald.json: retention = "forever": must be a positive duration such as 500ms, 15s, 10m, 1h or 30d',
    );
    expect(() => loadConfig({}, {}, '/', file({ role: 'worker' }))).toThrow(
      /--role worker needs --database/,
    );
  });

  it('refuses unknown names, listing them and the known ones', () => {
    const err = (() => {
      try {
        file({ prot: 1, data: '/x', dataDir: '/y' });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err?.message).toMatch(
      /^invalid configuration: herald\.json: unknown settings "prot", "dataDir" \(settings are the flag names without --: host, port, data,/,
    );
  });

  it('refuses what is not a JSON object of plain values', () => {
    expect(() => parseConfigFile('{"port": 80,}', 'h.json')).toThrow(
      /^invalid configuration: h\.json is not valid JSON: /,
    );
    expect(() => parseConfigFile('[1]', 'h.json')).toThrow(/must hold a JSON object of settings/);
    expect(() => file({ port: null, host: ['a'] })).toThrow(
      'invalid configuration: herald.json: port must be a string, a number or true/false; herald.json: host must be a string, a number or true/false',
    );
  });
});
