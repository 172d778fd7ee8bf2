// Wires the push-delivery parts together: sender → worker ← dispatcher, with
// the notifier and the operator service. main.ts starts and stops it as one.
import { randomUUID } from 'node:crypto';
import type { Store } from '../../store/store.ts';
import { HERALD_VERSION } from '../../version.ts';
import { Dispatcher } from './dispatcher.ts';
import { EndpointService } from './endpoints.ts';
import { Notifier } from './notifier.ts';
import { Sender } from './sender.ts';
import { DeliveryWorker } from './worker.ts';

export interface DeliveryRuntimeOptions {
  allowPrivate: boolean;
  concurrency: number;
  notifySummaryIntervalMs: number;
  onError: (err: unknown) => void;
}

export interface DeliveryRuntime {
  endpoints: EndpointService;
  worker: DeliveryWorker;
  dispatcher: Dispatcher;
  notifier: Notifier;
  start(): void;
  /** Stops fan-out and claiming, waits up to graceMs for sends in flight, closes connections. */
  stop(graceMs: number): Promise<void>;
}

export function createDelivery(store: Store, opts: DeliveryRuntimeOptions): DeliveryRuntime {
  const sender = new Sender({
    allowPrivate: opts.allowPrivate,
    userAgent: `Herald/${HERALD_VERSION}`,
    connectionsPerOrigin: 10,
  });
  const notifier = new Notifier({
    post: (url, payload) => sender.postJson(url, payload),
    summaryIntervalMs: opts.notifySummaryIntervalMs,
    onError: (message) => opts.onError(new Error(message)),
  });
  let dispatcher: Dispatcher | null = null;
  const worker = new DeliveryWorker(store, sender, notifier, {
    owner: `worker_${randomUUID()}`,
    concurrency: opts.concurrency,
    leaseMarginMs: 5_000,
    pollMs: 250,
    idleMs: 5_000,
    onFinished: (tenantId, endpointId) => dispatcher?.onDeliveryFinished(tenantId, endpointId),
    onError: opts.onError,
  });
  dispatcher = new Dispatcher(store, {
    maxOpen: 1000,
    scanLimit: 500,
    sweepMs: 5_000,
    onDispatched: () => worker.wake(),
    onError: opts.onError,
  });
  const d = dispatcher;
  const endpoints = new EndpointService(store, {
    allowPrivate: opts.allowPrivate,
    wake: () => {
      d.kickAll();
      worker.wake();
    },
  });
  return {
    endpoints,
    worker,
    dispatcher: d,
    notifier,
    start() {
      d.start();
      worker.start();
      notifier.start();
    },
    async stop(graceMs) {
      d.stop();
      await worker.stop(graceMs);
      await notifier.stop();
      await sender.close();
    },
  };
}
