// The OpenTelemetry SDK, wired only when the operator names an OTLP collector:
// spans go out in batches over OTLP/HTTP (JSON) to <endpoint>/v1/traces. The
// SDK and exporter read the other standard variables themselves
// (OTEL_EXPORTER_OTLP_HEADERS, OTEL_TRACES_SAMPLER, OTEL_BSP_*; OTEL_SERVICE_NAME
// and OTEL_RESOURCE_ATTRIBUTES through the resource). The tracer is handed to
// Herald's parts rather than registered globally, so several Herald instances
// (tests) can each export to their own collector.
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { PublishLinks, type Tracing } from './tracing.ts';

export interface TraceExport extends Tracing {
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

let contextInstalled = false;

/** The active span follows async work (request → publish), and traceparent is read from requests. */
function installContext(): void {
  if (contextInstalled) return;
  contextInstalled = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

export function startTraceExport(endpoint: string, version: string): TraceExport {
  installContext();
  const resource = resourceFromAttributes({
    'service.name': 'herald',
    'service.version': version,
  }).merge(detectResources({ detectors: [envDetector] }));
  const exporter = new OTLPTraceExporter({ url: new URL('v1/traces', withSlash(endpoint)).href });
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  return {
    tracer: provider.getTracer('herald', version),
    links: new PublishLinks(),
    shutdown: () => provider.shutdown(),
  };
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
