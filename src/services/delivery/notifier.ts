// Operator notifications to a Slack-compatible incoming webhook ({"text": ...}):
// when an endpoint is disabled, when a delivery is given up, and, with
// notify_success, a periodic summary of successful deliveries. Best effort:
// a failing notification is logged, never retried, and never affects delivery.
// Success counts live in memory, so a restart drops the current period's count.
import type { DeliveryRow } from '../../domain/delivery.ts';
import type { EndpointRow } from '../../domain/endpoint.ts';

export interface NotifierOptions {
  post: (url: string, payload: { text: string }) => Promise<number | null>;
  summaryIntervalMs: number;
  onError: (message: string) => void;
}

const REASONS: Record<string, string> = {
  manual: 'it was disabled by an operator',
  consecutive_failures: 'too many consecutive deliveries failed',
  failing_duration: 'it has been failing for too long',
  gone: 'it answered 410 Gone',
};

export class Notifier {
  readonly #opts: NotifierOptions;
  readonly #successes = new Map<string, { url: string; endpoint: string; count: number }>();
  readonly #pending = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | null = null;

  constructor(opts: NotifierOptions) {
    this.#opts = opts;
  }

  start(): void {
    this.#timer = setInterval(() => this.flushSummaries(), this.#opts.summaryIntervalMs);
    this.#timer.unref();
  }

  #send(url: string, text: string): void {
    const p = this.#opts.post(url, { text }).then(
      (status) => {
        if (status === null || status < 200 || status >= 300) {
          this.#opts.onError(`notification to ${url} failed (status ${status ?? 'none'})`);
        }
      },
      (err) => this.#opts.onError(`notification to ${url} failed: ${(err as Error).message}`),
    );
    const tracked = p.finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
  }

  endpointDisabled(ep: EndpointRow): void {
    if (ep.notifyUrl === null) return;
    const why = REASONS[ep.disabledReason ?? 'manual'] ?? ep.disabledReason;
    this.#send(
      ep.notifyUrl,
      `Herald disabled endpoint ${ep.id} (${ep.url}) because ${why}. Undelivered events are kept; POST /endpoints/${ep.id}/enable resumes delivery.`,
    );
  }

  deliveryGaveUp(
    ep: EndpointRow,
    d: Pick<DeliveryRow, 'id' | 'firstSequence' | 'lastSequence' | 'attemptCount'>,
    lastError: string,
  ): void {
    if (ep.notifyUrl === null) return;
    this.#send(
      ep.notifyUrl,
      `Herald gave up delivery ${d.id} (events ${d.firstSequence}–${d.lastSequence}) to ${ep.url} after ${d.attemptCount} attempts: ${lastError}`,
    );
  }

  recordSuccess(ep: EndpointRow): void {
    if (ep.notifyUrl === null || !ep.notifySuccess) return;
    const s = this.#successes.get(ep.id) ?? { url: ep.notifyUrl, endpoint: ep.url, count: 0 };
    s.count += 1;
    this.#successes.set(ep.id, s);
  }

  flushSummaries(): void {
    const minutes = Math.round(this.#opts.summaryIntervalMs / 60_000);
    const period = minutes >= 1 ? `${minutes} min` : `${this.#opts.summaryIntervalMs} ms`;
    for (const [id, s] of this.#successes) {
      this.#send(
        s.url,
        `Herald: ${s.count} deliveries to ${s.endpoint} (${id}) succeeded in the last ${period}.`,
      );
    }
    this.#successes.clear();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await Promise.allSettled([...this.#pending]);
  }
}
