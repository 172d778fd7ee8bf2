// Decides when the process sheds load: the JavaScript heap in use or the bytes
// that SSE sockets hold unsent are over their thresholds. The heap is sampled
// on a timer, not per request, since reading them has a cost.
import { getHeapStatistics } from 'node:v8';

export interface LoadMonitorOptions {
  /** Null: 85 % of the heap limit. */
  heapBytes: number | null;
  streamBufferBytes: number;
  /** Unsent SSE bytes now. */
  streamBuffered: () => number;
  sampleMs?: number;
}

export class LoadMonitor {
  readonly #heapLimit: number;
  readonly #streamBufferBytes: number;
  readonly #streamBuffered: () => number;
  #heapUsed = 0;
  #buffered = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(opts: LoadMonitorOptions) {
    this.#heapLimit = opts.heapBytes ?? Math.floor(getHeapStatistics().heap_size_limit * 0.85);
    this.#streamBufferBytes = opts.streamBufferBytes;
    this.#streamBuffered = opts.streamBuffered;
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), opts.sampleMs ?? 250);
    this.#timer.unref();
  }

  #sample(): void {
    this.#heapUsed = getHeapStatistics().used_heap_size;
    this.#buffered = this.#streamBuffered();
  }

  /** Why the process is over a threshold now, or null. */
  overload(): string | null {
    if (this.#heapUsed > this.#heapLimit) return 'memory in use is above its limit';
    if (this.#buffered > this.#streamBufferBytes) {
      return 'event streams hold more unsent data than allowed';
    }
    return null;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
