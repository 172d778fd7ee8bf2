// The monitoring settings: request log level and format, the metrics
// listener, endpoint labels, and the OTLP collector (standard variable).
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('monitoring configuration', () => {
  it('logs requests at info as JSON or readable, metrics on the API port, no traces by default', () => {
    const cfg = loadConfig({}, {});
    expect(cfg).toMatchObject({
      requestLogLevel: 'info',
      logFormat: 'auto',
      metricsPort: null,
      metricsHost: null,
      metricsEndpointLabels: false,
      otlpEndpoint: null,
    });
  });

  it('reads the standard OTEL_EXPORTER_OTLP_ENDPOINT, and the flags over the environment', () => {
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      HERALD_METRICS_PORT: '9464',
    };
    expect(loadConfig({}, env)).toMatchObject({
      otlpEndpoint: 'http://collector:4318',
      metricsPort: 9464,
    });
    expect(loadConfig({ metricsPort: '9000', requestLogLevel: 'off' }, env)).toMatchObject({
      metricsPort: 9000,
      requestLogLevel: 'off',
    });
  });

  it('rejects a metrics host without a port, a bad collector URL, unknown levels and formats', () => {
    expect(() => loadConfig({ metricsHost: '10.0.0.5' }, {})).toThrow(
      /--metrics-host needs --metrics-port/,
    );
    expect(() => loadConfig({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      /--otlp-endpoint \(OTEL_EXPORTER_OTLP_ENDPOINT\) must be an http:\/\/ or https:\/\/ URL/,
    );
    expect(() => loadConfig({ requestLogLevel: 'loud' }, {})).toThrow(/--request-log-level/);
    expect(() => loadConfig({ logFormat: 'xml' }, {})).toThrow(/--log-format/);
    expect(() => loadConfig({ metricsPort: '70000' }, {})).toThrow(/--metrics-port/);
  });
});
